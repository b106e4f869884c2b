"""In-place array updates whose names say the maths: the vocabulary the optimisers are written in.

    add_scaled_(y, alpha, x)              y += alpha * x
    scale_(x, alpha)                      x *= alpha
    add_scaled_product_(y, alpha, a, b)   y += alpha * a * b
    add_scaled_quotient_(y, alpha, a, b)  y += alpha * a / b
    lerp_(start, end, weight)             start += weight * (end - start)
    add_matmul_(out, a, b)                out += a @ b
    set_matmul_(out, a, b)                out = a @ b

Each is the plain numpy expression in its comment, made cheaper: ``add_scaled_`` and
``scale_`` run in numpy's own OpenBLAS when it can be bound (`blas`), one multi-threaded pass
with no temporary; the others take an optional ``scratch`` array shaped like the destination
for their one temporary, so a caller that owns such a buffer (an optimiser) allocates nothing
per step. The matrix products write straight into ``out`` (BLAS ``gemm`` with beta 1 adds
without a temporary product, which ``np.matmul`` cannot).
"""
from __future__ import annotations

import numpy as np

from . import blas

# Below this many elements a ctypes call (~2-3 us) costs more than numpy's extra pass.
BLAS_MIN_SIZE = 8192


def add_scaled_(y: np.ndarray, alpha: float, x: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """``y += alpha * x`` in place; returns ``y``. ``scratch`` (like ``y``) may hold ``alpha * x``."""
    if y.size >= BLAS_MIN_SIZE and x.shape == y.shape and blas.supports(y, x):
        blas.axpy(alpha, x, y)
    elif alpha == 1.0:
        y += x
    elif scratch is None:
        y += alpha * x
    else:
        np.add(y, np.multiply(x, alpha, out=scratch), out=y)
    return y


def scale_(x: np.ndarray, alpha: float) -> np.ndarray:
    """``x *= alpha`` in place; returns ``x``."""
    # alpha = 0 stays in numpy: BLAS may turn NaN * 0 into 0, numpy (like PyTorch) keeps NaN.
    if x.size >= BLAS_MIN_SIZE and alpha != 0 and blas.supports(x):
        blas.scal(alpha, x)
    else:
        x *= alpha
    return x


def add_scaled_product_(y: np.ndarray, alpha: float, a: np.ndarray, b: np.ndarray,
                        scratch: np.ndarray | None = None) -> np.ndarray:
    """``y += alpha * a * b`` in place (PyTorch's ``addcmul_``); returns ``y``."""
    product = np.multiply(a, b, out=scratch)
    return add_scaled_(y, alpha, product, scratch=product)


def add_scaled_quotient_(y: np.ndarray, alpha: float, a: np.ndarray, b: np.ndarray,
                         scratch: np.ndarray | None = None) -> np.ndarray:
    """``y += alpha * a / b`` in place (PyTorch's ``addcdiv_``); returns ``y``."""
    quotient = np.divide(a, b, out=scratch)
    return add_scaled_(y, alpha, quotient, scratch=quotient)


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, scratch: np.ndarray | None = None) -> np.ndarray:
    """``start += weight * (end - start)`` in place (PyTorch's ``lerp_``, with its rounding); returns ``start``.

    Like PyTorch, a weight of 0.5 or more is computed as ``end - (1 - weight) * (end - start)``.
    ``scratch`` must not be ``end``.
    """
    difference = np.subtract(end, start, out=scratch)
    if abs(weight) < 0.5:
        difference *= weight
        start += difference
    else:
        difference *= 1 - weight
        np.subtract(end, difference, out=start)
    return start


def add_matmul_(out: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``out += a @ b`` in place, ``a`` (M, K), ``b`` (K, N), ``out`` (M, N); returns ``out``.

    With the BLAS binding the product is accumulated by ``gemm`` itself; without it numpy
    needs one temporary for the product.
    """
    if out.size >= BLAS_MIN_SIZE and blas.supports_gemm(a, b, out):
        blas.gemm(a, b, out, beta=1.0)
    else:
        out += a @ b
    return out


def set_matmul_(out: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``out = a @ b``, written into ``out``; returns ``out``."""
    if out.size >= BLAS_MIN_SIZE and blas.supports_gemm(a, b, out):
        blas.gemm(a, b, out, beta=0.0)
    elif a.shape[1] == 1:
        np.multiply(a, b, out=out)  # an outer product: broadcasting beats a K=1 GEMM
    else:
        np.matmul(a, b, out=out)
    return out
