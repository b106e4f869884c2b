"""Helpers shared by the experiment scripts: the command line, a small data subset as arrays,
loaders over them, the run folder and a blank figure.

The scripts put this folder on ``sys.path`` and ``import _common``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from minitorch_nn.data import DataLoader, DatasetError
from minitorch_nn.data import channel_stats
from minitorch_nn.run.datasets import load_splits


def parser(doc: str, *, train_size: int, val_size: int = 1000, epochs: int, batch_size: int) -> argparse.ArgumentParser:
    """The options every experiment has; ``--train-size``/``--epochs`` make the small smoke-test runs."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--dataset", default="cifar10", choices=["cifar10", "digits"])
    parser.add_argument("--train-size", type=int, default=train_size)
    parser.add_argument("--val-size", type=int, default=val_size)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--data-dir", default=None, help="data root (default: $MINITORCH_DATA)")
    parser.add_argument("--out", default="runs", help="the run folder goes under here")
    parser.add_argument("--seed", type=int, default=0)
    return parser


def subset_arrays(args) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_val, y_val)``: ``args.train_size`` random training images and
    ``args.val_size`` other training images, flattened to float32 ``(N, D)`` vectors and
    standardised per channel with the training subset's mean and std.

    Raises:
        DatasetError: the data set is not under ``args.data_dir`` / ``$MINITORCH_DATA``.
    """
    train_set, _ = load_splits(args.dataset, args.data_dir, download=False)
    order = np.random.default_rng(args.seed).permutation(len(train_set))
    train_size = min(args.train_size, len(train_set) - min(args.val_size, len(train_set) // 5))
    train_idx, val_idx = order[:train_size], order[train_size:train_size + args.val_size]
    mean, std = (np.asarray(v, dtype=np.float32) for v in channel_stats(train_set.data, train_idx))

    def prepare(indices):
        x = (train_set.data[indices].astype(np.float32) / 255 - mean) / std  # broadcasts over the channel axis
        return x.reshape(len(indices), int(np.prod(x.shape[1:]))), train_set.targets[indices].astype(np.int64)

    return (*prepare(train_idx), *prepare(val_idx))


def loaders(x_train, y_train, x_val, y_val, batch_size: int, seed: int = 0):
    """A shuffled training loader and a validation loader over in-memory arrays."""
    return (DataLoader((x_train, y_train), batch_size=batch_size, shuffle=True, seed=seed),
            DataLoader((x_val, y_val), batch_size=1000))


def load_or_exit(script: str, args):
    """``subset_arrays(args)``, or a one-line message and exit status 1 when the data is missing."""
    try:
        return subset_arrays(args)
    except DatasetError as error:
        print(f"{script}: {error}\n(set MINITORCH_DATA, or use --dataset digits to run offline)", file=sys.stderr)
        raise SystemExit(1)


def run_folder(out: str, script: str) -> Path:
    """``<out>/<script>-<time>/``, created."""
    folder = Path(out) / f"{script}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def figure(width: float, height: float):
    """A Figure on its own Agg canvas, as ``mt.plot`` draws them: no display, pyplot untouched."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=90)
    FigureCanvasAgg(fig)
    return fig


def finish_axes(axes, title: str, xlabel: str, ylabel: str | None = None, legend: bool = True) -> None:
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    if ylabel:
        axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    if legend:
        axes.legend()
