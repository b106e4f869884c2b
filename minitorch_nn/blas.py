"""In-place BLAS updates for the hot paths: ``y += alpha * x`` and ``C (+)= A @ B``.

numpy evaluates ``y += alpha * x`` as two passes with a temporary array; BLAS does it in one
multi-threaded pass. For a (512, 784) float32 weight that is several times faster, which
matters in every optimiser step. scipy's BLAS wrappers are used when scipy is installed
(scikit-learn brings it); otherwise the numpy expressions give the same result.
"""
from __future__ import annotations

import numpy as np

try:
    from scipy.linalg import blas as _scipy_blas
except ImportError:  # pragma: no cover - exercised only without scipy
    _scipy_blas = None

# Below this many elements the call overhead of BLAS outweighs the saved pass.
_MIN_BLAS_SIZE = 4096
_AXPY = {np.dtype(np.float32): "saxpy", np.dtype(np.float64): "daxpy"}
_GEMM = {np.dtype(np.float32): "sgemm", np.dtype(np.float64): "dgemm"}


def _use_blas(*arrays: np.ndarray) -> bool:
    first = arrays[0]
    return (_scipy_blas is not None and first.size >= _MIN_BLAS_SIZE and first.dtype in _AXPY
            and all(a.dtype == first.dtype for a in arrays))


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> None:
    """``y += alpha * x`` in place; ``x`` and ``y`` of one shape and floating dtype."""
    if _use_blas(y, x) and y.flags.c_contiguous and x.flags.c_contiguous:
        getattr(_scipy_blas, _AXPY[y.dtype])(x.reshape(-1), y.reshape(-1), a=alpha)
    else:
        y += alpha * x


def matmul_into(a: np.ndarray, b: np.ndarray, out: np.ndarray, accumulate: bool = True) -> None:
    """``out += a @ b`` (or ``out[...] = a @ b`` when not ``accumulate``), in place.

    ``a`` (M, K), ``b`` (K, N), ``out`` (M, N) C-contiguous. With BLAS the product is never
    materialised: it is computed as ``out.T (+)= b.T @ a.T`` in Fortran order, which is the
    memory ``out`` already has.
    """
    if _use_blas(out, a, b) and out.flags.c_contiguous:
        gemm = getattr(_scipy_blas, _GEMM[out.dtype])
        # b.T and a.T are Fortran-ordered views when b and a are C-ordered: no copies.
        b_t, trans_b_t = (b.T, 0) if b.flags.c_contiguous else (b, 1)
        a_t, trans_a_t = (a.T, 0) if a.flags.c_contiguous else (a, 1)
        gemm(1.0, b_t, a_t, beta=1.0 if accumulate else 0.0, c=out.T,
             trans_a=trans_b_t, trans_b=trans_a_t, overwrite_c=1)
    elif accumulate:
        out += a @ b
    else:
        np.matmul(a, b, out=out)
