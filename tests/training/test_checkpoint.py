"""load_checkpoint / Trainer.load_state_dict: anything that is not a whole minitorch_nn training checkpoint
gives "PATH is not a minitorch_nn training checkpoint: WHAT IS WRONG" (a CheckpointError), never a traceback;
a state from another optimiser or schedule is refused."""
from __future__ import annotations

import copy
import re

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.data import DataLoader, Digits
from minitorch_nn.training import CheckpointError, Trainer, load_checkpoint


def small_trainer(folder, optimizer="adam", scheduler="step"):
    mt.manual_seed(0)
    model = mt.MLP(64, [8], 10, dropout=0.1)
    opt = optim.Adam(model.parameters(), lr=1e-2) if optimizer == "adam" else optim.SGD(model.parameters(), lr=0.1)
    sched = (optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5) if scheduler == "step"
             else optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3) if scheduler == "cosine" else None)
    return Trainer(model, mt.CrossEntropyLoss(), opt, sched, checkpoint_dir=folder, log=None)


@pytest.fixture(scope="module")
def checkpoint_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    data = Digits(train=True)
    x = data.data.reshape(len(data), -1)[:200].astype(np.float32) / 16
    loader = DataLoader((x, data.targets[:200]), batch_size=50, shuffle=True, seed=0)
    small_trainer(folder).fit(loader, loader, epochs=2)
    return folder / "last.npz"


def edited(checkpoint_path, tmp_path, edit):
    checkpoint = mt.load(checkpoint_path)
    edit(checkpoint)
    path = tmp_path / "edited.npz"
    mt.save(checkpoint, path)
    return path


def expect_not_a_checkpoint(path, phrase):
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert message.startswith(f"{path} is not a minitorch_nn training checkpoint: "), message
    assert phrase in message and "pickle" not in message.lower(), message


def test_a_good_checkpoint_loads(checkpoint_path):
    checkpoint = load_checkpoint(checkpoint_path)
    assert checkpoint["epoch"] == 2 and checkpoint["optimizer_class"] == "Adam"
    assert checkpoint["scheduler_class"] == "StepLR"


def test_text_truncated_and_garbled_files(checkpoint_path, tmp_path):
    (tmp_path / "notes.txt").write_text("epoch = 3\n")
    expect_not_a_checkpoint(tmp_path / "notes.txt", "not a zip archive")
    data = checkpoint_path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) * 2 // 3])
    expect_not_a_checkpoint(tmp_path / "cut.npz", "truncated or corrupt")
    garbled = bytearray(data)
    garbled[len(garbled) // 2] ^= 0xFF
    (tmp_path / "garbled.npz").write_bytes(bytes(garbled))
    expect_not_a_checkpoint(tmp_path / "garbled.npz", "corrupt")
    expect_not_a_checkpoint(tmp_path, "is a folder")


def deep(levels):
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


EDITS = {
    "not a dict": (lambda c: c.clear() or c.update({"x": 1}), "it has no format"),
    "version": (lambda c: c.update(version=7), "version 7"),
    "missing history": (lambda c: c.pop("history"), "it lacks 'history'"),
    "string epoch": (lambda c: c.update(epoch="2"), "its 'epoch' is the str '2', not a whole number"),
    "negative epoch": (lambda c: c.update(epoch=-1), "not a whole number >= 0"),
    "epoch beyond the history": (lambda c: c.update(epoch=3), "one record per finished epoch (3)"),
    "model not arrays": (lambda c: c["model"].update({"0.weight": [1, 2]}), "entry '0.weight' is a list"),
    "model empty": (lambda c: c.update(model={}), "its 'model' is a dict, not a dict of named arrays"),
    "optimizer garbage": (lambda c: c.update(optimizer="adam"), "its 'optimizer' is not an optimiser state"),
    "optimizer groups": (lambda c: c["optimizer"].update(param_groups={}), "'param_groups' is not a list of dicts"),
    "optimizer params": (lambda c: c["optimizer"]["param_groups"][0].update(params="all"), "no list of parameter"),
    "optimizer state value": (lambda c: c["optimizer"]["state"][0].update(step="3"), "state 0.step is a str"),
    "scheduler": (lambda c: c.update(scheduler=[1, 2]), "its 'scheduler' is a list"),
    "rng name": (lambda c: c["rng"].update(bit_generator="os.system"), "bit_generator 'os.system'"),
    "rng state": (lambda c: c["rng"].update(state={"state": "x", "inc": 1}), "random-generator state is unusable"),
    "history record": (lambda c: c["history"]["epochs"][0].update(lr="fast"), "record 1 has a bad lr ('fast')"),
    "history fields": (lambda c: c["history"]["epochs"][1].pop("seconds"), "record 2 does not have the fields"),
    "iteration loss": (lambda c: c["history"].update(iteration_loss="x"), "'iteration_loss' is a str"),
    "best epoch": (lambda c: c["best"].update(epoch=9), "best epoch 9 is not one of the 2 trained"),
    "best weights": (lambda c: c["best"].update(epoch=1, model=None), "records best epoch 1 but not its weights"),
    "config": (lambda c: c.update(config=["mnist"]), "its 'config' is a list"),
    "deep": (lambda c: c.update(config={"x": deep(70)}), "nested deeper than"),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_hand_edited_checkpoints_say_what_is_wrong(checkpoint_path, tmp_path, name, monkeypatch):
    edit, phrase = EDITS[name]
    if name == "deep":  # deeper than mt.load reads, yet written: lift the writer's limit for the test
        from minitorch_nn import serialization

        monkeypatch.setattr(serialization, "MAX_DEPTH", 1000)
        path = edited(checkpoint_path, tmp_path, edit)
        monkeypatch.undo()
    else:
        path = edited(checkpoint_path, tmp_path, edit)
    expect_not_a_checkpoint(path, phrase)
    with pytest.raises(CheckpointError, match="is not a minitorch_nn training checkpoint"):  # also given directly
        small_trainer(None).load_state_dict(dict(mt.load(path), path=str(path)) if name != "deep" else {})


def test_an_sgd_config_over_an_adam_state_is_refused(checkpoint_path, tmp_path):
    trainer = small_trainer(tmp_path, optimizer="sgd")
    before = copy.deepcopy(trainer.model.state_dict())
    with pytest.raises(CheckpointError, match="holds the state of a Adam optimiser, but this run's optimiser is SGD"):
        trainer.load_checkpoint(checkpoint_path)
    assert all(np.array_equal(before[k], v) for k, v in trainer.model.state_dict().items())  # nothing loaded
    # An older checkpoint without the class name: the settings give it away.
    path = edited(checkpoint_path, tmp_path, lambda c: c.pop("optimizer_class"))
    with pytest.raises(CheckpointError, match=r"an optimiser with the settings amsgrad, betas.*optimiser is SGD"):
        small_trainer(tmp_path, optimizer="sgd").load_checkpoint(path)


def test_another_schedule_or_a_garbled_schedule_state_is_refused(checkpoint_path, tmp_path):
    with pytest.raises(CheckpointError, match="a StepLR schedule, but this run's schedule is CosineAnnealingLR"):
        small_trainer(tmp_path, scheduler="cosine").load_checkpoint(checkpoint_path)
    with pytest.raises(CheckpointError, match="saved with a scheduler, this trainer has none"):
        small_trainer(tmp_path, scheduler=None).load_checkpoint(checkpoint_path)
    for edit, phrase in ((lambda c: c["scheduler"].update(last_epoch="2"), "scheduler.last_epoch is '2', expected a number"),
                         (lambda c: c["scheduler"].update(optimizer=1), "scheduler has unknown optimizer"),
                         (lambda c: c["scheduler"].pop("gamma"), "scheduler lacks gamma"),
                         (lambda c: c["scheduler"].update(base_lrs=[]), "base_lrs is [], expected a list of 1")):
        with pytest.raises(CheckpointError, match=re.escape(phrase)):
            small_trainer(tmp_path).load_checkpoint(edited(checkpoint_path, tmp_path, edit))


def test_very_large_checkpoints_are_refused_before_they_are_read(checkpoint_path, tmp_path, monkeypatch):
    from minitorch_nn import serialization

    path = edited(checkpoint_path, tmp_path, lambda c: c.update(config={"notes": list(range(100_000))}))
    monkeypatch.setattr(serialization, "MAX_STRUCTURE_BYTES", 100_000)  # instead of writing a 32 MB file
    expect_not_a_checkpoint(path, "more than mt.save writes")
