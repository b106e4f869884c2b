"""Batch normalisation against a plain deep net: training loss, training and validation accuracy.

Trains a 5-hidden-layer MLP (100 units each, ReLU; weights N(0, 0.02²) as in the classic
notebook) on 1,000 CIFAR-10 training images with Adam (lr 1e-3, batch 50, 10 epochs), once
without and once with ``BatchNorm1d`` after each hidden Linear, from the same seed. Validation
uses 1,000 other training images. Saves the notebook's three panels (training loss per
iteration, training and validation accuracy per epoch), prints the numbers and the folder it
wrote. About 35 seconds on 2 cores (33 s measured).

    MINITORCH_DATA=/path/to/data python examples/batchnorm_vs_baseline.py
    python examples/batchnorm_vs_baseline.py --dataset digits      # offline, on the embedded digits

Options: --weight-scale S, --epochs N, --train-size N, --val-size N, --batch-size N,
--data-dir DIR, --out DIR (default runs).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

import minitorch_nn as mt  # noqa: E402
from minitorch_nn import optim  # noqa: E402

HIDDEN = [100] * 5


def main(argv=None) -> int:
    parser = _common.parser(__doc__, train_size=1000, epochs=10, batch_size=50)
    parser.add_argument("--weight-scale", type=float, default=2e-2)
    args = parser.parse_args(argv)
    x_train, y_train, x_val, y_val = _common.load_or_exit("batchnorm_vs_baseline.py", args)
    train, val = _common.loaders(x_train, y_train, x_val, y_val, args.batch_size, args.seed)

    histories = {}
    for name, batchnorm in (("baseline", False), ("batchnorm", True)):
        mt.manual_seed(args.seed)
        model = mt.MLP(x_train.shape[1], HIDDEN, 10, batchnorm=batchnorm, weight_scale=args.weight_scale)
        trainer = mt.Trainer(model, mt.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                             quiet=True, log=None)
        history = histories[name] = trainer.fit(train, val, epochs=args.epochs)
        print(f"{name:>9}: final train loss {history.train_loss[-1]:.3f}, train acc {history.train_accuracy[-1]:.1%}, "
              f"val acc {history.val_accuracy[-1]:.1%} (best {max(history.val_accuracy):.1%})")

    folder = _common.run_folder(args.out, "batchnorm_vs_baseline")
    plot(histories, folder / "batchnorm_vs_baseline.png",
         f"{args.dataset}: {len(x_train)} training images, MLP {x_train.shape[1]}-{'-'.join(map(str, HIDDEN))}-10, "
         f"weight scale {args.weight_scale:g}")
    print(f"wrote {folder}")
    return 0


def plot(histories: dict, path: Path, title: str) -> None:
    figure = _common.figure(8, 11)
    loss_axes, train_axes, val_axes = figure.subplots(3, 1)
    for name, history in histories.items():
        loss_axes.plot(np.arange(1, len(history.iteration_loss) + 1), history.iteration_loss, "o",
                       markersize=2, alpha=0.6, label=name)
        train_axes.plot(history.epoch, history.train_accuracy, "-o", label=name)
        val_axes.plot(history.epoch, history.val_accuracy, "-o", label=name)
    _common.finish_axes(loss_axes, "Training loss", "Iteration")
    _common.finish_axes(train_axes, "Training accuracy", "Epoch")
    _common.finish_axes(val_axes, "Validation accuracy", "Epoch")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path)


if __name__ == "__main__":
    sys.exit(main())
