"""Compare SGD, SGD + momentum, Nesterov, RMSprop and Adam on the same MLP, as the classic notebook does.

Trains one MLP (784-512-64-10, the same initial weights for every optimiser) on a 10,000-image
subset of the MNIST training set for 5 epochs per optimiser, so the whole comparison takes about
30 seconds on 2 CPU cores; validation uses 2,000 other training images. Saves the
three-panel figure of the notebook (training loss per iteration, train accuracy and validation
accuracy per epoch) and a CSV of the per-epoch numbers, and prints the folder it wrote.

    MINITORCH_DATA=/path/to/data python examples/compare_optimizers.py
    python examples/compare_optimizers.py --dataset digits      # offline, on the embedded digits

Options: --epochs N, --train-size N, --batch-size N, --data-dir DIR, --out DIR (default runs).
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.data import Compose, DataLoader, DatasetError, Flatten, Normalize, Subset, ToFloat
from minitorch_nn.training import Trainer
from minitorch_nn.data import channel_stats
from minitorch_nn.run.datasets import load_splits

# name -> optimiser factory; learning rates are each rule's usual good value for this MLP.
OPTIMIZERS = {
    "sgd": lambda params: optim.SGD(params, lr=0.05),
    "sgd_momentum": lambda params: optim.SGD(params, lr=0.01, momentum=0.9),
    "nesterov": lambda params: optim.SGD(params, lr=0.01, momentum=0.9, nesterov=True),
    "rmsprop": lambda params: optim.RMSprop(params, lr=1e-3),
    "adam": lambda params: optim.Adam(params, lr=1e-3),
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist", choices=["mnist", "fashion_mnist", "digits"])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--train-size", type=int, default=10_000)
    parser.add_argument("--val-size", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--data-dir", default=None, help="data root (default: $MINITORCH_DATA)")
    parser.add_argument("--out", default="runs")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def make_loaders(args):
    train_set, _ = load_splits(args.dataset, args.data_dir, download=True)
    order = np.random.default_rng(args.seed).permutation(len(train_set))
    train_size = min(args.train_size, len(train_set) - min(args.val_size, len(train_set) // 5))
    train_idx, val_idx = order[:train_size], order[train_size:train_size + args.val_size]
    mean, std = channel_stats(train_set.data, train_idx)
    transform = Compose([ToFloat(), Normalize(mean[0], std[0]), Flatten()])
    train = DataLoader(Subset(train_set, train_idx), batch_size=args.batch_size, shuffle=True, seed=args.seed,
                       transform=transform)
    val = DataLoader(Subset(train_set, val_idx), batch_size=1000, seed=args.seed, transform=transform)
    return train, val, int(np.prod(train_set.data.shape[1:]))


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        train, val, in_features = make_loaders(args)
    except DatasetError as error:
        print(f"compare_optimizers.py: {error}\n(use --dataset digits to run offline)", file=sys.stderr)
        return 1
    mt.manual_seed(args.seed)
    initial = mt.MLP(in_features, [512, 64], 10).state_dict()
    histories = {}
    for name, make_optimizer in OPTIMIZERS.items():
        mt.manual_seed(args.seed)
        model = mt.MLP(in_features, [512, 64], 10)
        model.load_state_dict(initial)  # every optimiser starts from the same weights
        start = time.perf_counter()
        trainer = Trainer(model, mt.CrossEntropyLoss(), make_optimizer(model.parameters()), log=None)
        histories[name] = trainer.fit(train, val, epochs=args.epochs)
        print(f"{name:>13}: train acc {histories[name].train_accuracy[-1]:.2%}, "
              f"val acc {histories[name].val_accuracy[-1]:.2%}  ({time.perf_counter() - start:.1f} s)")

    folder = Path(args.out) / f"compare_optimizers-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    plot_comparison(histories, folder / "compare_optimizers.png",
                    f"{args.dataset}: {train.num_samples} training images, MLP {in_features}-512-64-10")
    with open(folder / "compare_optimizers.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["optimizer", "epoch", "train_loss", "train_accuracy", "val_accuracy"])
        for name, history in histories.items():
            for record in history.epochs:
                writer.writerow([name, record["epoch"], f"{record['train_loss']:.5f}",
                                 f"{record['train_accuracy']:.5f}", f"{record['val_accuracy']:.5f}"])
    print(f"wrote {folder}")
    return 0


def plot_comparison(histories: dict, path: Path, title: str) -> None:
    """The notebook's figure: loss per iteration (a running mean, so five curves stay readable),
    then train and val accuracy per epoch."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(9, 11), dpi=90)
    FigureCanvasAgg(figure)
    loss_axes, train_axes, val_axes = figure.subplots(3, 1)
    for name, history in histories.items():
        losses = np.asarray(history.iteration_loss)
        window = max(1, len(losses) // 100)
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        loss_axes.plot(np.arange(window, len(losses) + 1), smooth, label=name, linewidth=1)
        train_axes.plot(history.epoch, history.train_accuracy, "-o", label=name)
        val_axes.plot(history.epoch, history.val_accuracy, "-o", label=name)
    for axes, panel, xlabel in ((loss_axes, "Training loss", "Iteration"),
                                (train_axes, "Training accuracy", "Epoch"),
                                (val_axes, "Validation accuracy", "Epoch")):
        axes.set_title(panel)
        axes.set_xlabel(xlabel)
        axes.grid(alpha=0.3)
        if axes is not loss_axes:
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_axes.set_yscale("log")
    figure.suptitle(title)
    # One legend for the three panels, in a row under the title: it never covers a curve.
    figure.legend(*loss_axes.get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.965),
                  ncol=len(histories), frameon=False)
    figure.tight_layout(rect=(0, 0, 1, 0.95))
    figure.savefig(path)


if __name__ == "__main__":
    sys.exit(main())
