"""Parameter: the gradient rule — reading .grad never writes it, backward adds into it, no array
changes owner — and the one place where a released gradient buffer is recycled."""
import copy
import pickle

import numpy as np
import pytest

import minitorch_nn as mt


def outer(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, 1)).astype(np.float32), rng.standard_normal((1, 4)).astype(np.float32)


def test_accumulate_grad_adds_and_never_adopts_the_callers_array():
    p = mt.Parameter(np.zeros(3, np.float32))
    given = np.array([1.0, 2.0, 3.0], np.float32)
    p.accumulate_grad(given)
    assert p.grad is not given and not np.shares_memory(p.grad, given)
    p.accumulate_grad(given)
    np.testing.assert_array_equal(p.grad, 2 * given)
    np.testing.assert_array_equal(given, [1.0, 2.0, 3.0])


def test_reading_grad_never_writes_and_zero_grad_fills_zeros_or_drops():
    p = mt.Parameter(np.zeros((3, 4), np.float32))
    a, b = outer(0)
    p.accumulate_grad_matmul(a, b)
    before = p.grad.copy()
    np.testing.assert_array_equal(p.grad, before)  # a read, twice
    p.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad, np.zeros((3, 4)))
    p.accumulate_grad_matmul(a, b)
    np.testing.assert_allclose(p.grad, a @ b, rtol=1e-6)
    p.zero_grad()
    assert p.grad is None


def test_a_released_buffer_is_recycled_only_when_nobody_holds_it():
    p = mt.Parameter(np.zeros((3, 4), np.float32))
    a, b = outer(1)
    p.accumulate_grad_matmul(a, b)
    first = id(p.grad)
    p.zero_grad()
    p.accumulate_grad_matmul(a, 2 * b)
    assert id(p.grad) == first  # recycled: nobody kept the old gradient
    np.testing.assert_allclose(p.grad, a @ (2 * b), rtol=1e-6)

    kept = p.grad
    view = None
    p.zero_grad()
    p.accumulate_grad_matmul(a, 3 * b)
    assert p.grad is not kept
    np.testing.assert_allclose(kept, a @ (2 * b), rtol=1e-6)  # the kept gradient is untouched

    view = p.grad[:2]
    p.zero_grad()
    p.accumulate_grad(np.ones((3, 4), np.float32))
    np.testing.assert_allclose(view, (a @ (3 * b))[:2], rtol=1e-6)  # a view also protects its array


def test_frozen_parameters_get_no_gradient():
    p = mt.Parameter(np.zeros((3, 4)), requires_grad=False)
    a, b = outer(2)
    p.accumulate_grad(np.ones((3, 4)))
    p.accumulate_grad_matmul(a.astype(np.float64), b.astype(np.float64))
    assert p.grad is None
    assert "requires_grad=False" in repr(p) and p.requires_grad_().requires_grad


def test_copies_and_pickles_keep_data_grad_and_flag():
    p = mt.Parameter(np.arange(3.0), requires_grad=False)
    p.grad = np.ones(3)
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        np.testing.assert_array_equal(clone.data, p.data)
        np.testing.assert_array_equal(clone.grad, p.grad)
        assert clone.requires_grad is False and clone.grad is not p.grad


@pytest.mark.parametrize("value, dtype", [([1, 2], np.float32), (np.arange(2.0), np.float64),
                                          (np.arange(2, dtype=np.float32), np.float32)])
def test_data_dtype(value, dtype):
    p = mt.Parameter(value)
    assert p.dtype == dtype and p.numel() == 2 and p.size == 2 and p.ndim == 1 and p.shape == (2,)


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 5, 5)])
def test_numel_is_the_number_of_elements(shape):
    p = mt.Parameter(np.zeros(shape))
    assert p.numel() == p.size == int(np.prod(shape)) and isinstance(p.numel(), int)


def test_numel_counts_a_models_parameters_as_pytorch():
    # Linear(784, 512) + Linear(512, 64) + Linear(64, 10): weights and biases
    model = mt.MLP(784, [512, 64], 10)
    assert sum(p.numel() for p in model.parameters()) == 784 * 512 + 512 + 512 * 64 + 64 + 64 * 10 + 10
    conv = mt.Conv2d(3, 8, kernel_size=(3, 5))
    assert [p.numel() for p in conv.parameters()] == [8 * 3 * 3 * 5, 8]
