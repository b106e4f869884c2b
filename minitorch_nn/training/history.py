"""``History``: what ``Trainer.fit`` measured, per epoch and per iteration."""
from __future__ import annotations

import csv
import math
import os

import numpy as np

from ..serialization import atomic_writer

EPOCH_FIELDS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds")


class History:
    """The training record, as the classic ``Solver``'s ``loss_history`` / ``*_acc_history``.

    Attributes:
        epochs: one dict per finished epoch with the keys ``EPOCH_FIELDS``: ``epoch`` (1-based),
            ``train_loss`` and ``train_accuracy`` (averaged over the epoch's training batches,
            computed from their scores as they went, i.e. in train mode while the weights moved),
            ``val_loss`` and ``val_accuracy`` (eval mode after the epoch; NaN without a
            validation set), ``lr`` (the learning rate during the epoch) and ``seconds``.
        iteration_loss: the training loss of every iteration, in order.

    The per-epoch columns are also lists: ``history.val_accuracy[-1]``, ``history.lr``, ...
    """

    def __init__(self) -> None:
        self.epochs: list[dict] = []
        self.iteration_loss: list[float] = []

    def __getattr__(self, name: str):
        if name in EPOCH_FIELDS:
            return [record[name] for record in self.epochs]
        raise AttributeError(f"History has no attribute {name!r}; per-epoch columns are {', '.join(EPOCH_FIELDS)}")

    def __len__(self) -> int:
        return len(self.epochs)

    def add_epoch(self, **record) -> dict:
        missing = [field for field in EPOCH_FIELDS if field not in record]
        if missing:
            raise ValueError(f"History.add_epoch: missing {', '.join(missing)}")
        record = {field: record[field] for field in EPOCH_FIELDS}
        self.epochs.append(record)
        return record

    @property
    def best(self) -> dict | None:
        """The record with the highest validation accuracy (the earliest of ties), or None."""
        scored = [record for record in self.epochs if not math.isnan(record["val_accuracy"])]
        return max(scored, key=lambda record: (record["val_accuracy"], -record["epoch"])) if scored else None

    @property
    def best_epoch(self) -> int | None:
        return None if self.best is None else self.best["epoch"]

    @property
    def best_val_accuracy(self) -> float | None:
        return None if self.best is None else self.best["val_accuracy"]

    # ------------------------------------------------------------------ files and checkpoints
    def to_csv(self, path: str | os.PathLike) -> None:
        """Write one row per epoch with the columns ``EPOCH_FIELDS`` (``metrics.csv``), atomically."""
        with atomic_writer(path, "w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=EPOCH_FIELDS)
            writer.writeheader()
            for record in self.epochs:
                writer.writerow({key: _csv_value(value) for key, value in record.items()})

    def state_dict(self) -> dict:
        """Plain values for a checkpoint (iteration losses as one float64 array)."""
        return {"epochs": [dict(record) for record in self.epochs],
                "iteration_loss": np.asarray(self.iteration_loss, dtype=np.float64)}

    def load_state_dict(self, state: dict) -> None:
        self.epochs = [dict(record) for record in state["epochs"]]
        self.iteration_loss = [float(v) for v in np.asarray(state["iteration_loss"])]

    def __repr__(self) -> str:
        if not self.epochs:
            return "History(no epochs)"
        last = self.epochs[-1]
        return (f"History({len(self.epochs)} epochs, last: train_accuracy={last['train_accuracy']:.4f}, "
                f"val_accuracy={last['val_accuracy']:.4f})")


def _csv_value(value):
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return value
