"""Gradient clipping by the total norm of all gradients, as ``torch.nn.utils.clip_grad_norm_``."""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ..parameter import Parameter

__all__ = ["clip_grad_norm_"]


def _vector_norm(x: np.ndarray, norm_type: float) -> float:
    """The p-norm of ``x`` viewed as one vector (``inf``: the largest absolute value)."""
    if x.size == 0:
        return 0.0
    return float(np.linalg.norm(x.reshape(-1), ord=norm_type))


def clip_grad_norm_(parameters: Parameter | Iterable[Parameter], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale all gradients in place so that their total norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all ``.grad`` arrays concatenated into one
    vector (``float("inf")`` or ``"inf"``: the largest absolute entry). When it exceeds
    ``max_norm``, every gradient is multiplied by ``max_norm / (total_norm + 1e-6)``.
    Parameters whose ``.grad`` is None are ignored, and so are frozen ones
    (``requires_grad=False``): ``backward`` gives them no gradient, and one left over from
    before they were frozen is used by no optimiser, so it neither counts nor is scaled.

    Args:
        parameters: a ``Parameter`` or an iterable of them (e.g. ``model.parameters()``).
        max_norm: the largest allowed total norm.
        norm_type: the p of the p-norm (default 2).
        error_if_nonfinite: raise ``RuntimeError`` if the total norm is nan or inf
            (otherwise the gradients are scaled by it anyway, as PyTorch does).

    Returns:
        The total norm before clipping, as a Python float.
    """
    if isinstance(parameters, Parameter):
        parameters = [parameters]
    else:
        parameters = list(parameters)
    for p in parameters:
        if not isinstance(p, Parameter):
            raise TypeError(
                f"clip_grad_norm_: expected Parameters (e.g. model.parameters()), "
                f"but one of them is {type(p).__name__}"
            )
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    grads = [p.grad for p in parameters if p.grad is not None and p.requires_grad]
    if not grads:
        return 0.0

    norms = np.array([_vector_norm(g, norm_type) for g in grads])
    total_norm = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not math.isfinite(total_norm):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    clip_coef = max_norm / (total_norm + 1e-6)
    if not clip_coef >= 1.0:  # clip_coef < 1, or nan (then the grads become nan, as in PyTorch)
        for g in grads:
            g *= clip_coef
    return total_norm
