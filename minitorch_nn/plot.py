"""``mt.plot``: training curves and confusion matrices as PNG files.

Figures are drawn on ``matplotlib.figure.Figure`` with the Agg canvas directly, not through
``pyplot``, so no display is needed and the user's global backend and open figures are left
alone.

    >>> mt.plot.training_curves(history, "curves.png")
    >>> mt.plot.confusion_matrix(y_true, y_pred, classes, "confusion.png")
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from .serialization import atomic_writer


def _figure(width: float, height: float):
    """A Figure on its own Agg canvas: pyplot's global state is never touched."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=90)
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path) as file:  # a killed or failed write leaves the old picture, never half of one
        figure.savefig(file, format="png")
    return path


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def training_curves(history, path: str | os.PathLike, title: str | None = None) -> Path:
    """Plot the losses and accuracies of a training run (``training_curves_figure``) and save a PNG.

    Args:
        history: a ``History`` (``iteration_loss`` and per-epoch records).
        path: the PNG to write (folders are created).
        title: an optional figure title.

    Returns:
        ``path`` as a ``Path``.
    """
    return _save(training_curves_figure(history, title), path)


def training_curves_figure(history, title: str | None = None):
    """The losses and accuracies of a training run, as in the classic notebooks (two panels,
    one above the other, both over epochs), as a matplotlib ``Figure``.

    Top: the training loss of every iteration (dots), its running mean over one epoch's worth
    of iterations (the legend says how many), and the validation loss after each epoch. Bottom:
    train and validation accuracy per epoch. Legends sit beside the panels, never on a curve.

    Args:
        history: a ``History`` (``iteration_loss`` and per-epoch records).
        title: an optional figure title.
    """
    from matplotlib.ticker import MaxNLocator

    figure = _figure(9.5, 7)
    loss_axes, accuracy_axes = figure.subplots(2, 1, sharex=True)
    losses = np.asarray(history.iteration_loss, dtype=np.float64)
    epochs = [record["epoch"] for record in history.epochs]
    # Iteration i (1-based) ends at epoch first_epoch - 1 + i / per_epoch, so both panels share one axis.
    per_epoch = len(losses) / len(epochs) if epochs and len(losses) else 1.0
    start = epochs[0] - 1 if epochs else 0
    at = start + np.arange(1, len(losses) + 1) / per_epoch
    loss_axes.plot(at, losses, "o", markersize=1.5, alpha=0.3, color="tab:blue", label="train (each iteration)")
    window = int(round(per_epoch))
    if 1 < window <= len(losses):
        loss_axes.plot(at[window - 1:], _moving_average(losses, window), color="tab:blue", linewidth=1.8,
                       label=f"train (mean of {window} iterations = 1 epoch)")
    val_loss = [record["val_loss"] for record in history.epochs]
    if any(not np.isnan(v) for v in val_loss):
        loss_axes.plot(epochs, val_loss, "-o", color="tab:orange", markersize=4, label="validation (each epoch)")
    loss_axes.set_title("Loss")
    loss_axes.set_ylabel("Loss")
    loss_axes.grid(alpha=0.3)
    positive = losses[losses > 0]
    if len(positive) and positive.max() / positive.min() > 50:
        loss_axes.set_yscale("log")
    if len(losses):
        loss_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)

    accuracy_axes.plot(epochs, [record["train_accuracy"] for record in history.epochs], "-o", color="tab:blue",
                       markersize=4, label="train")
    val = [record["val_accuracy"] for record in history.epochs]
    if any(not np.isnan(v) for v in val):
        accuracy_axes.plot(epochs, val, "-o", color="tab:orange", markersize=4, label="validation")
    accuracy_axes.set_title("Classification accuracy")
    accuracy_axes.set_xlabel("Epoch")
    accuracy_axes.set_ylabel("Accuracy")
    accuracy_axes.grid(alpha=0.3)
    accuracy_axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(max(len(epochs), 1), 20)))
    if epochs:
        accuracy_axes.set_xlim(start, epochs[-1] + 0.5)
        accuracy_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def confusion_counts(y_true, y_pred, num_classes: int) -> np.ndarray:
    """``(C, C)`` int64 counts: row = true class, column = predicted class."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"confusion_matrix: y_true {y_true.shape} and y_pred {y_pred.shape} must be equally "
                         f"long label vectors (N,)")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        outside = labels[(labels < 0) | (labels >= num_classes)]
        if outside.size:
            raise ValueError(f"confusion_matrix: {name} has label {outside[0]}, outside 0..{num_classes - 1} "
                             f"for {num_classes} classes; pass every class name in classes")
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes)


def confusion_matrix(y_true, y_pred, classes: Sequence[str], path: str | os.PathLike,
                     title: str | None = None) -> Path:
    """Plot the confusion matrix (rows: true class, columns: predicted class) and save a PNG.

    Cells are coloured by the fraction of the true class (each row sums to 1) and labelled
    with the counts, so rare classes are as visible as common ones.

    Args:
        y_true, y_pred: int labels ``(N,)`` in ``0..len(classes)-1``.
        classes: class names, in label order.
        path: the PNG to write.
        title: defaults to "Confusion matrix (accuracy X%)".

    Returns:
        ``path`` as a ``Path``.
    """
    classes = [str(name) for name in classes]
    counts = confusion_counts(y_true, y_pred, len(classes))
    row_totals = counts.sum(axis=1, keepdims=True)
    fractions = counts / np.maximum(row_totals, 1)
    accuracy = np.trace(counts) / max(counts.sum(), 1)

    size = max(6.0, 0.7 * len(classes) + 2.5)
    figure = _figure(size + 1.2, size)
    axes = figure.subplots()
    image = axes.imshow(fractions, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="fraction of the true class")
    ticks = np.arange(len(classes))
    axes.set_xticks(ticks)
    axes.set_yticks(ticks)
    axes.set_xticklabels(classes, rotation=45, ha="right")
    axes.set_yticklabels(classes)
    axes.set_xlabel("Predicted class")
    axes.set_ylabel("True class")
    if len(classes) <= 30:  # beyond that the numbers no longer fit in the cells
        digits = len(str(int(counts.max()))) if counts.size else 1
        fontsize = max(6.0, min(12.0, 44.0 / max(digits, 3) * (10 / max(len(classes), 10)) ** 0.5))
        for row in range(len(classes)):
            for column in range(len(classes)):
                value = counts[row, column]
                if value:
                    axes.text(column, row, str(value), ha="center", va="center", fontsize=fontsize,
                              fontweight="bold" if row == column else "normal",
                              color="white" if fractions[row, column] > 0.5 else "black")
    axes.set_title(title or f"Confusion matrix (accuracy {accuracy:.2%})")
    figure.tight_layout()
    return _save(figure, path)
