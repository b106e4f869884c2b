"""Dropout as a regulariser: the same net on a small training set with dropout 0, 0.25 and 0.6.

Trains an MLP with hidden layers [100, 100, 100] (ReLU, then Dropout(p) after each) on 500
CIFAR-10 training images with Adam (lr 5e-4, batch 100, 25 epochs), from the same seed for
each p; validation uses 1,000 other training images. The training accuracy is measured after
each epoch in eval mode (dropout off), so the nets are compared on equal terms. Saves the
training and validation accuracy curves, prints the final numbers and the train/val gap per
dropout and the folder it wrote. About 50 seconds on 2 cores (48 s measured).

    MINITORCH_DATA=/path/to/data python examples/dropout_regularization.py
    python examples/dropout_regularization.py --dataset digits      # offline, on the embedded digits

Options: --epochs N, --train-size N, --val-size N, --batch-size N, --data-dir DIR, --out DIR (default runs).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

import minitorch_nn as mt  # noqa: E402
from minitorch_nn import optim  # noqa: E402

HIDDEN = [100, 100, 100]
DROPOUTS = (0.0, 0.25, 0.6)


def main(argv=None) -> int:
    args = _common.parser(__doc__, train_size=500, epochs=25, batch_size=100).parse_args(argv)
    x_train, y_train, x_val, y_val = _common.load_or_exit("dropout_regularization.py", args)
    train, val = _common.loaders(x_train, y_train, x_val, y_val, args.batch_size, args.seed)
    train_eval = mt.data.DataLoader((x_train, y_train), batch_size=1000)

    curves = {}
    for p in DROPOUTS:
        mt.manual_seed(args.seed)
        model = mt.MLP(x_train.shape[1], HIDDEN, 10, dropout=p)
        train_accuracy = []  # eval mode after each epoch: dropout off, as the validation accuracy
        trainer = mt.Trainer(model, mt.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=5e-4),
                             restore_best=False, quiet=True, log=None,
                             on_epoch_end=lambda trainer, record: train_accuracy.append(
                                 mt.evaluate(trainer.model, train_eval)[1]))
        history = trainer.fit(train, val, epochs=args.epochs)
        curves[p] = (history.epoch, train_accuracy, history.val_accuracy)
        print(f"dropout {p:4.2f}: final train acc {train_accuracy[-1]:.1%}, val acc {history.val_accuracy[-1]:.1%} "
              f"(gap {train_accuracy[-1] - history.val_accuracy[-1]:.1%}), best val {max(history.val_accuracy):.1%}")

    folder = _common.run_folder(args.out, "dropout_regularization")
    plot(curves, folder / "dropout_regularization.png",
         f"{args.dataset}: {len(x_train)} training images, MLP {x_train.shape[1]}-{'-'.join(map(str, HIDDEN))}-10, Adam")
    print(f"wrote {folder}")
    return 0


def plot(curves: dict, path: Path, title: str) -> None:
    figure = _common.figure(8, 8)
    train_axes, val_axes = figure.subplots(2, 1)
    for p, (epochs, train_accuracy, val_accuracy) in curves.items():
        train_axes.plot(epochs, train_accuracy, "-o", markersize=3, label=f"{p:.2f} dropout")
        val_axes.plot(epochs, val_accuracy, "-o", markersize=3, label=f"{p:.2f} dropout")
    _common.finish_axes(train_axes, "Training accuracy (eval mode)", "Epoch", "Accuracy")
    _common.finish_axes(val_axes, "Validation accuracy", "Epoch", "Accuracy")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path)


if __name__ == "__main__":
    sys.exit(main())
