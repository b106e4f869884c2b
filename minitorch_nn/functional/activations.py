"""Activations and (log-)softmax, computed so that nothing overflows.

``relu_forward(x) -> (out, cache)`` / ``relu_backward(grad_out, cache) -> grad_x`` is the
course's forward/backward pair; the others are the stable formulas layers and losses share.
"""
from __future__ import annotations

import numpy as np


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``y = max(x, 0)``; returns ``(y, cache)``, the cache being ``y`` itself (any shape)."""
    out = np.maximum(x, 0)
    return out, out


def relu_backward(grad_out: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dL/dx = dL/dy where y > 0, else 0 (0 at x = 0, as PyTorch)."""
    return grad_out * (cache > 0)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(x)) along ``axis`` without overflow: x - max - log(sum(exp(x - max)))."""
    shifted = x - x.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the max so exp never overflows."""
    exps = np.exp(x - x.max(axis=axis, keepdims=True))
    exps /= exps.sum(axis=axis, keepdims=True)
    return exps


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), evaluated so that neither branch overflows for large |x|."""
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    exp_x = np.exp(x[~positive])
    out[~positive] = exp_x / (1.0 + exp_x)
    return out
