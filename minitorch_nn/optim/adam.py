"""Adam and AdamW: bias-corrected moving averages of the gradient and its square."""
from __future__ import annotations

import math

import numpy as np

from ..kernels.inplace import add_scaled_, add_scaled_product_, add_scaled_quotient_, scale_
from .hyperparameters import Flag, Number, Pair
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), the same update as ``torch.optim.Adam``.

    Args:
        params: ``model.parameters()``, a list of ``Parameter``s or of parameter-group dicts.
        lr: learning rate (default 1e-3).
        betas: decay rates ``(beta1, beta2)`` of the two moment averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty added to the *gradient* (default 0), or with
            ``decoupled_weight_decay`` a direct shrinking of the weights (``AdamW``).
        amsgrad: use the running maximum of ``v`` (AMSGrad, Reddi et al., 2018).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: apply ``weight_decay`` as AdamW does (default False).

    Update at step ``t`` (1, 2, ...) for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p                   (decoupled: p = p * (1 - lr * weight_decay))
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2         (amsgrad: v_max = max(v_max, v), used as v)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    State per parameter: ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with
    ``amsgrad``, ``max_exp_avg_sq``.
    """

    hyperparameters = {
        "lr": Number(invalid="Invalid learning rate: {}"),
        "eps": Number(invalid="Invalid epsilon value: {}"),
        "betas": Pair(Number(below=1.0), invalid="Invalid beta parameter at index {index}: {}"),
        "weight_decay": Number(invalid="Invalid weight_decay value: {}"),
        "amsgrad": Flag(),
        "maximize": Flag(),
        "decoupled_weight_decay": Flag(),
    }

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False,
                 *, maximize: bool = False, decoupled_weight_decay: bool = False):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                        weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        temporary = self._scratch("temporary", param)

        if group["decoupled_weight_decay"] and weight_decay != 0:
            scale_(param, 1 - lr * weight_decay)                        # p = p * (1 - lr * weight_decay)
        elif not group["decoupled_weight_decay"]:
            grad = self._with_weight_decay(param, grad, weight_decay)   # g = g + weight_decay * p
        add_scaled_(scale_(m, beta1), 1 - beta1, grad, temporary)       # m = beta1 * m + (1 - beta1) * g
        add_scaled_product_(scale_(v, beta2), 1 - beta2, grad, grad, temporary)  # v = beta2 * v + (1 - beta2) * g²
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        step_size = lr / (1 - beta1**t)
        denominator = np.sqrt(v, out=self._scratch("denominator", param))
        scale_(denominator, 1 / math.sqrt(1 - beta2**t))
        denominator += eps                                              # sqrt(v) / sqrt(1 - beta2**t) + eps
        add_scaled_quotient_(param, -step_size, m, denominator, temporary)  # p = p - step_size * m / denominator


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Same arguments as ``Adam`` (``weight_decay`` defaults to 1e-2); the weight decay shrinks the
    weights directly instead of being added to the gradient, so it does not pass through ``m``/``v``::

        p = p * (1 - lr * weight_decay)
        m, v and the step as in Adam, with the plain gradient
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False,
                 *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # an AdamW state stays AdamW, whatever the file says (as PyTorch)
            group["decoupled_weight_decay"] = True
