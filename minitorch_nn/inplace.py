"""In-place array updates for the hot paths: ``y += alpha * x`` and ``C (+)= A @ B``.

Everything here is plain numpy. The products run in numpy's BLAS, written straight into
the destination with ``out=``; the scaled additions use a caller's scratch buffer instead of
a fresh temporary, so an optimiser step allocates nothing.
"""
from __future__ import annotations

import numpy as np


def axpy(alpha: float, x: np.ndarray, y: np.ndarray, scratch: np.ndarray | None = None) -> None:
    """``y += alpha * x`` in place; ``scratch`` (shaped like ``y``) holds ``alpha * x``."""
    if alpha == 1.0:
        y += x
        return
    if scratch is None:
        y += alpha * x
    else:
        np.add(y, np.multiply(x, alpha, out=scratch), out=y)


def matmul_into(a: np.ndarray, b: np.ndarray, out: np.ndarray, accumulate: bool = True) -> None:
    """``out += a @ b``, or ``out[...] = a @ b`` when not ``accumulate``, in place.

    ``a`` (M, K), ``b`` (K, N), ``out`` (M, N). Overwriting writes the product straight into
    ``out``; accumulating needs one temporary for the product.
    """
    if accumulate:
        out += a @ b
    elif a.shape[1] == 1:
        np.multiply(a, b, out=out)  # an outer product: broadcasting beats a K=1 GEMM
    else:
        np.matmul(a, b, out=out)
