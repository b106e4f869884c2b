"""The in-place vocabulary equals its plain numpy formula, with and without the BLAS binding."""
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


def _arrays(size, count, seed=0):
    return np.random.default_rng(seed).standard_normal((count, size))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("alpha", [1.0, -0.25])
@pytest.mark.parametrize("with_scratch", [False, True])
def test_add_scaled(backend, size, alpha, with_scratch):
    x, y = _arrays(size, 2)
    expected = y + alpha * x
    buffer = y
    result = inplace.add_scaled_(y, alpha, x, scratch=np.empty_like(y) if with_scratch else None)
    assert result is buffer and y is buffer
    np.testing.assert_allclose(y, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("size", SIZES)
def test_scale(backend, size):
    x = np.arange(size, dtype=np.float32)
    assert inplace.scale_(x, 0.5) is x
    np.testing.assert_array_equal(x, np.arange(size, dtype=np.float32) * np.float32(0.5))


def test_scale_by_zero_keeps_nan(backend):
    x = np.full(inplace.BLAS_MIN_SIZE, np.nan, np.float32)
    inplace.scale_(x, 0.0)
    assert np.isnan(x).all()  # as numpy and PyTorch: NaN * 0 is NaN


@pytest.mark.parametrize("size", SIZES)
def test_add_scaled_product_and_quotient(backend, size):
    y, a, b = _arrays(size, 3, seed=1)
    b = np.abs(b) + 0.5
    expected_product, expected_quotient = y - 0.3 * a * b, y + 2.0 * a / b
    np.testing.assert_allclose(inplace.add_scaled_product_(y.copy(), -0.3, a, b, np.empty_like(y)),
                               expected_product, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(inplace.add_scaled_quotient_(y.copy(), 2.0, a, b), expected_quotient, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("weight", [0.1, 0.5, 0.9])
def test_lerp(weight):
    start, end = _arrays(9, 2, seed=2)
    expected = start + weight * (end - start)
    result = inplace.lerp_(start, end, weight, scratch=np.empty_like(start))
    assert result is start
    np.testing.assert_allclose(start, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("batch", [1, 64])
@pytest.mark.parametrize("accumulate", [False, True])
def test_matmul_into_a_weight_gradient(backend, batch, accumulate):
    """``dW (+)= grad_output.T @ input`` as Linear computes it, outer product (batch 1) included."""
    rng = np.random.default_rng(2)
    grad_output = rng.standard_normal((batch, 100)).astype(np.float32)
    x = rng.standard_normal((batch, 120)).astype(np.float32)
    out = rng.standard_normal((100, 120)).astype(np.float32)
    expected = grad_output.T @ x + (out if accumulate else 0)
    if accumulate:
        inplace.add_matmul_(out, grad_output.T, x)
    else:
        inplace.set_matmul_(out, grad_output.T, x)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
