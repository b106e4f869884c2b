"""The affine map as a forward/backward pair: ``linear_forward`` / ``linear_backward``."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class LinearCache(NamedTuple):
    """What ``linear_backward`` needs: the input and the weights of the forward pass."""

    x: np.ndarray
    weight: np.ndarray
    has_bias: bool


def linear_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None):
    """``y = x @ W.T + b``.

    Inputs:
        x: ``(N, *, in_features)``.  weight: ``(out_features, in_features)``.  bias: ``(out_features,)`` or None.
    Returns:
        ``(y, cache)`` with y ``(N, *, out_features)``.
    """
    out = x @ weight.T
    if bias is not None:
        out += bias
    return out, LinearCache(x, weight, bias is not None)


def linear_backward(grad_out: np.ndarray, cache: LinearCache):
    """Gradients of ``linear_forward``: ``(grad_x, grad_weight, grad_bias)`` (grad_bias None without a bias).

    dL/dx = dL/dy @ W;  dL/dW = dL/dyᵀ x (summed over every leading axis);  dL/db = Σ_n dL/dy.
    """
    x, weight, has_bias = cache
    out_features, in_features = weight.shape
    grad_2d = grad_out.reshape(-1, out_features)
    grad_weight = grad_2d.T @ x.reshape(-1, in_features)
    grad_bias = grad_2d.sum(axis=0) if has_bias else None
    return grad_out @ weight, grad_weight, grad_bias
