"""Batch normalisation as a forward/backward pair: ``batch_norm_forward`` / ``batch_norm_backward``.

Statistics are per channel (axis 1), over every other axis: ``(N, C)``, ``(N, C, L)`` and
``(N, C, H, W)`` inputs alike. With batch mean μ and biased batch variance σ² (training), or
given running statistics (evaluation)::

    x̂ = (x - μ) / sqrt(σ² + eps)        y = weight · x̂ + bias
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class BatchNormCache(NamedTuple):
    """What ``batch_norm_backward`` needs; ``mean`` and ``var`` are the statistics used
    (the batch's, biased, when ``used_batch_stats``), for the caller's running averages."""

    centered: np.ndarray   # x - μ; x̂ = centered · inv_std is never stored
    inv_std: np.ndarray    # 1 / sqrt(σ² + eps), (C,)
    weight: np.ndarray | None
    mean: np.ndarray
    var: np.ndarray
    used_batch_stats: bool


def channel_shape(x: np.ndarray) -> tuple[int, ...]:
    """``(1, C, 1, ...)``: per-channel vectors broadcast against ``x``."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def sum_over_channels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``Σ a · b`` over every axis but the channel axis 1, without the product array."""
    axes = "nc" + "lhw"[:a.ndim - 2]
    return np.einsum(f"{axes},{axes}->c", a, b)


def batch_norm_forward(x: np.ndarray, weight: np.ndarray | None = None, bias: np.ndarray | None = None, *,
                       running_mean: np.ndarray | None = None, running_var: np.ndarray | None = None,
                       training: bool = True, eps: float = 1e-5):
    """Normalise ``x`` per channel, then scale by ``weight`` (γ) and shift by ``bias`` (β).

    Inputs:
        x: ``(N, C, *)``.  weight, bias: ``(C,)`` or None (no affine transform).
        running_mean, running_var: ``(C,)``, used instead of the batch's statistics when not
            ``training`` (these are read only: updating them is the caller's choice, from
            ``cache.mean`` and ``cache.var``).
        training: use the batch statistics (also when there are no running statistics).
    Returns:
        ``(y, cache)``, y shaped like x.
    """
    shape = channel_shape(x)
    axes = (0,) + tuple(range(2, x.ndim))
    use_batch_stats = training or running_mean is None
    if use_batch_stats:
        n = x.size // x.shape[1]
        mean = x.mean(axis=axes)
        centered = x - mean.reshape(shape)
        var = sum_over_channels(centered, centered) / n
    else:
        mean, var = running_mean, running_var
        centered = x - mean.reshape(shape)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    cache = BatchNormCache(centered, inv_std, weight, mean, var, use_batch_stats)
    if weight is None:
        return centered * inv_std.reshape(shape), cache
    # y = x̂ · weight + bias = centered · (weight · inv_std) + bias: two passes over the batch
    out = centered * (weight * inv_std).reshape(shape)
    out += bias.reshape(shape)
    return out, cache


def batch_norm_backward(grad_out: np.ndarray, cache: BatchNormCache):
    """Gradients of ``batch_norm_forward``: ``(grad_x, grad_weight, grad_bias)`` (the last two None
    without ``weight``).

    With g = dL/dy and n values per channel, in training mode::

        dL/dγ = Σ g · x̂        dL/dβ = Σ g
        dL/dx = γ / (n · sqrt(σ² + eps)) · (n · g - Σ g - x̂ · Σ g · x̂)

    With running statistics (constants) dL/dx = γ · g / sqrt(σ² + eps).
    """
    centered, inv_std, weight, _, _, used_batch_stats = cache
    shape = channel_shape(centered)
    axes = (0,) + tuple(range(2, centered.ndim))
    sum_grad = grad_out.sum(axis=axes)
    sum_grad_centered = sum_over_channels(grad_out, centered)  # Σ g · x̂ = this · inv_std
    grad_weight = grad_bias = None
    if weight is not None:
        grad_weight = sum_grad_centered * inv_std
        grad_bias = sum_grad
        scale = weight * inv_std
    else:
        scale = inv_std
    grad_x = grad_out * scale.reshape(shape)
    if not used_batch_stats:
        return grad_x, grad_weight, grad_bias
    # The docstring's formula with x̂ = centered · inv_std, expanded into three passes:
    # dL/dx = scale · (g - Σ g / n - centered · inv_std² · Σ(g · centered) / n)
    n = centered.size // centered.shape[1]
    grad_x -= centered * (scale * inv_std * inv_std * sum_grad_centered / n).reshape(shape)
    grad_x -= (scale * sum_grad / n).reshape(shape)
    return grad_x, grad_weight, grad_bias
