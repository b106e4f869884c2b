"""Adam and AdamW: bias-corrected moving averages of the gradient and its square."""
from __future__ import annotations

import numpy as np

from ..kernels.inplace import axpy, scal
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


def _check_adam_args(lr, betas, eps, weight_decay) -> tuple[float, float]:
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    return float(betas[0]), float(betas[1])


def _adam_moments_and_step(param, grad, state, lr, beta1, beta2, eps, amsgrad, tmp, denom) -> None:
    """The Adam update proper, shared by ``Adam`` and ``AdamW`` (which differ only in how
    they apply weight decay). ``state["step"]`` must already count this step."""
    if "exp_avg" not in state:
        state["exp_avg"] = np.zeros_like(param)
        state["exp_avg_sq"] = np.zeros_like(param)
    if amsgrad and "max_exp_avg_sq" not in state:
        state["max_exp_avg_sq"] = np.zeros_like(param)
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]

    # m = beta1 * m + (1 - beta1) * grad
    scal(beta1, exp_avg)
    axpy(1 - beta1, grad, exp_avg, tmp)
    # v = beta2 * v + (1 - beta2) * grad**2
    scal(beta2, exp_avg_sq)
    axpy(1 - beta2, np.multiply(grad, grad, out=tmp), exp_avg_sq, denom)

    step = state["step"]
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5

    if amsgrad:
        # v_max = max(v_max, v), used in place of v below
        exp_avg_sq = np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
    # param = param - step_size * m / (sqrt(v) / s + eps)  with s = sqrt(1 - beta2**t),
    # computed as param - (step_size * s) * m / (sqrt(v) + eps * s): one pass fewer.
    np.sqrt(exp_avg_sq, out=denom)
    denom += eps * bias_correction2_sqrt
    axpy(-step_size * bias_correction2_sqrt, np.divide(exp_avg, denom, out=denom), param, tmp)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), the same update as ``torch.optim.Adam``.

    Args:
        params: ``model.parameters()``, a list of ``Parameter``s or of parameter-group dicts.
        lr: learning rate (default 1e-3).
        betas: decay rates ``(beta1, beta2)`` of the two moment averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty added to the *gradient* (default 0); see ``AdamW``.
        amsgrad: use the running maximum of ``v`` (AMSGrad, Reddi et al., 2018).
        maximize: ascend the objective instead of descending it.

    Update at step ``t`` (1, 2, ...) for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2          (amsgrad: v_max = max(v_max, v), used as v)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    State per parameter: ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with
    ``amsgrad``, ``max_exp_avg_sq``.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False,
                 *, maximize: bool = False):
        betas = _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        state["step"] = state.get("step", 0) + 1
        grad = self._with_weight_decay(param, grad, weight_decay)  # L2 penalty: goes through the moments
        _adam_moments_and_step(param, grad, state, lr, beta1, beta2, eps, group["amsgrad"],
                               self._scratch(param, "tmp"), self._scratch(param, "denom"))


class AdamW(Optimizer):
    """AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Same arguments as ``Adam``, but ``weight_decay`` (default 1e-2) shrinks the weights
    directly instead of being added to the gradient, so it does not pass through ``m``/``v``::

        p = p * (1 - lr * weight_decay)
        m, v and the step as in Adam, with the plain gradient

    State per parameter: as ``Adam``.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False,
                 *, maximize: bool = False):
        betas = _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        state["step"] = state.get("step", 0) + 1
        if weight_decay != 0:
            # decoupled weight decay: param = param * (1 - lr * weight_decay)
            scal(1 - lr * weight_decay, param)
        _adam_moments_and_step(param, grad, state, lr, beta1, beta2, eps, group["amsgrad"],
                               self._scratch(param, "tmp"), self._scratch(param, "denom"))
