"""Checkpoints: 2 epochs + resume + 2 epochs is bit-identical to 4 epochs; atomic writes."""
from __future__ import annotations

import os

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.data import Compose, DataLoader, Digits, Flatten, RandomCrop, ToFloat
from minitorch_nn.training import CheckpointError, Trainer, load_checkpoint


def make_trainer(checkpoint_dir):
    """A model with dropout and BatchNorm, Adam and a schedule: every kind of state a run has."""
    mt.manual_seed(3)
    model = mt.MLP(64, [32, 16], 10, batchnorm=True, dropout=0.3)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    return Trainer(model, mt.CrossEntropyLoss(), opt, scheduler, checkpoint_dir=checkpoint_dir, log=None)


def make_loaders():
    data = Digits(train=True)
    train = (data.data[:400], data.targets[:400])
    val = (data.data[400:600], data.targets[400:600])
    augment = Compose([RandomCrop(8, padding=1), ToFloat(), Flatten()])
    return (DataLoader(train, batch_size=32, shuffle=True, seed=5, transform=augment),
            DataLoader(val, batch_size=100, seed=5, transform=Compose([ToFloat(), Flatten()])))


def assert_same_state(a: dict, b: dict):
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_two_plus_two_epochs_equal_four_bit_for_bit(tmp_path):
    straight = make_trainer(tmp_path / "straight")
    straight.fit(*make_loaders(), epochs=4)

    first = make_trainer(tmp_path / "split")
    first.fit(*make_loaders(), epochs=2)
    mt.manual_seed(12345)  # a new process: the global generator is anywhere
    resumed = make_trainer(tmp_path / "split")
    resumed.load_checkpoint(tmp_path / "split" / "last.npz")
    assert resumed.epoch == 2
    resumed.fit(*make_loaders(), epochs=4)

    assert_same_state(straight.model.state_dict(), resumed.model.state_dict())
    a, b = load_checkpoint(tmp_path / "straight" / "last.npz"), load_checkpoint(tmp_path / "split" / "last.npz")
    assert_same_state(a["model"], b["model"])
    for index, state in a["optimizer"]["state"].items():
        assert_same_state(state, b["optimizer"]["state"][index])
    assert a["scheduler"] == b["scheduler"]
    assert a["history"]["epochs"][-1]["val_accuracy"] == b["history"]["epochs"][-1]["val_accuracy"]
    assert np.array_equal(a["history"]["iteration_loss"], b["history"]["iteration_loss"])
    assert a["best"]["epoch"] == b["best"]["epoch"]


def test_a_second_fit_continues_from_the_last_weights_not_the_restored_best():
    data = Digits(train=True)
    # Random validation labels: the best "validation" epoch is the first, so fit restores it.
    noise = DataLoader((data.data[:300], np.random.default_rng(0).integers(0, 10, 300)), batch_size=100,
                       transform=Compose([ToFloat(), Flatten()]))
    straight = make_trainer(None)
    straight.fit(make_loaders()[0], noise, epochs=4)
    twice = make_trainer(None)
    twice.fit(make_loaders()[0], noise, epochs=2)
    assert twice.best_epoch == 1 and twice.epoch == 2  # the best weights were restored...
    twice.fit(make_loaders()[0], noise, epochs=4)  # ...and training goes on from epoch 2's weights
    assert twice.best_epoch == straight.best_epoch == 3
    assert_same_state(straight.model.state_dict(), twice.model.state_dict())


def test_checkpoint_contents(tmp_path):
    trainer = make_trainer(tmp_path)
    trainer.config = {"name": "tiny", "train": {"epochs": 1}}
    trainer.fit(*make_loaders(), epochs=1)
    checkpoint = load_checkpoint(tmp_path / "best.npz")
    assert checkpoint["epoch"] == 1 and checkpoint["config"] == trainer.config
    assert set(checkpoint["model"]) == set(trainer.model.state_dict())
    assert checkpoint["optimizer"]["state"] and checkpoint["scheduler"]["last_epoch"] == 1
    assert checkpoint["rng"]["bit_generator"] == "PCG64"
    with open(tmp_path / "best.npz", "rb") as file:  # an ordinary zip of .npy members, no pickle
        np.load(file, allow_pickle=False).files


def test_killed_mid_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    trainer = make_trainer(tmp_path)
    trainer.fit(*make_loaders(), epochs=1)
    path = tmp_path / "last.npz"
    before = path.read_bytes()

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed between writing and renaming")

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(*make_loaders(), epochs=2)  # epoch 2 finishes, then its checkpoint write dies
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_checkpoint(path)["epoch"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz", "last.npz"]  # no temporary file left


def test_bad_checkpoints_are_named(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nothing.npz")
    mt.save(mt.MLP(4, [3], 2).state_dict(), tmp_path / "weights.npz")
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        load_checkpoint(tmp_path / "weights.npz")
    (tmp_path / "torn.npz").write_bytes(b"PK\x03\x04 torn")
    with pytest.raises(CheckpointError, match="torn.npz"):
        load_checkpoint(tmp_path / "torn.npz")
    trainer = make_trainer(tmp_path / "run")
    trainer.fit(*make_loaders(), epochs=1)
    other = Trainer(mt.MLP(64, [8], 10), mt.CrossEntropyLoss(),
                    optim.Adam(mt.MLP(64, [8], 10).parameters()), log=None)
    with pytest.raises(CheckpointError, match="does not fit"):
        other.load_checkpoint(tmp_path / "run" / "last.npz")
