"""The binding to numpy's own OpenBLAS: found where numpy's wheels put it, and equal to numpy."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from minitorch_nn.kernels import blas

needs_blas = pytest.mark.skipif(not blas.available(), reason="numpy is not linked to a bundled OpenBLAS "
                                "(an MKL or Accelerate build, or MINITORCH_NN_BLAS=0)")


def _numpy_links_bundled_openblas() -> bool:
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return "openblas" in config.get("name", "").lower()


def test_found_whenever_numpy_uses_openblas():
    if os.environ.get("MINITORCH_NN_BLAS") == "0" or not _numpy_links_bundled_openblas():
        pytest.skip("this numpy does not use OpenBLAS, or the binding is switched off")
    assert blas.available()


def test_switched_off_by_the_environment():
    code = "import minitorch_nn.kernels.blas as b; print(b.available())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "MINITORCH_NN_BLAS": "0"}, check=True)
    assert result.stdout.strip() == "False"


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_and_scal_match_numpy(dtype):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 300, 7)).astype(dtype)
    tolerance = 1e-6 if dtype == np.float32 else 1e-14  # absolute too: FMA rounds y + a*x once
    expected = y + np.asarray(-0.3, dtype) * x
    blas.axpy(-0.3, x, y)
    np.testing.assert_allclose(y, expected, rtol=tolerance, atol=tolerance)
    blas.scal(0.5, y)
    np.testing.assert_allclose(y, expected * np.asarray(0.5, dtype), rtol=tolerance, atol=tolerance)


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("k", [1, 13])
def test_gemm_matches_matmul_for_every_layout(dtype, transpose_a, transpose_b, k):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((k, 5) if transpose_a else (5, k)).astype(dtype)
    b = rng.standard_normal((4, k) if transpose_b else (k, 4)).astype(dtype)
    a, b = (a.T if transpose_a else a), (b.T if transpose_b else b)
    assert blas.supports_gemm(a, b, np.empty((5, 4), dtype))
    tolerance = 1e-5 if dtype == np.float32 else 1e-13
    out = np.full((5, 4), np.nan, dtype)  # beta = 0 ignores the old contents, NaN included
    blas.gemm(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=tolerance, atol=tolerance)
    blas.gemm(a, b, out, beta=1.0)
    np.testing.assert_allclose(out, 2 * (a @ b), rtol=tolerance, atol=tolerance)


@needs_blas
def test_supports_only_contiguous_writable_arrays_of_one_float_dtype():
    x = np.zeros(10, np.float32)
    assert blas.supports(x, np.ones(10, np.float32))
    assert not blas.supports(x[::2])
    assert not blas.supports(x, np.ones(10, np.float64))
    assert not blas.supports(np.zeros(10, np.int64))
    assert not blas.supports(np.zeros(10, np.float16))
    read_only = np.zeros(10, np.float32)
    read_only.flags.writeable = False
    assert not blas.supports(read_only)
    assert not blas.supports_gemm(np.zeros((4, 6))[:, ::2], np.zeros((3, 2)), np.zeros((4, 2)))
    assert not blas.supports_gemm(np.zeros((4, 3)), np.zeros((3, 2)), np.zeros((2, 4)).T)
