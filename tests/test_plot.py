"""The PNGs of mt.plot: valid files, the confusion counts, no pyplot backend change."""
from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest

from minitorch_nn import plot
from minitorch_nn.training import History

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    import matplotlib.image

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


def make_history(epochs=3, with_val=True):
    history = History()
    for epoch in range(1, epochs + 1):
        history.iteration_loss += list(np.linspace(2.0, 0.5, 20) / epoch)
        history.add_epoch(epoch=epoch, train_loss=1.0 / epoch, train_accuracy=0.5 + 0.1 * epoch,
                          val_loss=1.1 / epoch if with_val else math.nan,
                          val_accuracy=[0.6, 0.8, 0.7][epoch - 1] if with_val else math.nan,
                          lr=0.1 * 0.5 ** epoch, seconds=1.5)
    return history


def test_training_curves_png(tmp_path):
    backend = matplotlib.get_backend()
    path = plot.training_curves(make_history(), tmp_path / "sub" / "curves.png", title="tiny")
    assert_png(path)
    assert_png(plot.training_curves(make_history(1, with_val=False), tmp_path / "one.png"))
    assert matplotlib.get_backend() == backend  # library code leaves the user's backend alone


def test_confusion_matrix_png_and_counts(tmp_path):
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 2, 0])
    counts = plot.confusion_counts(y_true, y_pred, 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert_png(plot.confusion_matrix(y_true, y_pred, ["zero", "one", "two"], tmp_path / "confusion.png"))
    with pytest.raises(ValueError, match="label 3"):
        plot.confusion_matrix(y_true, y_pred + 1, ["zero", "one", "two"], tmp_path / "bad.png")


def test_training_curves_show_validation_loss_a_labelled_window_and_integer_epochs():
    history = make_history()
    figure = plot.training_curves_figure(history)
    loss_axes, accuracy_axes = figure.axes
    lines = {line.get_label(): line for line in loss_axes.get_lines()}
    assert list(lines["validation (each epoch)"].get_ydata()) == history.val_loss
    assert list(lines["validation (each epoch)"].get_xdata()) == [1, 2, 3]
    assert "train (mean of 20 iterations = 1 epoch)" in lines
    assert lines["train (each iteration)"].get_xdata()[-1] == 3.0        # iterations placed on the epoch axis
    figure.canvas.draw()
    ticks = [tick for tick in accuracy_axes.get_xticks() if accuracy_axes.get_xlim()[0] <= tick <= 3.5]
    assert ticks and all(float(tick).is_integer() for tick in ticks)
    for axes in (loss_axes, accuracy_axes):                               # legends beside the panels
        legend_box = axes.get_legend().get_window_extent()
        assert legend_box.x0 >= axes.get_window_extent().x1
