"""SyncBatchNorm in one process is BatchNorm: same outputs, gradients, running statistics and
state_dict; ``convert_sync_batchnorm`` keeps the parameters, buffers and layer order."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.distributed import SyncBatchNorm, convert_sync_batchnorm


@pytest.mark.parametrize("shape, layer", [((8, 3), mt.BatchNorm1d), ((8, 3, 5), mt.BatchNorm1d),
                                          ((6, 3, 4, 4), mt.BatchNorm2d)], ids=["1d", "1d-length", "2d"])
def test_in_one_process_it_is_batchnorm(shape, layer, rng, one_process):
    reference = layer(3).double()
    synced = SyncBatchNorm(3).double()
    x, upstream = rng.standard_normal(shape) * 2 + 1, rng.standard_normal(shape)
    np.testing.assert_array_equal(synced(x), reference(x))
    np.testing.assert_array_equal(synced.backward(upstream), reference.backward(upstream))
    np.testing.assert_array_equal(synced.weight.grad, reference.weight.grad)
    for name, value in reference.state_dict().items():
        np.testing.assert_array_equal(synced.state_dict()[name], value)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_gradcheck(training, rng, one_process):
    layer = SyncBatchNorm(4)
    layer(rng.standard_normal((10, 4, 3)) + 1)  # non-trivial running statistics for eval mode
    layer.train(training)
    assert mt.gradcheck(layer, rng.standard_normal((6, 4, 3)))


def test_convert_keeps_parameters_buffers_and_order():
    model = mt.MLP(4, [5, 3], 2, batchnorm=True)
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1)
    parameters, buffers = list(model.parameters()), list(model.buffers())
    names = [name for name, _ in model.named_modules()]
    converted = convert_sync_batchnorm(model)
    assert converted is model and [name for name, _ in model.named_modules()] == names
    assert sum(isinstance(m, SyncBatchNorm) for m in model.modules()) == 2
    assert all(a is b for a, b in zip(model.parameters(), parameters))
    assert all(a is b for a, b in zip(model.buffers(), buffers))
    assert optimizer.param_groups[0]["params"][2] is model[1].weight
    assert "SyncBatchNorm(5" in repr(model)
    plain = mt.MLP(4, [5, 3], 2, batchnorm=True)
    plain.load_state_dict(model.state_dict())  # checkpoints load into either
    layer = mt.BatchNorm2d(3)
    assert isinstance(convert_sync_batchnorm(layer), SyncBatchNorm)
