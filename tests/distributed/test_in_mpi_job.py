"""Inside a 2-rank MPI job (``mpiexec -n 2 python -m pytest tests/distributed``, as ``.ci/run``
does): the collectives, SyncBatchNorm, sharded evaluation and a data-parallel Trainer, each
against the single-process computation every rank can also do on its own.

Both ranks run every test in the same order; no test here uses ``tmp_path`` (the two ranks'
pytest processes would share its numbered folders).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.data import DataLoader, Digits
from minitorch_nn.data.loader import shard_slice
from minitorch_nn.distributed import (DistributedError, SyncBatchNorm, all_gather, all_reduce_gradients,
                                      all_reduce_sum, blas_threads_per_rank, broadcast_buffers,
                                      broadcast_parameters, check_same_on_every_rank, convert_sync_batchnorm,
                                      is_main, rank, world_size)
from minitorch_nn.training import Trainer, evaluate, predict

pytestmark = pytest.mark.skipif(
    world_size() != 2, reason="runs inside an MPI job of 2 ranks: mpiexec -n 2 python -m pytest tests/distributed")


def digits(n):
    data = Digits(train=True)
    return data.data[:n].reshape(n, -1).astype(np.float32) / 16.0, data.targets[:n]


def test_the_ranks_know_who_they_are():
    assert all_gather(rank()) == [0, 1]
    assert is_main() == (rank() == 0)
    assert all_reduce_sum([rank(), 1]) == [1.0, 2.0]


def test_all_reduce_gradients_gives_the_gradient_of_the_global_batch():
    # 9 samples: shares of 5 and 4, so the weighting by batch size matters.
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((9, 6)), rng.integers(0, 3, 9)
    mt.manual_seed(0)
    model = mt.MLP(6, [5], 3).double()
    loss_fn = mt.CrossEntropyLoss()
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    expected = [p.grad.copy() for p in model.parameters()]

    model.zero_grad()
    part = shard_slice(9, rank(), 2)
    loss_fn(model(x[part]), y[part])
    model.backward(loss_fn.backward())
    if rank() == 1:
        model[-1].bias.grad = None  # a parameter without .grad counts as zeros
    all_reduce_gradients(model.parameters(), batch_size=len(y[part]))
    for parameter, grad in list(zip(model.parameters(), expected))[:-1]:  # the bias lacks rank 1's share
        np.testing.assert_allclose(parameter.grad, grad, rtol=1e-10, atol=1e-12)
    grads = [p.grad.tolist() for p in model.parameters()]
    assert all_gather(grads)[0] == grads  # identical on every rank, so every rank takes the same step


def test_all_reduce_gradients_leaves_frozen_parameters_alone():
    frozen, trained = mt.Parameter(np.ones(3)), mt.Parameter(np.ones(2))
    frozen.requires_grad_(False)
    trained.grad = np.full(2, float(rank()))
    all_reduce_gradients([frozen, trained])  # no batch sizes: the plain mean over the ranks
    assert frozen.grad is None
    np.testing.assert_array_equal(trained.grad, 0.5)


def test_broadcast_parameters_gives_every_rank_the_weights_of_rank_0():
    mt.manual_seed(rank())  # different initial weights on each rank
    model = mt.MLP(4, [3], 2, batchnorm=True)
    model[1].running_mean[:] = rank() + 1.0
    broadcast_parameters(model)
    states = all_gather({name: value.tolist() for name, value in model.state_dict().items()})
    assert states[0] == states[1]
    assert np.all(model[1].running_mean == 1.0)


def test_broadcast_parameters_refuses_models_of_different_shapes_on_every_rank():
    with pytest.raises(DistributedError, match="differ between the ranks"):
        broadcast_parameters(mt.MLP(4, [3 + rank()], 2))


def test_broadcast_buffers_copies_rank_0s_running_statistics():
    model = mt.MLP(4, [3], 2, batchnorm=True)
    model[1].running_var[:] = 10.0 * (rank() + 1)
    model[1].weight.data[:] = rank()
    broadcast_buffers(model)
    assert np.all(model[1].running_var == 10.0)
    assert np.all(model[1].weight.data == rank())  # parameters untouched


def test_check_same_on_every_rank_raises_on_every_rank():
    check_same_on_every_rank("the answer", 42)
    with pytest.raises(DistributedError, match="rank 0 has 0, rank 1 has 1"):
        check_same_on_every_rank("the rank", rank())


@pytest.mark.parametrize("shape", [(9, 3), (7, 3, 2, 2)], ids=["1d", "2d"])
def test_sync_batchnorm_computes_what_batchnorm_computes_on_the_global_batch(shape):
    rng = np.random.default_rng(1)
    x, upstream = rng.standard_normal(shape) * 2 + 1, rng.standard_normal(shape)
    reference = (mt.BatchNorm1d(3) if len(shape) == 2 else mt.BatchNorm2d(3)).double()
    reference.weight.data[:] = [0.5, 1.5, -1.0]
    synced = convert_sync_batchnorm(type(reference)(3).double())
    synced.load_state_dict(reference.state_dict())
    assert isinstance(synced, SyncBatchNorm)

    out = reference(x)
    grad_x = reference.backward(upstream)  # L = Σ upstream · y over the global batch
    part = shard_slice(shape[0], rank(), 2)
    share = len(x[part]) / shape[0]  # w_r: L = Σ_r w_r L_r, so rank r's own dL_r/dy is upstream / w_r
    np.testing.assert_allclose(synced(x[part]), out[part], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(synced.backward(upstream[part] / share) * share, grad_x[part], rtol=1e-9, atol=1e-12)
    all_reduce_gradients(synced.parameters(), batch_size=len(x[part]))
    np.testing.assert_allclose(synced.weight.grad, reference.weight.grad, rtol=1e-9)
    np.testing.assert_allclose(synced.bias.grad, reference.bias.grad, rtol=1e-9)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(synced, name), getattr(reference, name), rtol=1e-12)


def test_sharded_evaluate_and_predict_cover_the_whole_data_set():
    x, y = digits(201)  # the last batch of 1 leaves rank 1 an empty share
    mt.manual_seed(0)
    model = mt.MLP(64, [16], 10)
    broadcast_parameters(model)
    whole = DataLoader((x, y), batch_size=50)
    sharded = DataLoader((x, y), batch_size=50, rank=rank(), world_size=2)
    loss, accuracy = evaluate(model, whole, mt.CrossEntropyLoss())
    sharded_loss, sharded_accuracy = evaluate(model, sharded, mt.CrossEntropyLoss())
    assert sharded_loss == pytest.approx(loss, rel=1e-6) and sharded_accuracy == accuracy
    for got, expected in zip(predict(model, sharded), predict(model, whole)):
        np.testing.assert_array_equal(got, expected)


def train_one_process(x, y, epochs):
    """The single-process run, on every rank: the global batches, a plain loop."""
    mt.manual_seed(0)
    model = mt.MLP(64, [32, 16], 10)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader((x, y), batch_size=40, shuffle=True, seed=3)
    loss_fn = mt.CrossEntropyLoss()
    for epoch in range(epochs):
        loader.set_epoch(epoch)
        for xb, yb in loader:
            model.zero_grad()
            loss_fn(model(xb), yb)
            model.backward(loss_fn.backward())
            optimizer.step()
    return model


def test_a_data_parallel_trainer_ends_with_the_weights_of_one_process():
    x, y = digits(300)
    expected = train_one_process(x, y, epochs=3)
    mt.manual_seed(0)
    model = mt.MLP(64, [32, 16], 10)
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2), log=None)
    loader = DataLoader((x, y), batch_size=40, shuffle=True, seed=3, rank=rank(), world_size=2)
    history = trainer.fit(loader, epochs=3)
    for name, value in expected.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[name], value, rtol=1e-5, atol=1e-6)
    # the epoch's loss and accuracy are those of all 300 samples, the same on both ranks
    assert all_gather(history.train_loss)[0] == history.train_loss


def test_the_trainer_refuses_an_unsharded_training_loader():
    x, y = digits(40)
    model = mt.MLP(64, [8], 10)
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), log=None)
    with pytest.raises(ValueError, match="shard it with DataLoader"):
        trainer.fit(DataLoader((x, y), batch_size=10, world_size=1), epochs=1)


def test_a_checkpoint_holds_every_ranks_generator_and_restores_each():
    mt.manual_seed(0)
    model = mt.MLP(64, [8], 10, dropout=0.5)
    mt.manual_seed(100 + rank())  # each rank its own stream
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), log=None)
    state = trainer.state_dict()
    own = mt.get_rng_state()
    if is_main():
        assert state["world_size"] == 2 and len(state["rank_rng"]) == 2
        assert state["rank_rng"][0] == own and state["rank_rng"][1] != own
    else:
        assert state["rank_rng"] is None
    checkpoint = {**state, "rank_rng": all_gather(own)}  # what rank 0 wrote, as every rank reads it
    mt.random.default_generator().random(10)
    trainer.load_state_dict(checkpoint)
    assert mt.get_rng_state() == own


def test_each_rank_gets_its_share_of_the_cores():
    threads = blas_threads_per_rank()
    if any(os.environ.get(name) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")):
        assert threads is None
    else:
        assert threads == max(1, len(os.sched_getaffinity(0)) // 2)
