"""Dropout masks: the drop rate is exact, for any shape and any of numpy's bit generators."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import random as mt_random
from minitorch_nn.layers.dropout import _bernoulli_mask


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_drop_rate_over_a_million_elements(p):
    mt.manual_seed(0)
    kept = _bernoulli_mask((1000, 1001), 1 - p).mean()
    assert abs(kept - (1 - p)) < 5 * np.sqrt(p * (1 - p) / 1_001_000)  # 5 standard errors


@pytest.mark.parametrize("bit_generator", [np.random.MT19937, np.random.Philox, np.random.SFC64])
def test_every_bit_generator_gives_the_right_rate(monkeypatch, bit_generator):
    monkeypatch.setattr(mt_random, "_generator", np.random.Generator(bit_generator(0)))
    keep = _bernoulli_mask((3, 5, 7001), 0.7)
    assert keep.shape == (3, 5, 7001) and keep.dtype == bool
    assert abs(keep.mean() - 0.7) < 0.01


def test_odd_sizes_and_extreme_rates():
    mt.manual_seed(1)
    assert _bernoulli_mask((3,), 0.5).shape == (3,)
    assert _bernoulli_mask((0, 4), 0.5).shape == (0, 4)
    assert _bernoulli_mask((50, 50), 1 - 1e-12).all()
    assert not _bernoulli_mask((50, 50), 1e-12).any()


def test_forward_and_backward_share_the_mask():
    mt.manual_seed(2)
    layer = mt.Dropout(0.3)
    x = np.random.default_rng(0).standard_normal((64, 100)).astype(np.float32)
    out = layer(x)
    grad = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(out == 0, grad == 0)
    np.testing.assert_allclose(out[out != 0], x[out != 0] / 0.7, rtol=1e-6)


@pytest.mark.parametrize("make", [mt.Dropout, mt.Dropout2d], ids=["Dropout", "Dropout2d"])
def test_p_one_drops_everything_and_p_zero_nothing_as_pytorch(make):
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4)).astype(np.float32)
    everything = make(1.0)
    out = everything(x)
    assert out.dtype == np.float32 and out.shape == x.shape and not out.any()
    grad = everything.backward(np.ones_like(x))
    assert grad.dtype == np.float32 and grad.shape == x.shape and not grad.any()
    mt.manual_seed(3)
    state = mt.get_rng_state()
    nothing = make(0.0)
    np.testing.assert_array_equal(nothing(x), x)
    np.testing.assert_array_equal(nothing.backward(np.full_like(x, 2.0)), np.full_like(x, 2.0))
    assert mt.get_rng_state() == state  # p = 0 draws no random numbers


def test_the_mask_has_the_input_s_float_dtype_or_float32():
    mt.manual_seed(4)
    x = np.random.default_rng(2).standard_normal((40, 40))
    out = mt.Dropout(0.3)(x)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out[out != 0], x[out != 0] / 0.7, rtol=1e-15)  # 1 / (1 - p) in float64
    assert mt.Dropout(0.5)(x.astype(np.float32)).dtype == np.float32
    assert mt.Dropout(0.5)(x.astype(np.float16)).dtype == np.float16
    layer = mt.Dropout(0.5)
    layer(np.ones((40, 40), np.int64))  # integer input: a float32 mask
    grad = layer.backward(np.ones((40, 40), np.float32))
    assert grad.dtype == np.float32 and set(np.unique(grad)) == {0.0, 2.0}


@pytest.mark.parametrize("make", [mt.Dropout, mt.Dropout2d], ids=["Dropout", "Dropout2d"])
@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_a_probability_outside_zero_one_is_refused_naming_the_layer(make, p):
    with pytest.raises(ValueError, match=rf"^{make.__name__}: dropout probability has to be between 0 and 1, "
                                         rf"but got {p}$"):
        make(p)
