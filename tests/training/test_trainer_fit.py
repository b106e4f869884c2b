"""Trainer.fit and evaluate on tiny data: overfitting, best weights, schedules, logging, divergence."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.data import DataLoader, Digits
from minitorch_nn.training import Trainer, TrainingDiverged, evaluate, load_checkpoint, predict


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
    assert history.train_loss[0] == pytest.approx(np.mean(history.iteration_loss[:4]), rel=0.2)


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
