"""In-place updates give the same values with and without the BLAS binding, and allocate nothing."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch_nn.kernels import blas, inplace

SIZES = [7, inplace.BLAS_MIN_SIZE + 3]


@pytest.fixture(params=["blas", "numpy"])
def backend(request, monkeypatch):
    if request.param == "blas" and not blas.available():
        pytest.skip("numpy's OpenBLAS is not bound here")
    if request.param == "numpy":
        monkeypatch.setattr(blas, "_ROUTINES", None)
    return request.param


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("alpha", [1.0, -0.25])
def test_axpy(backend, size, alpha):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, size))
    expected = y + alpha * x
    buffer = y
    inplace.axpy(alpha, x, y, scratch=np.empty_like(y))
    assert y is buffer
    np.testing.assert_allclose(y, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("size", SIZES)
def test_scal(backend, size):
    x = np.arange(size, dtype=np.float32)
    inplace.scal(0.5, x)
    np.testing.assert_array_equal(x, np.arange(size, dtype=np.float32) * np.float32(0.5))


def test_scal_by_zero_keeps_nan(backend):
    x = np.full(inplace.BLAS_MIN_SIZE, np.nan, np.float32)
    inplace.scal(0.0, x)
    assert np.isnan(x).all()  # as numpy and PyTorch: NaN * 0 is NaN


@pytest.mark.parametrize("batch", [1, 64])
@pytest.mark.parametrize("accumulate", [False, True])
def test_matmul_into_a_weight_gradient(backend, batch, accumulate):
    """``dW = grad_output.T @ input`` as Linear computes it, outer product (batch 1) included."""
    rng = np.random.default_rng(2)
    grad_output = rng.standard_normal((batch, 100)).astype(np.float32)
    x = rng.standard_normal((batch, 120)).astype(np.float32)
    out = rng.standard_normal((100, 120)).astype(np.float32)
    expected = grad_output.T @ x + (out if accumulate else 0)
    inplace.matmul_into(grad_output.T, x, out, accumulate=accumulate)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
