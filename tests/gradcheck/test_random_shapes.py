"""Property-based gradient checks: every layer passes a float64 ``mt.gradcheck`` for shapes and
arguments drawn at random (hypothesis), not only for the few hand-picked ones of test_every_layer.py.

The examples are derandomised (the "ci" profile in tests/conftest.py): the same ones every run.
"""
from __future__ import annotations

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

import minitorch_nn as mt  # noqa: E402

seeds = st.integers(0, 2**32 - 1)


def away_from_zero(rng, shape, margin=0.1):
    """Inputs with |x| >= margin, so a kink at 0 is never straddled by ±eps."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, np.where(x < 0, -margin, margin), x)


def distinct(rng, shape, gap=0.05):
    """Values at least ``gap`` apart (a shuffled grid): no two entries of a max-pool window tie."""
    size = int(np.prod(shape))
    return rng.permutation(np.arange(size) - size / 2).reshape(shape) * gap


@st.composite
def conv_geometry(draw, max_kernel=3, max_stride=2, max_padding=2, pool=False):
    """``(kernel, stride, padding, (H, W))`` with an output of 1 to 3 pixels per axis."""
    kernel, stride, padding, size = [], [], [], []
    for _ in range(2):
        k = draw(st.integers(1, max_kernel))
        s = draw(st.integers(1, max_stride))
        p = draw(st.integers(0, k // 2 if pool else max_padding))
        out = draw(st.integers(1, 3))
        extent = max(1, k - 2 * p + s * (out - 1) + draw(st.integers(0, s - 1)))
        kernel.append(k), stride.append(s), padding.append(p), size.append(extent)
    return tuple(kernel), tuple(stride), tuple(padding), tuple(size)


@given(n=st.integers(1, 4), in_features=st.integers(1, 6), out_features=st.integers(1, 5), bias=st.booleans(),
       middle=st.lists(st.integers(1, 3), max_size=2), seed=seeds)
def test_linear(n, in_features, out_features, bias, middle, seed):
    rng = np.random.default_rng(seed)
    layer = mt.Linear(in_features, out_features, bias=bias)
    assert mt.gradcheck(layer, rng.standard_normal((n, *middle, in_features)))


@given(n=st.integers(1, 2), channels=st.integers(1, 3), filters=st.integers(1, 3), geometry=conv_geometry(),
       bias=st.booleans(), seed=seeds)
def test_conv2d(n, channels, filters, geometry, bias, seed):
    kernel, stride, padding, (height, width) = geometry
    rng = np.random.default_rng(seed)
    layer = mt.Conv2d(channels, filters, kernel, stride=stride, padding=padding, bias=bias)
    x = rng.standard_normal((n, channels, height, width))
    out = layer(x)
    assert out.shape[2:] == tuple((size + 2 * p - k) // s + 1
                                  for size, k, s, p in zip((height, width), kernel, stride, padding))
    assert mt.gradcheck(layer, x)


@given(n=st.integers(1, 2), channels=st.integers(1, 3), geometry=conv_geometry(pool=True), seed=seeds)
def test_max_pool2d(n, channels, geometry, seed):
    kernel, stride, padding, (height, width) = geometry
    x = distinct(np.random.default_rng(seed), (n, channels, height, width))
    assert mt.gradcheck(mt.MaxPool2d(kernel, stride=stride, padding=padding), x)


@given(n=st.integers(1, 2), channels=st.integers(1, 3), geometry=conv_geometry(pool=True),
       count_include_pad=st.booleans(), seed=seeds)
def test_avg_pool2d(n, channels, geometry, count_include_pad, seed):
    kernel, stride, padding, (height, width) = geometry
    x = np.random.default_rng(seed).standard_normal((n, channels, height, width))
    assert mt.gradcheck(mt.AvgPool2d(kernel, stride=stride, padding=padding, count_include_pad=count_include_pad), x)


@given(n=st.integers(1, 2), channels=st.integers(1, 2), height=st.integers(1, 6), width=st.integers(1, 6),
       output_size=st.tuples(st.one_of(st.none(), st.integers(1, 4)), st.one_of(st.none(), st.integers(1, 4))),
       seed=seeds)
def test_adaptive_avg_pool2d(n, channels, height, width, output_size, seed):
    x = np.random.default_rng(seed).standard_normal((n, channels, height, width))
    layer = mt.AdaptiveAvgPool2d(output_size)
    expected = tuple(size if wanted is None else wanted for size, wanted in zip((height, width), output_size))
    assert layer(x).shape == (n, channels, *expected)
    assert mt.gradcheck(layer, x)


@given(shape=st.sampled_from(["NC", "NCL", "NCHW"]), n=st.integers(2, 5), channels=st.integers(1, 4),
       length=st.integers(1, 3), affine=st.booleans(), momentum=st.one_of(st.none(), st.floats(0.05, 1.0)),
       training=st.booleans(), seed=seeds)
def test_batchnorm(shape, n, channels, length, affine, momentum, training, seed):
    rng = np.random.default_rng(seed)
    dims = {"NC": (n, channels), "NCL": (n, channels, length), "NCHW": (n, channels, length, length + 1)}[shape]
    cls = mt.BatchNorm2d if shape == "NCHW" else mt.BatchNorm1d
    layer = cls(channels, affine=affine, momentum=momentum)
    if affine:
        layer.weight.data[...] = rng.uniform(0.5, 1.5, channels)
        layer.bias.data[...] = rng.standard_normal(channels)
    layer(rng.standard_normal(dims) * 2 + 1)  # running statistics away from (0, 1)
    layer.train(training)
    assert mt.gradcheck(layer, rng.standard_normal(dims) * 1.5 + 0.3)


@given(kind=st.sampled_from(["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Identity"]),
       shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), slope=st.floats(0.0, 0.5), data=st.data(),
       seed=seeds)
def test_activations(kind, shape, slope, data, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    layer = {"ReLU": mt.ReLU, "LeakyReLU": lambda: mt.LeakyReLU(slope), "Sigmoid": mt.Sigmoid, "Tanh": mt.Tanh,
             "Softmax": lambda: mt.Softmax(dim=dim), "LogSoftmax": lambda: mt.LogSoftmax(dim=dim),
             "Identity": mt.Identity}[kind]()
    assert mt.gradcheck(layer, away_from_zero(np.random.default_rng(seed), shape))


@given(p=st.floats(0.0, 0.9), shape=st.lists(st.integers(1, 4), min_size=2, max_size=4), channels=st.booleans(),
       seed=seeds)
def test_dropout(p, shape, channels, seed):
    if channels:
        shape = (shape + [2, 2])[:4]
    mt.manual_seed(seed % 1000)
    layer = mt.Dropout2d(p) if channels else mt.Dropout(p)
    assert mt.gradcheck(layer, np.random.default_rng(seed).standard_normal(shape))


@given(hidden=st.lists(st.integers(1, 5), min_size=1, max_size=3), activation=st.sampled_from(["relu", "tanh"]),
       batchnorm=st.booleans(), dropout=st.sampled_from([0.0, 0.3]), seed=seeds)
def test_mlp(hidden, activation, batchnorm, dropout, seed):
    if batchnorm:
        # BatchNorm maps a feature that is constant over the batch (a dead unit upstream) to exactly
        # its bias, 0: a ReLU there sits on its kink, where no central difference agrees.
        activation = "tanh"
    mt.manual_seed(seed % 1000)
    model = mt.MLP(4, hidden, 3, activation=activation, batchnorm=batchnorm, dropout=dropout)
    assert mt.gradcheck(model, away_from_zero(np.random.default_rng(seed), (5, 4)))
