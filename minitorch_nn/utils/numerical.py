"""Numerical gradients and relative error, the tools behind every gradient check."""
from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout, h: float = 1e-5) -> np.ndarray:
    """Central-difference estimate of ``d sum(f(x) * dout) / dx``.

    ``f`` is evaluated at ``x`` with one element nudged by ±h at a time (``x`` is modified in
    place and restored). Use float64 arrays: float32 round-off swamps differences of size h.

    Returns an array shaped like ``x``.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    flat_x = x.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient: x must be a contiguous array that can be nudged in place")
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        plus = np.sum(np.asarray(f(x), dtype=np.float64) * dout)
        flat_x[i] = original - h
        minus = np.sum(np.asarray(f(x), dtype=np.float64) * dout)
        flat_x[i] = original
        flat_grad[i] = (plus - minus) / (2 * h)
    return grad


def rel_error(a, b) -> float:
    """Largest element-wise relative error ``|a - b| / max(1e-8, |a| + |b|)``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
