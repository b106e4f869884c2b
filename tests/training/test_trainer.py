"""Trainer: fit and evaluate on tiny data (overfitting, best weights, schedules, logging,
divergence) and checkpoints (2 epochs + resume + 2 epochs is bit-identical to 4 epochs; atomic writes)."""
from __future__ import annotations

import os
import re

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.data import Compose, DataLoader, Digits, Flatten, RandomCrop, ToFloat
from minitorch_nn.training import CheckpointError, Trainer, TrainingDiverged, evaluate, load_checkpoint, predict
from minitorch_nn.utils import clip_grad_norm_


def digits_arrays(n=None):
    data = Digits(train=True)
    x = data.data.reshape(len(data), -1).astype(np.float32) / 255.0
    y = data.targets
    return (x[:n], y[:n]) if n else (x, y)


def test_overfits_50_examples_to_100_percent_train_accuracy():
    # The classic sanity check: a small subset must be learnt perfectly.
    mt.manual_seed(0)
    x, y = digits_arrays(50)
    model = mt.MLP(64, [100], 10)
    loader = DataLoader((x, y), batch_size=25, shuffle=True, seed=0)
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2), log=None)
    history = trainer.fit(loader, epochs=40)
    assert history.train_accuracy[-1] == 1.0
    assert evaluate(model, DataLoader((x, y), batch_size=50))[1] == 1.0
    assert history.train_loss[-1] < history.train_loss[0] / 10


def test_history_records_every_epoch_and_iteration():
    mt.manual_seed(0)
    x, y = digits_arrays(200)
    model = mt.MLP(64, [16], 10)
    train = DataLoader((x[:150], y[:150]), batch_size=32, shuffle=True, seed=1)
    val = DataLoader((x[150:], y[150:]), batch_size=64)
    opt = optim.SGD(model.parameters(), lr=0.5)
    scheduler = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    history = Trainer(model, mt.CrossEntropyLoss(), opt, scheduler, log=None).fit(train, val, epochs=3)
    assert len(history) == 3 and history.epoch == [1, 2, 3]
    assert len(history.iteration_loss) == 3 * len(train)
    assert history.lr == pytest.approx([0.5, 0.25, 0.125])  # decayed once per epoch
    assert all(0 <= a <= 1 for a in history.val_accuracy) and all(s >= 0 for s in history.seconds)
    # the epoch's loss is the mean over its samples: batches of 32, 32, 32, 32 and 22
    sizes = [32, 32, 32, 32, 22]
    for epoch in range(3):
        batch_losses = history.iteration_loss[5 * epoch:5 * (epoch + 1)]
        assert history.train_loss[epoch] == pytest.approx(np.dot(batch_losses, sizes) / 150, rel=1e-12)


def test_with_frozen_weights_the_train_numbers_are_the_whole_training_set_s():
    """lr 0: the weights never move, so the epoch's train loss and accuracy, gathered batch by batch,
    are exactly the loss and accuracy of one pass over the training set."""
    mt.manual_seed(0)
    x, y = digits_arrays(130)
    model = mt.MLP(64, [16], 10)
    loader = DataLoader((x, y), batch_size=50, shuffle=True, seed=2)
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0), log=None)
    history = trainer.fit(loader, epochs=2)
    loss, accuracy = evaluate(model, DataLoader((x, y), batch_size=130), mt.CrossEntropyLoss())
    assert 0.05 < accuracy < 0.95  # neither all right nor all wrong: the count is really checked
    assert history.train_accuracy == [accuracy, accuracy]
    assert history.train_loss == pytest.approx([loss, loss], rel=1e-6)
    assert len(history.iteration_loss) == 2 * 3


def test_clip_grad_norm_clips_every_step_like_clip_grad_norm_():
    """The Trainer's step equals the hand-written step with ``clip_grad_norm_``; the update's size
    shows the clipping happened (the unclipped gradients are far larger than 0.01)."""
    x, y = digits_arrays(60)
    loader = DataLoader((x, y), batch_size=20)

    def model_and_optimizer():
        mt.manual_seed(4)
        model = mt.MLP(64, [32], 10)
        return model, optim.SGD(model.parameters(), lr=1.0)

    model, opt = model_and_optimizer()
    Trainer(model, mt.CrossEntropyLoss(), opt, clip_grad_norm=0.01, log=None).fit(loader, epochs=1)

    by_hand, opt = model_and_optimizer()
    before = [p.data.copy() for p in by_hand.parameters()]
    loss_fn, norms = mt.CrossEntropyLoss(), []
    for xb, yb in loader:
        by_hand.zero_grad()
        loss_fn(by_hand(xb), yb)
        by_hand.backward(loss_fn.backward())
        norms.append(clip_grad_norm_(by_hand.parameters(), 0.01))
        opt.step()
    assert min(norms) > 0.1
    assert_same_state(model.state_dict(), by_hand.state_dict())
    step = np.sqrt(sum(((p.data - b) ** 2).sum() for p, b in zip(by_hand.parameters(), before)))
    assert step <= 3 * 0.01 * (1 + 1e-5)  # three clipped steps of lr 1


@pytest.mark.parametrize("clip", [None, 0, 0.0])
def test_clip_grad_norm_none_or_zero_is_off(clip):
    x, y = digits_arrays(60)
    loader = DataLoader((x, y), batch_size=20)
    states = []
    for clip_grad_norm in (clip, 1e9):
        mt.manual_seed(4)
        model = mt.MLP(64, [32], 10)
        trainer = Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1.0),
                          clip_grad_norm=clip_grad_norm, log=None)
        assert trainer.clip_grad_norm == (None if clip_grad_norm == clip else 1e9)
        trainer.fit(loader, epochs=1)
        states.append(model.state_dict())
    assert_same_state(*states)


def test_keeps_and_restores_the_best_validation_weights():
    mt.manual_seed(0)
    x, y = digits_arrays(300)
    model = mt.MLP(64, [32], 10)
    train = DataLoader((x[:200], y[:200]), batch_size=20, shuffle=True, seed=0)
    val = DataLoader((x[200:], y[200:]), batch_size=100)
    # A learning rate that rises makes the later epochs worse, so the best epoch is an early one.
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = optim.lr_scheduler.ExponentialLR(opt, gamma=3.0)
    trainer = Trainer(model, mt.CrossEntropyLoss(), opt, scheduler, log=None)
    history = trainer.fit(train, val, epochs=6)
    assert trainer.best_epoch == history.best_epoch < 6
    assert trainer.best_val_accuracy == max(history.val_accuracy)
    state = model.state_dict()
    assert all(np.array_equal(state[k], trainer.best_state[k]) for k in state)
    assert evaluate(model, val)[1] == pytest.approx(trainer.best_val_accuracy)


def test_plateau_scheduler_gets_the_validation_loss():
    mt.manual_seed(0)
    x, y = digits_arrays(120)
    model = mt.MLP(64, [8], 10)
    opt = optim.SGD(model.parameters(), lr=1e-6)  # too small to improve: the plateau is immediate
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.5)
    trainer = Trainer(model, mt.CrossEntropyLoss(), opt, scheduler, log=None)
    history = trainer.fit(DataLoader((x, y), batch_size=60), DataLoader((x, y), batch_size=60), epochs=3)
    assert history.lr[0] == 1e-6 and history.lr[-1] < 1e-6


def test_evaluate_uses_eval_mode_and_restores_the_mode():
    mt.manual_seed(0)
    x, y = digits_arrays(100)
    model = mt.MLP(64, [32], 10, dropout=0.5, batchnorm=True)
    loader = DataLoader((x, y), batch_size=30)
    loss_fn = mt.CrossEntropyLoss()
    first = evaluate(model, loader, loss_fn)
    assert model.training  # restored
    assert evaluate(model, loader, loss_fn) == first  # dropout off, running statistics used
    loss, accuracy = first
    scores = model.eval()(x)
    assert loss == pytest.approx(loss_fn(scores, y), rel=1e-5)
    assert accuracy == np.mean(scores.argmax(1) == y)
    assert evaluate(model, loader) == (None, accuracy)
    y_true, y_pred = predict(model.train(), loader)
    assert np.array_equal(y_true, y) and np.array_equal(y_pred, scores.argmax(1))


def test_one_summary_line_per_epoch_and_no_bar_when_quiet(capsys):
    mt.manual_seed(0)
    x, y = digits_arrays(100)
    model = mt.MLP(64, [8], 10)
    loader = DataLoader((x, y), batch_size=50)
    Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), quiet=True).fit(
        loader, loader, epochs=2)
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2") and "val loss" in lines[0]
    assert err == ""


def test_nan_stops_with_a_clear_error_and_keeps_the_last_good_checkpoint(tmp_path):
    mt.manual_seed(0)
    x, y = digits_arrays(100)
    model = mt.MLP(64, [32], 10)
    opt = optim.SGD(model.parameters(), lr=1e12)
    trainer = Trainer(model, mt.CrossEntropyLoss(), opt, checkpoint_dir=tmp_path, log=None)
    with pytest.raises(TrainingDiverged, match=r"diverged in epoch 1.*learning rate.*last\.npz"):
        trainer.fit(DataLoader((x, y), batch_size=10), epochs=3)
    checkpoint = load_checkpoint(tmp_path / "last.npz")
    assert checkpoint["epoch"] == 0
    assert all(np.isfinite(array).all() for array in checkpoint["model"].values())


def test_fit_checks_its_arguments():
    model = mt.MLP(4, [3], 2)
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), log=None)
    with pytest.raises(ValueError, match="epochs"):
        trainer.fit(DataLoader((np.zeros((4, 4)), np.zeros(4, dtype=np.int64))), epochs=0)
    with pytest.raises(ValueError, match="no batches"):
        trainer.fit(DataLoader((np.zeros((0, 4)), np.zeros(0, dtype=np.int64))), epochs=1)


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


class BestAtFirstValidation:
    """A validation loader whose first pass has the true labels and every later pass labels shifted
    by one class: a model that learns scores far better on the first pass, so the best validation
    epoch is epoch 1 by construction, not by chance."""

    def __init__(self):
        data = Digits(train=True)
        self.true = DataLoader((data.data[400:700], data.targets[400:700]), batch_size=100,
                               transform=Compose([ToFloat(), Flatten()]))
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        for x, y in self.true:
            yield x, (y if self.passes == 1 else (y + 1) % 10)


def test_a_second_fit_continues_from_the_last_weights_not_the_restored_best():
    straight = make_trainer(None)
    straight.fit(make_loaders()[0], BestAtFirstValidation(), epochs=4)
    twice = make_trainer(None)
    validation = BestAtFirstValidation()
    twice.fit(make_loaders()[0], validation, epochs=2)
    assert twice.best_epoch == 1 and twice.epoch == 2 and twice.last_state is not None
    assert_same_state(twice.model.state_dict(), twice.best_state)  # the best weights were restored...
    twice.fit(make_loaders()[0], validation, epochs=4)  # ...and training goes on from epoch 2's weights
    assert twice.history.train_loss == straight.history.train_loss
    assert twice.history.iteration_loss == straight.history.iteration_loss
    assert twice.best_epoch == straight.best_epoch
    assert_same_state(straight.model.state_dict(), twice.model.state_dict())


@pytest.mark.parametrize("restore_best", [True, False])
def test_restore_best_chooses_the_weights_the_model_ends_with(tmp_path, restore_best):
    trainer = make_trainer(tmp_path)
    trainer.restore_best = restore_best
    trainer.fit(make_loaders()[0], BestAtFirstValidation(), epochs=3)
    assert trainer.best_epoch == 1 and trainer.epoch == 3
    last = load_checkpoint(tmp_path / "last.npz")["model"]   # always the last epoch's weights
    best = load_checkpoint(tmp_path / "best.npz")["model"]
    assert_same_state(best, trainer.best_state)
    assert not all(np.array_equal(last[k], best[k]) for k in last)
    assert_same_state(trainer.model.state_dict(), best if restore_best else last)
    assert (trainer.last_state is not None) == restore_best


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
    with pytest.raises(CheckpointError, match="is not a minitorch_nn training checkpoint: it holds weights only"):
        load_checkpoint(tmp_path / "weights.npz")
    (tmp_path / "torn.npz").write_bytes(b"PK\x03\x04 torn")
    with pytest.raises(CheckpointError, match="torn.npz"):
        load_checkpoint(tmp_path / "torn.npz")
    trainer = make_trainer(tmp_path / "run")
    trainer.fit(*make_loaders(), epochs=1)
    model = mt.MLP(64, [8], 10)
    opt = optim.Adam(model.parameters())
    other = Trainer(model, mt.CrossEntropyLoss(), opt, optim.lr_scheduler.StepLR(opt, 1), log=None)
    with pytest.raises(CheckpointError, match="does not fit"):
        other.load_checkpoint(tmp_path / "run" / "last.npz")


def test_a_checkpoint_records_the_number_of_ranks_and_one_process_resumes_rank_0s_stream():
    mt.manual_seed(0)
    model = mt.MLP(64, [8], 10, dropout=0.5)
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), log=None)
    state = trainer.state_dict()
    assert state["world_size"] == 1 and state["rank_rng"] is None
    # A checkpoint of a 2-rank job: one process continues rank 0's stream (its "rng").
    rank0 = np.random.default_rng(1).bit_generator.state
    trainer.load_state_dict({**state, "world_size": 2, "rng": rank0,
                             "rank_rng": [rank0, np.random.default_rng(2).bit_generator.state]})
    assert mt.get_rng_state() == rank0


def test_the_divergence_message_names_the_epoch_the_lr_and_the_checkpoint(tmp_path):
    x, y = digits_arrays(100)

    def diverge(checkpoint_dir, epochs_before):
        mt.manual_seed(0)
        model = mt.MLP(64, [32], 10)
        opt = optim.SGD(model.parameters(), lr=0.1)
        trainer = Trainer(model, mt.CrossEntropyLoss(), opt, checkpoint_dir=checkpoint_dir, log=None)
        if epochs_before:
            trainer.fit(DataLoader((x, y), batch_size=10), epochs=epochs_before)
        opt.param_groups[0]["lr"] = 1e12
        with pytest.raises(TrainingDiverged) as error:
            trainer.fit(DataLoader((x, y), batch_size=10), epochs=epochs_before + 2)
        return str(error.value)

    message = diverge(tmp_path / "fresh", 0)
    assert message.startswith("training diverged in epoch 1, iteration ")
    assert message.endswith(f"Lower the learning rate (it is 1e+12) or clip the gradients (train.clip_grad_norm, "
                            f"e.g. 5.0). The last good checkpoint is {tmp_path / 'fresh' / 'last.npz'} "
                            f"(epoch 0, the initial weights).")
    message = diverge(tmp_path / "later", 1)
    assert message.startswith("training diverged in epoch 2, iteration ")
    assert message.endswith(f"The last good checkpoint is {tmp_path / 'later' / 'last.npz'} (epoch 1).")
    message = diverge(None, 0)
    assert message.endswith("clip the gradients (train.clip_grad_norm, e.g. 5.0).")


# ------------------------------------------------------------------ the per-epoch bookkeeping
class Recorder:
    """A validation loader whose accuracy per pass is scripted: pass k labels the first
    ``correct[k]`` of ten samples with the model's own predictions, the rest with wrong ones."""

    def __init__(self, model, accuracies):
        self.model, self.accuracies, self.passes = model, list(accuracies), 0
        self.x = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)

    def __iter__(self):
        predictions = self.model(self.x).argmax(axis=1)
        right = int(round(self.accuracies[self.passes] * 10))
        self.passes += 1
        labels = np.where(np.arange(10) < right, predictions, (predictions + 1) % 3)
        yield self.x, labels.astype(np.int64)


def tiny_trainer(checkpoint_dir=None, scheduler=None, **kwargs):
    mt.manual_seed(0)
    model = mt.MLP(4, [5], 3)
    opt = optim.SGD(model.parameters(), lr=0.05)
    x = np.random.default_rng(1).standard_normal((12, 4)).astype(np.float32)
    loader = DataLoader((x, np.arange(12) % 3), batch_size=4)
    sched = scheduler(opt) if scheduler else None
    return Trainer(model, mt.CrossEntropyLoss(), opt, sched, checkpoint_dir=checkpoint_dir, **kwargs), loader


def test_the_best_epoch_is_the_first_strictly_better_one_and_best_npz_follows_it(tmp_path):
    lines, records = [], []
    trainer, loader = tiny_trainer(tmp_path, log=lines.append,
                                   on_epoch_end=lambda t, record: records.append((t.epoch, dict(record))))
    validation = Recorder(trainer.model, [0.3, 0.6, 0.6, 0.5, 0.6])
    trainer.fit(loader, validation, epochs=5)
    assert trainer.best_epoch == 2 and trainer.best_val_accuracy == 0.6  # ties keep the earlier epoch
    assert [r["val_accuracy"] for _, r in records] == [0.3, 0.6, 0.6, 0.5, 0.6]
    assert [epoch for epoch, _ in records] == [1, 2, 3, 4, 5]  # the callback sees the finished epoch
    assert [" *  lr" in line for line in lines] == [True, True, False, False, False]
    assert load_checkpoint(tmp_path / "best.npz")["epoch"] == 2 and load_checkpoint(tmp_path / "last.npz")["epoch"] == 5


def test_the_summary_line_format():
    lines = []
    trainer, loader = tiny_trainer(log=lines.append)
    trainer.fit(loader, Recorder(trainer.model, [0.4, 0.2]), epochs=2)
    history = trainer.history
    for epoch, line, improved in ((1, lines[0], True), (2, lines[1], False)):
        record = history.epochs[epoch - 1]
        expected = (f"epoch {epoch}/2  train loss {record['train_loss']:.4f} acc {record['train_accuracy']:7.2%}  "
                    f"val loss {record['val_loss']:.4f} acc {record['val_accuracy']:7.2%}{' *' if improved else '  '}"
                    f"  lr 5.00e-02  {record['seconds']:.1f}s")
        assert line == expected
    lines.clear()
    trainer, loader = tiny_trainer(log=lines.append)
    trainer.fit(loader, epochs=12)
    assert lines[0].startswith("epoch  1/12  train loss ") and "val" not in lines[0]
    assert re.fullmatch(r"epoch 12/12  train loss \d\.\d{4} acc +\d+\.\d\d%  lr 5\.00e-02  \d+\.\ds", lines[-1])


def test_huge_losses_are_printed_in_scientific_notation():
    from minitorch_nn.training import trainer as trainer_module

    assert trainer_module._number(12345.678) == "1.235e+04" and trainer_module._number(9999.5) == "9999.5000"
    assert trainer_module._number(-2e5) == "-2.000e+05" and trainer_module._number(0.25) == "0.2500"


def test_without_validation_nothing_is_best_and_plateau_watches_the_training_loss(tmp_path):
    trainer, loader = tiny_trainer(tmp_path, log=None, scheduler=lambda opt: optim.lr_scheduler.ReduceLROnPlateau(
        opt, patience=0, factor=0.5, threshold=10.0))  # no decrease counts: every epoch is a plateau
    history = trainer.fit(loader, epochs=3)
    assert trainer.best_epoch is None and trainer.best_state is None and not (tmp_path / "best.npz").exists()
    assert all(np.isnan(history.val_loss)) and all(np.isnan(history.val_accuracy))
    assert history.lr == [0.05, 0.025, 0.0125]  # the lr of each epoch: the scheduler steps after it


def test_the_scheduler_steps_once_per_epoch_after_it():
    trainer, loader = tiny_trainer(log=None, scheduler=lambda opt: optim.lr_scheduler.StepLR(opt, 1, gamma=0.1))
    history = trainer.fit(loader, epochs=3)
    assert history.lr == pytest.approx([0.05, 0.005, 0.0005])
    assert trainer.scheduler.last_epoch == 3 and trainer.optimizer.param_groups[0]["lr"] == pytest.approx(5e-5)


def test_each_step_starts_from_zero_gradients():
    trainer, loader = tiny_trainer(log=None)
    for p in trainer.model.parameters():
        p.grad = np.full(p.shape, 1e3, p.dtype)  # stale gradients from elsewhere must not leak in
    trainer.fit(loader, epochs=1)
    mt.manual_seed(0)
    model = mt.MLP(4, [5], 3)
    opt, loss_fn = optim.SGD(model.parameters(), lr=0.05), mt.CrossEntropyLoss()
    model.train()
    for x, y in loader:
        model.zero_grad()
        loss_fn(model(x), y)
        model.backward(loss_fn.backward())
        opt.step()
    assert_same_state(trainer.model.state_dict(), model.state_dict())


def test_the_loader_is_told_the_epoch_and_the_model_trains_in_train_mode():
    seen = []

    class Loader:
        def __init__(self, loader):
            self.loader = loader

        def set_epoch(self, epoch):
            seen.append(("set_epoch", epoch))

        def __len__(self):
            return len(self.loader)

        def __iter__(self):
            seen.append(("training", trainer.model.training))
            return iter(self.loader)

    trainer, loader = tiny_trainer(log=None)
    trainer.model.eval()
    trainer.fit(Loader(loader), epochs=2)
    assert seen == [("set_epoch", 0), ("training", True), ("set_epoch", 1), ("training", True)]
    assert trainer.epoch == 2 and len(trainer.history.iteration_loss) == 2 * 3


def test_scores_that_are_not_finite_stop_training_with_their_own_message():
    trainer, loader = tiny_trainer(log=None)
    trainer.model[0].weight.data[0, 0] = np.inf
    with pytest.raises(TrainingDiverged, match=r"^training diverged in epoch 1, iteration 1: the scores contain NaN or "
                                               r"inf\. Lower the learning rate"):
        trainer.fit(loader, epochs=1)


def test_a_fresh_trainer_s_state():
    trainer, _ = tiny_trainer(log=None, clip_grad_norm=0.0)
    assert trainer.epoch == 0 and len(trainer.history) == 0 and trainer.history.iteration_loss == []
    assert trainer.best_epoch is None and trainer.best_val_accuracy is None
    assert trainer.best_state is None and trainer.last_state is None
    assert trainer.clip_grad_norm is None and trainer.config == {} and trainer.checkpoint_dir is None
    assert trainer.restore_best is True and trainer.quiet is False


def test_fit_refuses_a_non_integer_number_of_epochs():
    trainer, loader = tiny_trainer(log=None)
    for epochs in (0, -1, 2.0, "3"):
        with pytest.raises(ValueError, match=rf"^Trainer\.fit: epochs must be a positive integer \(the total to "
                                             rf"reach\), got {re.escape(repr(epochs))}$"):
            trainer.fit(loader, epochs=epochs)
    trainer.fit(loader, epochs=np.int64(1))
    assert trainer.epoch == 1


def test_an_empty_training_loader_is_named():
    trainer, _ = tiny_trainer(log=None)
    empty = DataLoader((np.zeros((0, 4), np.float32), np.zeros(0, np.int64)))
    with pytest.raises(ValueError, match=r"^Trainer\.fit: the training loader DataLoader\(.*\) yielded no batches$"):
        trainer.fit(empty, epochs=1)


# ------------------------------------------------------------------ the progress bar, checkpoints, the loop's edges
class FakeBar:
    """Stands in for tqdm: records how the Trainer drives its progress bar."""

    made: list = []

    def __init__(self, **kwargs):
        self.kwargs, self.updates, self.postfixes, self.closed = kwargs, [], [], False
        self.total = kwargs.get("total")
        FakeBar.made.append(self)

    def update(self, n):
        self.updates.append(n)

    def set_postfix(self, **kwargs):
        self.postfixes.append((len(self.updates), kwargs))

    def close(self):
        self.closed = True


@pytest.mark.parametrize("quiet, terminal, shown", [(False, True, True), (True, True, False), (False, False, False)])
def test_the_progress_bar_per_epoch(monkeypatch, quiet, terminal, shown):
    import sys

    from minitorch_nn.training import trainer as trainer_module

    FakeBar.made = []
    monkeypatch.setattr(trainer_module, "tqdm", FakeBar)
    monkeypatch.setattr(trainer_module, "shows_progress", lambda stream: terminal and stream is sys.stderr)
    mt.manual_seed(0)
    model = mt.MLP(4, [5], 3)
    x = np.random.default_rng(1).standard_normal((24, 4)).astype(np.float32)
    loader = DataLoader((x, np.arange(24) % 3), batch_size=2)  # 12 batches
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05), quiet=quiet, log=None)
    history = trainer.fit(loader, epochs=2)
    assert len(FakeBar.made) == 2
    for epoch, bar in enumerate(FakeBar.made, start=1):
        assert bar.kwargs == dict(total=12, desc=f"epoch {epoch}/2", unit="it", leave=False, dynamic_ncols=True,
                                  file=sys.stderr, disable=not shown)
        assert bar.updates == [1] * 12 and bar.closed
        assert [at for at, _ in bar.postfixes] == [10, 12]  # every 10 iterations and at the end
        at_end = bar.postfixes[-1][1]
        assert at_end == dict(loss=f"{history.train_loss[epoch - 1]:.4f}",
                              acc=f"{history.train_accuracy[epoch - 1]:.2%}", refresh=False)


def test_the_bar_closes_when_training_diverges(monkeypatch):
    from minitorch_nn.training import trainer as trainer_module

    FakeBar.made = []
    monkeypatch.setattr(trainer_module, "tqdm", FakeBar)
    trainer, loader = tiny_trainer(log=None)
    trainer.model[0].weight.data[0, 0] = np.nan
    with pytest.raises(TrainingDiverged):
        trainer.fit(loader, epochs=1)
    assert FakeBar.made[0].closed


def test_overflow_on_the_way_to_nan_is_reported_once_by_the_divergence_error():
    import warnings

    x, y = digits_arrays(100)
    mt.manual_seed(0)
    model = mt.MLP(64, [32], 10)
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1e12), log=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning about overflow on the way
        with pytest.raises(TrainingDiverged):
            trainer.fit(DataLoader((x, y), batch_size=10), epochs=2)


def test_a_loss_that_is_not_finite_names_itself():
    class Unbounded(mt.Loss):
        def forward(self, input, target):
            return float("inf")

        def backward(self, grad_output=1.0):
            raise AssertionError("never reached")

    trainer, loader = tiny_trainer(log=None)
    trainer.loss_fn = Unbounded()
    with pytest.raises(TrainingDiverged, match=r"^training diverged in epoch 1, iteration 1: the loss is inf\. "
                                               r"Lower the learning rate \(it is 0\.05\)"):
        trainer.fit(loader, epochs=1)


def test_fit_defaults_to_ten_epochs_and_records_the_seconds_of_each():
    import time

    trainer, loader = tiny_trainer(log=None)
    start = time.perf_counter()
    history = trainer.fit(loader)
    elapsed = time.perf_counter() - start
    assert trainer.epoch == 10 and len(history) == 10
    assert all(0 <= s <= elapsed for s in history.seconds) and sum(history.seconds) <= elapsed


def test_plateau_follows_the_validation_loss_not_the_training_loss():
    trainer, loader = tiny_trainer(log=None, scheduler=lambda opt: optim.lr_scheduler.ReduceLROnPlateau(
        opt, patience=0, factor=0.5, threshold=0.0))
    # validation: right on the first pass, wrong afterwards, so its loss jumps up after epoch 1
    history = trainer.fit(loader, Recorder(trainer.model, [1.0, 0.0, 0.0, 0.0]), epochs=4)
    assert history.val_loss[1] > history.val_loss[0] and history.train_loss[3] < history.train_loss[0]
    assert history.lr == [0.05, 0.05, 0.025, 0.0125]


def test_the_last_of_several_fits_still_continues_from_the_last_weights():
    straight = make_trainer(None)
    straight.fit(make_loaders()[0], BestAtFirstValidation(), epochs=5)
    thrice = make_trainer(None)
    validation = BestAtFirstValidation()
    for epochs in (2, 3, 5):
        thrice.fit(make_loaders()[0], validation, epochs=epochs)
    assert thrice.history.iteration_loss == straight.history.iteration_loss
    assert_same_state(straight.model.state_dict(), thrice.model.state_dict())


def test_numbers_switch_to_scientific_notation_at_ten_thousand():
    from minitorch_nn.training import trainer as trainer_module

    assert trainer_module._number(9999.99994) == "9999.9999"
    assert trainer_module._number(1e4) == "1.000e+04" and trainer_module._number(10000.5) == "1.000e+04"


def test_what_a_checkpoint_holds_of_the_best_weights(tmp_path):
    trainer, loader = tiny_trainer(tmp_path, log=None, inference={"kind": "test"})
    trainer.restore_best = False
    trainer.fit(loader, Recorder(trainer.model, [0.6, 0.3]), epochs=2)  # best epoch 1, last epoch 2
    state = trainer.state_dict()
    assert state["inference"] == {"kind": "test"} and state["best"]["epoch"] == 1
    assert_same_state(state["best"]["model"], trainer.best_state)
    assert_same_state(state["model"], trainer.model.state_dict())
    trainer, loader = tiny_trainer(log=None)
    trainer.fit(loader, Recorder(trainer.model, [0.3, 0.6]), epochs=2)  # the best is the last: stored once
    state = trainer.state_dict()
    assert state["best"] == {"epoch": 2, "val_accuracy": 0.6, "model": None} and "inference" not in state
    trainer, loader = tiny_trainer(log=None)
    trainer.fit(loader, Recorder(trainer.model, [0.6, 0.3]), epochs=2)  # restored best: "model" is the last epoch's
    assert_same_state(trainer.state_dict()["model"], trainer.last_state)
    assert not all(np.array_equal(a, b) for a, b in zip(trainer.state_dict()["model"].values(),
                                                          trainer.model.state_dict().values()))


def test_loading_restores_the_best_weights_as_saved():
    def saved(accuracies):
        trainer, loader = tiny_trainer(log=None, scheduler=lambda opt: optim.lr_scheduler.StepLR(opt, 1))
        trainer.fit(loader, Recorder(trainer.model, accuracies), epochs=2)
        return trainer, trainer.state_dict()

    source, state = saved([0.6, 0.3])
    target, _ = tiny_trainer(log=None, scheduler=lambda opt: optim.lr_scheduler.StepLR(opt, 1))
    target.load_state_dict(state)
    assert target.epoch == 2 and target.best_epoch == 1 and target.last_state is None
    assert_same_state(target.best_state, source.best_state)
    _, state = saved([0.3, 0.6])
    target.load_state_dict(state)
    assert target.best_epoch == 2
    assert_same_state(target.best_state, target.model.state_dict())  # the best is the model itself
    _, state = saved([0.6, 0.3])
    state["best"]["epoch"], state["best"]["val_accuracy"] = None, None
    target.load_state_dict(state)
    assert target.best_state is None and target.best_epoch is None


def test_loading_a_checkpoint_that_does_not_fit_says_why(tmp_path):
    trainer, loader = tiny_trainer(tmp_path, log=None)
    trainer.fit(loader, epochs=1)
    checkpoint = load_checkpoint(tmp_path / "last.npz")
    with_scheduler, _ = tiny_trainer(log=None, scheduler=lambda opt: optim.lr_scheduler.StepLR(opt, 1))
    with pytest.raises(CheckpointError, match=rf"^{re.escape(str(tmp_path / 'last.npz'))} was saved without a "
                                              r"scheduler, this trainer has one$"):
        with_scheduler.load_state_dict(checkpoint)
    state = with_scheduler.state_dict()
    with pytest.raises(CheckpointError, match=r"^the checkpoint was saved with a scheduler, this trainer has none$"):
        tiny_trainer(log=None)[0].load_state_dict(state)
    trainer, loader = tiny_trainer(log=None)
    trainer.fit(loader, Recorder(trainer.model, [0.6, 0.3]), epochs=2)
    state = trainer.state_dict()
    state["best"]["model"] = None
    with pytest.raises(CheckpointError, match=r"^the checkpoint is not a minitorch_nn training checkpoint: it records "
                                              r"best epoch 1 but not its weights$"):
        tiny_trainer(log=None)[0].load_state_dict(state)


@pytest.mark.parametrize("change, difference", [
    (lambda s: (s.pop("gamma"), s.pop("base_lrs"), s.update(extra=1, zz=2)), "scheduler lacks base_lrs, gamma; has unknown extra, zz"),
    (lambda s: s.pop("gamma"), "scheduler lacks gamma"),
    (lambda s: s.update(extra=1), "scheduler has unknown extra"),
    (lambda s: s.update(base_lrs=[0.1, 0.2]), "scheduler.base_lrs is [0.1, 0.2], expected a list of 1"),
    (lambda s: s.update(base_lrs=["x"]), "scheduler.base_lrs[0] is 'x', expected a number"),
    (lambda s: s.update(milestones=[1, "a"]), "scheduler.milestones[1] is 'a', expected a number"),
    (lambda s: s.update(_last_lr=5), "scheduler._last_lr is 5, expected a list of 1"),
    (lambda s: s.update(gamma=True), "scheduler.gamma is True, expected a number"),
    (lambda s: s.update(_is_initial=0), "scheduler._is_initial is 0, expected a bool"),
], ids=["both", "lacks", "unknown", "length", "item", "later-item", "not-a-list", "bool-for-number", "number-for-bool"])
def test_a_scheduler_state_of_another_layout_is_named_precisely(change, difference):
    def trainer():
        return tiny_trainer(log=None, scheduler=lambda opt: optim.lr_scheduler.MultiStepLR(opt, [1, 2]))

    source, loader = trainer()
    source.fit(loader, epochs=1)
    state = source.state_dict()
    change(state["scheduler"])
    with pytest.raises(CheckpointError) as info:
        trainer()[0].load_state_dict(state)
    assert str(info.value) == f"the checkpoint holds a scheduler state that does not fit this MultiStepLR: {difference}"


def test_saved_epoch_follows_last_npz(tmp_path):
    trainer, loader = tiny_trainer(tmp_path, log=None)
    assert trainer.saved_epoch is None
    trainer.fit(loader, epochs=2)
    assert trainer.saved_epoch == 2 == load_checkpoint(tmp_path / "last.npz")["epoch"]
    other, _ = tiny_trainer(log=None)
    other.load_checkpoint(tmp_path / "last.npz")
    assert other.saved_epoch == 2
    assert trainer.state_dict()["scheduler_class"] is None


def test_a_fit_that_ends_on_its_best_epoch_still_lets_the_next_one_continue():
    def run(stops):
        trainer, loader = tiny_trainer(log=None)
        validation = Recorder(trainer.model, [0.6, 0.3, 0.9, 1.0, 0.5])
        for epochs in stops:
            trainer.fit(loader, validation, epochs=epochs)
        return trainer

    straight, split = run([5]), run([2, 3, 5])  # the fit to 3 ends on its best epoch: nothing restored
    assert split.history.iteration_loss == straight.history.iteration_loss
    assert_same_state(split.model.state_dict(), straight.model.state_dict())


def test_without_validation_the_plateau_gets_the_training_loss():
    x, y = digits_arrays(200)
    mt.manual_seed(0)
    model = mt.MLP(64, [32], 10)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, threshold=0.0, factor=0.5)
    history = Trainer(model, mt.CrossEntropyLoss(), opt, scheduler, log=None).fit(
        DataLoader((x, y), batch_size=20, shuffle=True, seed=0), epochs=4)
    assert all(b < a for a, b in zip(history.train_loss, history.train_loss[1:]))  # it keeps improving...
    assert history.lr == [3e-3] * 4  # ...so the lr stays (a NaN metric would halve it every epoch)


def test_loading_messages_name_the_checkpoint(tmp_path):
    trainer, loader = tiny_trainer(tmp_path, log=None)
    trainer.fit(loader, epochs=1)
    with pytest.raises(CheckpointError, match=r"^the checkpoint is not a minitorch_nn training checkpoint"):
        tiny_trainer(log=None)[0].load_state_dict([1, 2])
    mt.manual_seed(0)
    model = mt.MLP(4, [5], 3)
    adam = Trainer(model, mt.CrossEntropyLoss(), optim.Adam(model.parameters()), log=None)
    with pytest.raises(CheckpointError) as info:
        adam.load_checkpoint(tmp_path / "last.npz")
    assert str(info.value).startswith(f"{tmp_path / 'last.npz'} holds the state of a SGD optimiser, but this run's "
                                      f"optimiser is Adam")


def test_a_checkpoint_without_the_optimizer_class_but_with_a_schedule_loads():
    trainer, loader = tiny_trainer(log=None, scheduler=lambda opt: optim.lr_scheduler.StepLR(opt, 1))
    trainer.fit(loader, epochs=1)
    state = trainer.state_dict()
    del state["optimizer_class"]  # an older checkpoint: the groups still carry initial_lr
    other, _ = tiny_trainer(log=None, scheduler=lambda opt: optim.lr_scheduler.StepLR(opt, 1))
    other.load_state_dict(state)
    assert other.epoch == 1


def test_invalid_values_on_the_way_to_nan_are_reported_once_too():
    import warnings

    x, y = digits_arrays(100)
    mt.manual_seed(0)
    model = mt.MLP(64, [32, 32], 10, batchnorm=True)  # BatchNorm of inf computes inf - inf
    trainer = Trainer(model, mt.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1e30), log=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged):
            trainer.fit(DataLoader((x, y), batch_size=10), epochs=3)


def test_a_part_of_a_sequential_state_that_is_not_a_dict_is_named():
    def sequence(opt):
        return optim.lr_scheduler.SequentialLR(opt, [optim.lr_scheduler.ExponentialLR(opt, 0.9),
                                                     optim.lr_scheduler.StepLR(opt, 1)], milestones=[2])

    trainer, loader = tiny_trainer(log=None, scheduler=sequence)
    trainer.fit(loader, epochs=1)
    state = trainer.state_dict()
    state["scheduler"]["_schedulers"][1] = [1]
    with pytest.raises(CheckpointError) as info:
        tiny_trainer(log=None, scheduler=sequence)[0].load_state_dict(state)
    assert str(info.value) == ("the checkpoint holds a scheduler state that does not fit this SequentialLR: "
                               "scheduler._schedulers[1] is a list, expected a dict")
