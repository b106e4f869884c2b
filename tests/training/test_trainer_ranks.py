"""The Trainer's data-parallel bookkeeping, in one process: the MPI collectives it calls are
replaced by recorders, and the world claims to have two ranks. What the collectives themselves
do, across real processes, is tested under ``mpiexec`` in ``tests/distributed``; these tests pin
*when* the Trainer calls them and with what, which the subprocess tests cannot show a mutation
tool (it traces only this process)."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.data import DataLoader
from minitorch_nn.training import Trainer
from minitorch_nn.training import trainer as trainer_module


class FakeWorld:
    """Stands in for the collectives the Trainer imports; records every call."""

    def __init__(self, monkeypatch, size=2, main=True, gathered=("rank 0's state", "rank 1's state")):
        self.calls = []
        self.gathered = list(gathered)
        monkeypatch.setattr(trainer_module, "world_size", lambda: size)
        monkeypatch.setattr(trainer_module, "is_main", lambda: main)
        monkeypatch.setattr(trainer_module, "all_reduce_gradients", self.all_reduce_gradients)
        monkeypatch.setattr(trainer_module, "all_reduce_sum", self.all_reduce_sum)
        monkeypatch.setattr(trainer_module, "broadcast_buffers", self.broadcast_buffers)
        monkeypatch.setattr(trainer_module, "gather_to_main", self.gather_to_main)

    def all_reduce_gradients(self, parameters, batch_size=None):
        self.calls.append(("all_reduce_gradients", [id(p) for p in parameters], batch_size))

    def all_reduce_sum(self, values):
        values = list(values)
        self.calls.append(("all_reduce_sum", values))
        return [2 * v for v in values]  # the other rank's shares, pretended equal to ours

    def broadcast_buffers(self, module):
        self.calls.append(("broadcast_buffers", module))

    def gather_to_main(self, value):
        self.calls.append(("gather_to_main", value))
        return self.gathered

    def names(self):
        return [call[0] for call in self.calls]


def tiny(monkeypatch=None, loader_world_size=None, **kwargs):
    mt.manual_seed(0)
    model = mt.MLP(4, [5], 3)
    opt = optim.SGD(model.parameters(), lr=0.05)
    x = np.random.default_rng(1).standard_normal((10, 4)).astype(np.float32)
    shard = {} if loader_world_size is None else {"rank": 0, "world_size": loader_world_size}
    loader = DataLoader((x, np.arange(10) % 3), batch_size=4, **shard)  # batches of 4, 4, 2 (unsharded)
    return Trainer(model, mt.CrossEntropyLoss(), opt, **kwargs), loader


def test_every_step_sums_the_gradients_weighted_by_the_rank_s_batch_before_clipping_and_stepping(monkeypatch):
    world = FakeWorld(monkeypatch)
    trainer, loader = tiny(loader_world_size=2, log=None, clip_grad_norm=1.0)
    monkeypatch.setattr(trainer_module, "clip_grad_norm_", lambda params, norm: world.calls.append(("clip", norm)))
    real_step = trainer.optimizer.step
    monkeypatch.setattr(trainer.optimizer, "step", lambda: (world.calls.append(("step",)), real_step()))
    trainer.fit(loader, epochs=1)
    reduces = [call for call in world.calls if call[0] == "all_reduce_gradients"]
    sizes = [len(y) for _, y in loader]
    assert [call[2] for call in reduces] == sizes  # this rank's share of each global batch
    assert all(call[1] == [id(p) for p in trainer.model.parameters()] for call in reduces)
    steps = [name for name in world.names() if name in ("all_reduce_gradients", "clip", "step")]
    assert steps == ["all_reduce_gradients", "clip", "step"] * len(sizes)


def test_an_epoch_s_loss_and_accuracy_are_summed_over_the_ranks_once_and_the_buffers_shared(monkeypatch):
    world = FakeWorld(monkeypatch)
    trainer, loader = tiny(loader_world_size=2, log=None)
    history = trainer.fit(loader, epochs=2)
    sums = [call for call in world.calls if call[0] == "all_reduce_sum"]
    assert len(sums) == 2  # once per epoch, after its last step
    assert world.names().count("broadcast_buffers") == 2
    assert all(call[1] is trainer.model for call in world.calls if call[0] == "broadcast_buffers")
    per_epoch = len(loader)
    for epoch, (_, (total_loss, correct, seen)) in enumerate(sums):
        losses = history.iteration_loss[epoch * per_epoch:(epoch + 1) * per_epoch]
        sizes = [len(y) for _, y in loader]
        assert seen == sum(sizes)
        assert total_loss == pytest.approx(np.dot(losses, sizes), rel=1e-12)
        # the summed (doubled) numbers give the same means: the means come from the sums
        assert history.train_loss[epoch] == pytest.approx(total_loss / seen, rel=1e-12)
        assert history.train_accuracy[epoch] == correct / seen
    # the sums come before the epoch's reduce of the buffers, and after every step's gradients
    names = world.names()
    assert names.index("all_reduce_sum") > max(i for i, n in enumerate(names[:names.index("broadcast_buffers")])
                                               if n == "all_reduce_gradients")
    assert names.index("all_reduce_sum") < names.index("broadcast_buffers")


def test_one_process_calls_no_collective(monkeypatch):
    world = FakeWorld(monkeypatch, size=1)
    trainer, loader = tiny(log=None)
    trainer.fit(loader, epochs=1)
    state = trainer.state_dict()
    assert world.calls == []
    assert state["world_size"] == 1 and state["rank_rng"] is None


def test_a_loader_sharded_over_the_ranks_is_accepted(monkeypatch):
    FakeWorld(monkeypatch)
    trainer, loader = tiny(loader_world_size=2, log=None)
    assert len(trainer.fit(loader, epochs=1)) == 1


def test_a_loader_that_knows_nothing_of_ranks_is_trusted(monkeypatch):
    # Any iterable of batches (here a list) has no world_size: the user shards it, or not.
    FakeWorld(monkeypatch)
    trainer, loader = tiny(log=None)
    assert len(trainer.fit(list(loader), epochs=1)) == 1


@pytest.mark.parametrize("loader_world_size", [1, 3])
def test_a_loader_split_over_another_number_of_ranks_is_refused(monkeypatch, loader_world_size):
    FakeWorld(monkeypatch)
    trainer, loader = tiny(loader_world_size=loader_world_size, log=None)
    with pytest.raises(ValueError) as error:
        trainer.fit(loader, epochs=1)
    assert str(error.value) == (
        f"Trainer.fit: this process is one of 2 MPI ranks, but the training loader is split over "
        f"{loader_world_size}; shard it with DataLoader(..., rank=mt.distributed.rank(), "
        f"world_size=mt.distributed.world_size())")


def test_one_process_accepts_any_loader():
    # Not under MPI: a loader split for 2 ranks trains on its share without complaint.
    trainer, loader = tiny(loader_world_size=2, log=None)
    assert trainer.world_size == 1
    assert len(trainer.fit(loader, epochs=1)) == 1


def test_the_other_ranks_train_silently(monkeypatch, capsys):
    FakeWorld(monkeypatch, main=False)
    lines, ends = [], []
    trainer, loader = tiny(loader_world_size=2, log=lines.append, on_epoch_end=lambda t, r: ends.append(r))
    assert trainer.quiet and trainer.log is None and trainer.on_epoch_end is None and not trainer.is_main
    trainer.fit(loader, epochs=2)
    assert lines == [] and ends == []
    assert capsys.readouterr().err == ""


def test_rank_0_reports_for_all(monkeypatch):
    FakeWorld(monkeypatch, main=True)
    lines, ends = [], []
    trainer, loader = tiny(loader_world_size=2, log=lines.append, on_epoch_end=lambda t, r: ends.append(r))
    assert trainer.is_main and trainer.log is not None and trainer.on_epoch_end is not None
    trainer.fit(loader, epochs=2)
    assert len(lines) == 2 and [record["epoch"] for record in ends] == [1, 2]


def test_a_checkpoint_of_two_ranks_gathers_every_rank_s_generator(monkeypatch):
    world = FakeWorld(monkeypatch)
    trainer, _ = tiny(log=None)
    state = trainer.state_dict()
    assert state["world_size"] == 2
    assert state["rank_rng"] == ["rank 0's state", "rank 1's state"]
    assert world.calls == [("gather_to_main", mt.get_rng_state())]  # this rank's own state


def test_loading_hands_the_saved_rank_states_to_resumed_stream_state(monkeypatch):
    trainer, _ = tiny(log=None)
    state = trainer.state_dict()
    handed = []
    chosen = np.random.default_rng(7).bit_generator.state

    def resumed(rank0_state, rank_states):
        handed.append((rank0_state, rank_states))
        return chosen

    monkeypatch.setattr(trainer_module, "resumed_stream_state", resumed)
    ranks = [np.random.default_rng(1).bit_generator.state, np.random.default_rng(2).bit_generator.state]
    trainer.load_state_dict({**state, "world_size": 2, "rank_rng": ranks})
    assert handed == [(state["rng"], ranks)]
    assert mt.get_rng_state() == chosen
    # an older checkpoint without "rank_rng" counts as one without rank states
    handed.clear()
    del state["rank_rng"]
    trainer.load_state_dict(state)
    assert handed == [(state["rng"], None)]
