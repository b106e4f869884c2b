"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, lerp_

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

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 *, maximize: bool = False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
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
        tmp, avg = self._scratch(param, "tmp"), self._scratch(param, "avg")

        grad = self._with_weight_decay(param, grad, weight_decay)

        # square_avg = alpha * square_avg + (1 - alpha) * grad**2
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += np.multiply(np.multiply(grad, 1 - alpha, out=tmp), grad, out=tmp)

        if group["centered"]:
            # grad_avg = alpha * grad_avg + (1 - alpha) * grad;  avg = sqrt(square_avg - grad_avg**2)
            grad_avg = lerp_(state["grad_avg"], grad, 1 - alpha, tmp)
            np.subtract(square_avg, np.multiply(grad_avg, grad_avg, out=avg), out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(square_avg, out=avg)
        avg += eps

        if momentum > 0:
            # buf = momentum * buf + grad / avg;  param = param - lr * buf
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += np.divide(grad, avg, out=tmp)
            param -= np.multiply(buf, lr, out=tmp)
        else:
            # param = param - lr * grad / avg
            param -= np.divide(np.multiply(grad, lr, out=tmp), avg, out=tmp)
