"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

import numpy as np

from ..kernels.inplace import add_scaled_, add_scaled_product_, add_scaled_quotient_, lerp_, scale_
from .hyperparameters import Flag, Number
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), the same update as ``torch.optim.RMSprop``.

    Args:
        params: ``model.parameters()``, a list of ``Parameter``s or of parameter-group dicts.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average (default 0.99).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        momentum: momentum factor (default 0).
        centered: normalise by the estimated variance ``E[g^2] - E[g]^2`` instead of ``E[g^2]``.
        maximize: ascend the objective instead of descending it.

    Update for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        avg = sqrt(v) + eps                      (centered: a = alpha * a + (1 - alpha) * g,
                                                   avg = sqrt(v - a**2) + eps)
        b = momentum * b + g / avg;  p = p - lr * b   if momentum > 0
        p = p - lr * g / avg                          otherwise

    State per parameter: ``step``, ``square_avg`` (v), ``momentum_buffer`` (b, when
    ``momentum > 0``), ``grad_avg`` (a, when ``centered``).
    """

    hyperparameters = {
        "lr": Number(invalid="Invalid learning rate: {}"),
        "eps": Number(invalid="Invalid epsilon value: {}"),
        "momentum": Number(invalid="Invalid momentum value: {}"),
        "weight_decay": Number(invalid="Invalid weight_decay value: {}"),
        "alpha": Number(invalid="Invalid alpha value: {}"),
        "centered": Flag(),
        "maximize": Flag(),
    }

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 *, maximize: bool = False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(param)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        temporary, avg = self._scratch("temporary", param), self._scratch("avg", param)

        grad = self._with_weight_decay(param, grad, weight_decay)
        # v = alpha * v + (1 - alpha) * g²
        square_avg = add_scaled_product_(scale_(state["square_avg"], alpha), 1 - alpha, grad, grad, temporary)
        if group["centered"]:
            grad_avg = lerp_(state["grad_avg"], grad, 1 - alpha, temporary)   # a = alpha * a + (1 - alpha) * g
            np.copyto(avg, square_avg)
            np.sqrt(add_scaled_product_(avg, -1.0, grad_avg, grad_avg, temporary), out=avg)  # sqrt(v - a²)
        else:
            np.sqrt(square_avg, out=avg)
        avg += eps
        if momentum > 0:
            # b = momentum * b + g / avg
            buf = add_scaled_quotient_(scale_(state["momentum_buffer"], momentum), 1.0, grad, avg, temporary)
            add_scaled_(param, -lr, buf, temporary)                           # p = p - lr * b
        else:
            add_scaled_quotient_(param, -lr, grad, avg, temporary)             # p = p - lr * g / avg
