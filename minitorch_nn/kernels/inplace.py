"""In-place array updates for the hot paths: ``y += alpha * x``, ``x *= alpha`` and ``C (+)= A @ B``.

The vector updates run in numpy's own OpenBLAS when it can be bound (`minitorch_nn.blas`):
one multi-threaded pass, no temporary. Otherwise they are plain numpy, with a caller's
scratch buffer instead of a fresh temporary, so an optimiser step allocates nothing. The
products run in numpy's BLAS, written straight into the destination with ``out=``.
"""
from __future__ import annotations

import numpy as np

from . import blas

# Below this many elements a ctypes call (~2-3 us) costs more than numpy's extra pass.
BLAS_MIN_SIZE = 8192


def axpy(alpha: float, x: np.ndarray, y: np.ndarray, scratch: np.ndarray | None = None) -> None:
    """``y += alpha * x`` in place; ``scratch`` (shaped like ``y``) may hold ``alpha * x``."""
    if y.size >= BLAS_MIN_SIZE and x.shape == y.shape and blas.supports(y, x):
        blas.axpy(alpha, x, y)
    elif alpha == 1.0:
        y += x
    elif scratch is None:
        y += alpha * x
    else:
        np.add(y, np.multiply(x, alpha, out=scratch), out=y)


def scal(alpha: float, x: np.ndarray) -> None:
    """``x *= alpha`` in place."""
    # alpha = 0 stays in numpy: BLAS may turn NaN * 0 into 0, numpy (like PyTorch) keeps NaN.
    if x.size >= BLAS_MIN_SIZE and alpha != 0 and blas.supports(x):
        blas.scal(alpha, x)
    else:
        x *= alpha


def matmul_into(a: np.ndarray, b: np.ndarray, out: np.ndarray, accumulate: bool = True) -> None:
    """``out += a @ b``, or ``out[...] = a @ b`` when not ``accumulate``, in place.

    ``a`` (M, K), ``b`` (K, N), ``out`` (M, N). Both write straight into ``out``; without the
    BLAS binding, accumulating needs one temporary for the product.
    """
    if out.size >= BLAS_MIN_SIZE and blas.supports_gemm(a, b, out):
        blas.gemm(a, b, out, beta=1.0 if accumulate else 0.0)
    elif accumulate:
        out += a @ b
    elif a.shape[1] == 1:
        np.multiply(a, b, out=out)  # an outer product: broadcasting beats a K=1 GEMM
    else:
        np.matmul(a, b, out=out)
