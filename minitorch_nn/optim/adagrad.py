"""Adagrad: per-weight step sizes from the running sum of squared gradients."""
from __future__ import annotations

import numpy as np

from ..kernels.inplace import add_scaled_product_, add_scaled_quotient_
from .hyperparameters import Flag, Number
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), the same update as ``torch.optim.Adagrad``.

    Args:
        params: ``model.parameters()``, a list of ``Parameter``s or of parameter-group dicts.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        initial_accumulator_value: starting value of the sum of squares (default 0).
        eps: added to the denominator for numerical stability (default 1e-10).
        maximize: ascend the objective instead of descending it.

    Update at step ``t`` (1, 2, ...) for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2
        p = p - clr * g / (sqrt(s) + eps)

    State per parameter: ``step`` (t), ``sum`` (s).
    """

    hyperparameters = {
        "lr": Number(invalid="Invalid learning rate: {}"),
        "lr_decay": Number(invalid="Invalid lr_decay value: {}"),
        "weight_decay": Number(invalid="Invalid weight_decay value: {}"),
        "initial_accumulator_value": Number(invalid="Invalid initial_accumulator_value value: {}"),
        "eps": Number(invalid="Invalid epsilon value: {}"),
        "maximize": Flag(),
    }

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False):
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        temporary, std = self._scratch("temporary", param), self._scratch("std", param)

        grad = self._with_weight_decay(param, grad, float(group["weight_decay"]))
        clr = lr / (1 + (state["step"] - 1) * lr_decay)
        state_sum = add_scaled_product_(state["sum"], 1.0, grad, grad, temporary)   # s = s + g²
        np.sqrt(state_sum, out=std)
        std += eps                                                                 # sqrt(s) + eps
        add_scaled_quotient_(param, -clr, grad, std, temporary)                    # p = p - clr * g / std
