"""Activations: PyTorch's conventions at the kink, the axis of (log-)softmax, and what a layer says
when ``backward`` comes before ``forward`` (each layer built inside the test)."""
import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.functional import log_softmax, softmax

LAYERS = [mt.ReLU, mt.LeakyReLU, mt.Sigmoid, mt.Tanh, mt.Softmax, mt.LogSoftmax, mt.Flatten, mt.Linear,
          mt.BatchNorm1d, mt.Dropout]


@pytest.mark.parametrize("make", LAYERS, ids=lambda c: c.__name__)
def test_backward_before_forward_names_the_layer(make):
    layer = make(3, 2) if make is mt.Linear else make(3) if make is mt.BatchNorm1d else make()
    with pytest.raises(RuntimeError, match=rf"^{make.__name__}\.backward\(\) called before forward\(\): run a "
                                           r"forward pass first, it stores what backward needs$"):
        layer.backward(np.ones((2, 2)))


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_leaky_relu_at_zero_passes_slope_times_the_gradient_as_pytorch(slope):
    layer = mt.LeakyReLU(slope)
    x = np.array([-2.0, -0.0, 0.0, 3.0])
    np.testing.assert_array_equal(layer(x), [-2.0 * slope, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(layer.backward(np.full(4, 5.0)), [5.0 * slope, 5.0 * slope, 5.0 * slope, 5.0])


def test_relu_at_zero_passes_no_gradient_as_pytorch():
    layer = mt.ReLU()
    layer(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(layer.backward(np.ones(3)), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_layers_work_along_their_dim(dim):
    x = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_allclose(mt.Softmax(dim=dim)(x), softmax(x, axis=dim), rtol=1e-15)
    np.testing.assert_allclose(mt.LogSoftmax(dim=dim)(x), log_softmax(x, axis=dim), rtol=1e-15)
    if dim == 0:
        assert not np.allclose(mt.LogSoftmax(dim=0)(x), log_softmax(x, axis=-1))


def test_default_dims_and_reprs():
    assert mt.Softmax().dim == mt.LogSoftmax().dim == -1 and mt.LeakyReLU().negative_slope == 0.01
    assert repr(mt.LogSoftmax(dim=0)) == "LogSoftmax(dim=0)" and repr(mt.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
