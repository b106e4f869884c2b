"""Float64 gradient checks for every layer and container (``mt.gradcheck``)."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt


def away_from_zero(rng, shape, margin=0.1):
    """Inputs with |x| >= margin, so kinks (ReLU at 0) are never straddled by ±h."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin, x) + 0.0


LAYERS = {
    "Linear": lambda: mt.Linear(5, 4),
    "Linear-no-bias": lambda: mt.Linear(5, 4, bias=False),
    "ReLU": mt.ReLU,
    "LeakyReLU": lambda: mt.LeakyReLU(0.1),
    "Sigmoid": mt.Sigmoid,
    "Tanh": mt.Tanh,
    "Softmax": lambda: mt.Softmax(dim=-1),
    "Softmax-dim0": lambda: mt.Softmax(dim=0),
    "LogSoftmax": lambda: mt.LogSoftmax(dim=1),
    "Identity": mt.Identity,
    "BatchNorm1d": lambda: mt.BatchNorm1d(5),
    "BatchNorm1d-no-affine": lambda: mt.BatchNorm1d(5, affine=False),
    "Dropout": lambda: mt.Dropout(0.3),
    "Sequential": lambda: mt.Sequential(mt.Linear(5, 6), mt.Tanh(), mt.Linear(6, 3)),
    "MLP": lambda: mt.MLP(5, [7, 6], 3, activation="tanh", batchnorm=True, dropout=0.2),
    "MLP-relu": lambda: mt.MLP(5, [6], 3),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_gradcheck_every_layer(name, training, rng):
    layer = LAYERS[name]()
    layer.train(training)
    if not training and "BatchNorm" in name or name == "MLP":
        # give the running statistics non-trivial values first
        layer.train(True)
        layer(rng.standard_normal((8, 5)) * 2 + 1)
        layer.train(training)
    x = away_from_zero(rng, (8, 5))
    assert mt.gradcheck(layer, x)


def test_gradcheck_smooth_layers_reach_1e7_relative_error(rng):
    """The smooth layers agree to a relative error below 1e-7 (the CS231n standard)."""
    for layer in (mt.Linear(4, 3), mt.Sigmoid(), mt.Tanh(), mt.Softmax(), mt.LogSoftmax(), mt.BatchNorm1d(4)):
        layer = layer.double()
        x = rng.standard_normal((6, 4))
        out = layer(x)
        upstream = rng.standard_normal(out.shape)
        layer.zero_grad()
        analytic = layer.backward(upstream)
        numeric = mt.utils.numerical_gradient(lambda v: layer(v), x, upstream, h=1e-5)
        assert mt.utils.rel_error(analytic, numeric) < 1e-7, type(layer).__name__


def test_gradcheck_batchnorm1d_3d_input(rng):
    assert mt.gradcheck(mt.BatchNorm1d(3), rng.standard_normal((4, 3, 5)))
    assert mt.gradcheck(mt.BatchNorm1d(3, momentum=None), rng.standard_normal((4, 3, 5)))


def test_gradcheck_flatten(rng):
    assert mt.gradcheck(mt.Sequential(mt.Flatten(), mt.Linear(12, 2)), rng.standard_normal((3, 3, 4)))


def test_module_used_twice_accumulates(rng):
    layer = mt.Linear(4, 3).double()
    x1, x2 = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    g1, g2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    layer(x1)
    layer.backward(g1)
    layer(x2)
    layer.backward(g2)
    np.testing.assert_allclose(layer.weight.grad, g1.T @ x1 + g2.T @ x2, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, g1.sum(0) + g2.sum(0), rtol=1e-12)


@pytest.mark.parametrize("batch", [1, 5])
def test_linear_weight_gradient_through_blas(rng, monkeypatch, batch):
    """Small layers use numpy; lowering the size threshold sends them through the BLAS gemm."""
    from minitorch_nn.kernels import blas, inplace

    if not blas.available():
        pytest.skip("numpy's OpenBLAS is not bound here")
    monkeypatch.setattr(inplace, "BLAS_MIN_SIZE", 1)
    assert mt.gradcheck(mt.MLP(4, [6], 3).double(), rng.standard_normal((batch, 4)))
    layer = mt.Linear(4, 3).double()
    layer.zero_grad(set_to_none=False)
    x, g = rng.standard_normal((2, batch, 4)), rng.standard_normal((2, batch, 3))
    for step in range(2):  # the first backward overwrites the zeroed buffer, the second adds
        layer(x[step])
        layer.backward(g[step])
    np.testing.assert_allclose(layer.weight.grad, g[0].T @ x[0] + g[1].T @ x[1], rtol=1e-12)
