"""BLAS routines (``axpy``, ``scal``, ``gemm``) from the OpenBLAS that numpy itself is linked to.

An optimiser step is ``y += alpha * x`` over every weight. In numpy that is two single-core
passes over memory and a temporary (``alpha * x``, then the add); OpenBLAS's ``saxpy`` makes
one pass and splits long vectors across its threads, about 4-10x faster on an MLP's weights.
``gemm`` adds a product into an existing array (``C = A @ B + beta * C``) with no temporary,
which ``np.matmul`` cannot, and handles the outer product of a batch of one well.
Those are the threads numpy's matrix products already use, so the two never compete for the
cores (a second BLAS, such as SciPy's, would bring a second pool that does).

The library is found where numpy's wheels put it (``numpy.libs``, ``numpy/.dylibs``) and
checked on a small vector before use. ``available()`` is False when there is none to find
(numpy built on MKL or Accelerate, say) or when ``MINITORCH_NN_BLAS=0``; callers then use
plain numpy, which gives the same results.
"""
from __future__ import annotations

import ctypes
import glob
import os

import numpy as np

__all__ = ["available", "supports", "axpy", "scal", "gemm"]

# numpy >= 2 wheels: scipy-openblas, symbols "scipy_cblas_saxpy64_"; numpy 1.2x: "cblas_saxpy64_".
_SYMBOL_PATTERNS = ("scipy_cblas_{}64_", "cblas_{}64_", "scipy_cblas_{}", "cblas_{}")
_LIBRARY_GLOBS = ("numpy.libs/*openblas*", "numpy/.dylibs/*openblas*", "numpy/_core/*openblas*")


_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS enum values


class _Routines:
    """``?axpy``, ``?scal`` and ``?gemm`` (s: float32, d: float64) of one library, typed for ctypes."""

    def __init__(self, library: ctypes.CDLL, pattern: str):
        integer = ctypes.c_int64 if "64" in pattern else ctypes.c_int32
        pointer, enum = ctypes.c_void_p, ctypes.c_int
        self.axpy, self.scal, self.gemm = {}, {}, {}
        for dtype, prefix, scalar in ((np.float32, "s", ctypes.c_float), (np.float64, "d", ctypes.c_double)):
            dtype = np.dtype(dtype)
            self.axpy[dtype] = _typed(library, pattern.format(prefix + "axpy"),
                                      integer, scalar, pointer, integer, pointer, integer)
            self.scal[dtype] = _typed(library, pattern.format(prefix + "scal"), integer, scalar, pointer, integer)
            self.gemm[dtype] = _typed(library, pattern.format(prefix + "gemm"), enum, enum, enum,
                                      integer, integer, integer, scalar, pointer, integer, pointer, integer,
                                      scalar, pointer, integer)


def _typed(library: ctypes.CDLL, name: str, *argtypes):
    function = getattr(library, name)
    function.argtypes = list(argtypes)
    function.restype = None
    return function


def _load() -> _Routines | None:
    if os.environ.get("MINITORCH_NN_BLAS", "1") == "0":
        return None
    site_packages = os.path.dirname(os.path.dirname(np.__file__))
    for library_glob in _LIBRARY_GLOBS:
        for path in sorted(glob.glob(os.path.join(site_packages, library_glob))):
            try:
                library = ctypes.CDLL(path)  # already loaded by numpy: the same handle, no new copy
            except OSError:
                continue
            for pattern in _SYMBOL_PATTERNS:
                try:
                    routines = _Routines(library, pattern)
                except AttributeError:
                    continue
                if _works(routines):
                    return routines
    return None


def _works(routines: _Routines) -> bool:
    """Check the binding (integer width, calling convention) on a small vector."""
    for dtype in (np.float32, np.float64):
        x = np.arange(1, 8, dtype=dtype)
        y = np.full(7, 2.0, dtype=dtype)
        routines.axpy[y.dtype](7, 0.5, x.ctypes.data, 1, y.ctypes.data, 1)
        routines.scal[y.dtype](7, 2.0, y.ctypes.data, 1)
        if not np.array_equal(y, 2 * (2.0 + 0.5 * np.arange(1, 8, dtype=dtype))):
            return False
        a, b = x.reshape(1, 7), np.arange(14, dtype=dtype).reshape(7, 2)
        c = np.ones((1, 2), dtype=dtype)
        routines.gemm[c.dtype](_ROW_MAJOR, _NO_TRANS, _NO_TRANS, 1, 2, 7, 1.0, a.ctypes.data, 7,
                               b.ctypes.data, 2, 1.0, c.ctypes.data, 2)
        if not np.array_equal(c, a @ b + 1):
            return False
    return True


_ROUTINES = _load()


def available() -> bool:
    """Whether numpy's OpenBLAS is bound (otherwise ``axpy``/``scal`` must not be called)."""
    return _ROUTINES is not None


def supports(*arrays: np.ndarray) -> bool:
    """Whether the routines can work on these arrays: bound, one float dtype, C-contiguous."""
    if _ROUTINES is None:
        return False
    dtype = arrays[0].dtype
    return dtype in _ROUTINES.axpy and all(
        a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable for a in arrays)


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> None:
    """``y += alpha * x`` in one pass; ``x`` and ``y`` of one shape, ``supports(x, y)`` true."""
    _ROUTINES.axpy[y.dtype](y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)


def scal(alpha: float, x: np.ndarray) -> None:
    """``x *= alpha`` in place; ``supports(x)`` true."""
    _ROUTINES.scal[x.dtype](x.size, alpha, x.ctypes.data, 1)


def supports_gemm(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> bool:
    """Whether ``gemm`` can take these: bound, one float dtype, 2-D, ``out`` C-contiguous and
    ``a``, ``b`` each C-contiguous or the transpose of a C-contiguous array."""
    return (supports(out) and a.ndim == b.ndim == 2 and a.dtype == b.dtype == out.dtype
            and _layout(a) is not None and _layout(b) is not None)


def gemm(a: np.ndarray, b: np.ndarray, out: np.ndarray, beta: float = 0.0) -> None:
    """``out = a @ b + beta * out`` in place, ``a`` (M, K), ``b`` (K, N), ``out`` (M, N);
    ``supports_gemm(a, b, out)`` true. With ``beta = 0`` the old contents of ``out`` are ignored."""
    (m, k), n = a.shape, b.shape[1]
    trans_a, lda = _layout(a)
    trans_b, ldb = _layout(b)
    _ROUTINES.gemm[out.dtype](_ROW_MAJOR, trans_a, trans_b, m, n, k, 1.0, a.ctypes.data, lda,
                              b.ctypes.data, ldb, beta, out.ctypes.data, max(n, 1))


def _layout(matrix: np.ndarray) -> tuple[int, int] | None:
    """(CBLAS transpose flag, leading dimension) of a C-contiguous matrix or of a transposed one."""
    if matrix.flags.c_contiguous:
        return _NO_TRANS, max(matrix.shape[1], 1)
    if matrix.flags.f_contiguous:
        return _TRANS, max(matrix.shape[0], 1)
    return None
