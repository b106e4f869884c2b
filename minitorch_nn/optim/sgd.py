"""Stochastic gradient descent, with optional momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from ..kernels.inplace import add_scaled_, scale_
from .hyperparameters import Flag, Number
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, the same update as ``torch.optim.SGD``.

    Args:
        params: ``model.parameters()``, a list of ``Parameter``s or of parameter-group dicts.
        lr: learning rate (default 1e-3, as PyTorch 2.x).
        momentum: momentum factor ``mu`` (default 0: plain SGD).
        dampening: dampening ``tau`` of the gradient added to the momentum buffer.
        weight_decay: L2 penalty ``lambda`` added to the gradient.
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: ascend the objective instead of descending it.

    Update for each parameter ``p`` with gradient ``g`` (PyTorch's formulation)::

        g = g + weight_decay * p
        b = g                                   (first step)
        b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b  if nesterov  else  b
        p = p - lr * g

    State per parameter: ``momentum_buffer`` (only when ``momentum != 0``).
    """

    hyperparameters = {
        "lr": Number(invalid="Invalid learning rate: {}"),
        "momentum": Number(invalid="Invalid momentum value: {}"),
        "dampening": Number(minimum=None),
        "weight_decay": Number(invalid="Invalid weight_decay value: {}"),
        "nesterov": Flag(),
        "maximize": Flag(),
    }

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def check_hyperparameters(self, values) -> None:
        super().check_hyperparameters(values)
        if values.get("nesterov") and (values.get("momentum", 0) <= 0 or values.get("dampening", 0) != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, param, grad, state, group):
        lr, momentum = float(group["lr"]), float(group["momentum"])
        dampening, weight_decay = float(group["dampening"]), float(group["weight_decay"])
        temporary = self._scratch("temporary", param)  # for the small arrays numpy updates

        grad = self._with_weight_decay(param, grad, weight_decay)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                # b = momentum * b + (1 - dampening) * g
                add_scaled_(scale_(buf, momentum), 1 - dampening, grad, temporary)
            if group["nesterov"]:
                # g = g + momentum * b
                nesterov_grad = self._scratch("nesterov_grad", param)
                nesterov_grad[...] = grad
                grad = add_scaled_(nesterov_grad, momentum, buf, temporary)
            else:
                grad = buf
        # p = p - lr * g
        add_scaled_(param, -lr, grad, temporary)
