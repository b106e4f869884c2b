"""History: per-epoch columns, the best epoch, metrics.csv and the state round trip."""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from minitorch_nn.training import History


def make_history(epochs=3, with_val=True):
    history = History()
    for epoch in range(1, epochs + 1):
        history.iteration_loss += list(np.linspace(2.0, 0.5, 20) / epoch)
        history.add_epoch(epoch=epoch, train_loss=1.0 / epoch, train_accuracy=0.5 + 0.1 * epoch,
                          val_loss=1.1 / epoch if with_val else math.nan,
                          val_accuracy=[0.6, 0.8, 0.7][epoch - 1] if with_val else math.nan,
                          lr=0.1 * 0.5 ** epoch, seconds=1.5)
    return history


def test_history_columns_best_csv_and_state_round_trip(tmp_path):
    history = make_history()
    assert history.val_accuracy == [0.6, 0.8, 0.7] and history.epoch == [1, 2, 3]
    assert history.best_epoch == 2 and history.best_val_accuracy == 0.8
    assert make_history(with_val=False).best_epoch is None
    history.to_csv(tmp_path / "metrics.csv")
    with open(tmp_path / "metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 3 and float(rows[1]["val_accuracy"]) == 0.8 and float(rows[2]["lr"]) == 0.0125
    copy = History()
    copy.load_state_dict(history.state_dict())
    assert copy.epochs == history.epochs and copy.iteration_loss == pytest.approx(history.iteration_loss)
    with pytest.raises(AttributeError, match="per-epoch columns"):
        history.val_acc
