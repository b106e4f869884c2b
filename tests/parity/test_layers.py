"""Forward and backward of every layer against values PyTorch computed (float64 and float32).

The values come from scripts/make_layer_fixtures.py; ``test_live_pytorch`` re-derives one
case with PyTorch itself when it is installed.
"""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt

LAYERS = {
    "linear": lambda: mt.Linear(5, 4),
    "linear_3d": lambda: mt.Linear(5, 3),
    "relu": mt.ReLU,
    "leaky_relu": lambda: mt.LeakyReLU(0.2),
    "sigmoid": mt.Sigmoid,
    "tanh": mt.Tanh,
    "softmax": lambda: mt.Softmax(dim=-1),
    "softmax_dim0": lambda: mt.Softmax(dim=0),
    "log_softmax": lambda: mt.LogSoftmax(dim=-1),
    "batchnorm1d": lambda: mt.BatchNorm1d(5),
    "batchnorm1d_3d": lambda: mt.BatchNorm1d(5),
}


def run_case(layer, case, dtype, training=True):
    """Load the case's parameters into ``layer``, run forward and backward in ``dtype``."""
    layer.to(dtype)
    for name, param in layer.named_parameters():
        param.data[...] = case[f"param.{name}"]
    layer.train(training)
    output = layer(case["input"].astype(dtype))
    layer.zero_grad()
    grad_input = layer.backward(case["upstream"].astype(dtype))
    return layer, output, grad_input


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-5)], ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_matches_pytorch(name, dtype, rtol, layer_reference):
    case = layer_reference[name]
    layer, output, grad_input = run_case(LAYERS[name](), case, dtype)
    atol = 1e-12 if dtype == np.float64 else 1e-6
    assert output.dtype == dtype and grad_input.dtype == dtype
    np.testing.assert_allclose(output, case["output"], rtol=rtol, atol=atol)
    np.testing.assert_allclose(grad_input, case["grad_input"], rtol=rtol, atol=atol)
    for pname, param in layer.named_parameters():
        np.testing.assert_allclose(param.grad, case[f"grad.{pname}"], rtol=rtol, atol=atol)
    for bname, buffer in layer.named_buffers():
        np.testing.assert_allclose(buffer, case[f"buffer.{bname}"], rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", ["batchnorm1d", "batchnorm1d_3d"])
def test_batchnorm_eval_uses_running_statistics(name, layer_reference):
    """Eval mode normalises with the running statistics that PyTorch's training step produced."""
    layer = mt.BatchNorm1d(5).double()
    run_case(layer, layer_reference[name], np.float64)  # one training step updates the buffers
    case = layer_reference[name + "_eval"]
    _, output, grad_input = run_case(layer, case, np.float64, training=False)
    np.testing.assert_allclose(output, case["output"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_input, case["grad_input"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, case["grad.weight"], rtol=1e-10, atol=1e-12)
    assert int(layer.num_batches_tracked) == int(case["buffer.num_batches_tracked"]) == 1


def test_live_pytorch_batchnorm_running_stats_over_several_steps():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    ours, theirs = mt.BatchNorm1d(3, momentum=0.3).double(), torch.nn.BatchNorm1d(3, momentum=0.3).double()
    for _ in range(4):
        x = rng.standard_normal((6, 3)) * 3
        ours(x)
        theirs(torch.tensor(x))
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)


def test_default_linear_init_matches_pytorch_bounds():
    mt.manual_seed(0)
    layer = mt.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    assert layer.weight.dtype == np.float32 and layer.weight.shape == (300, 400)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.weight.data).max() > 0.99 * bound
    assert np.abs(layer.bias.data).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3)
    assert abs(layer.weight.data.std() - bound / np.sqrt(3)) < 0.01 * bound


def test_dropout_is_inverted_and_seeded():
    x = np.ones((200, 100), dtype=np.float32)
    mt.manual_seed(3)
    first = mt.Dropout(0.25)(x)
    mt.manual_seed(3)
    second = mt.Dropout(0.25)(x)
    np.testing.assert_array_equal(first, second)
    assert first.dtype == np.float32
    assert set(np.unique(first)) == {0.0, np.float32(1 / 0.75)}
    assert abs((first == 0).mean() - 0.25) < 0.02
    dropout = mt.Dropout(0.25).eval()
    assert dropout(x) is x or np.array_equal(dropout(x), x)


def test_dropout2d_drops_whole_channels():
    mt.manual_seed(1)
    out = mt.Dropout2d(0.5)(np.ones((8, 6, 3, 3)))
    per_channel = out.reshape(8, 6, 9)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))
