"""Overfitting a small data set: a three-layer and a five-layer net reach 100% training accuracy on 50 images.

The classic sanity check: a net that cannot memorise 50 CIFAR-10 training images in 20 epochs
(batch 25, plain SGD) has a bug or a bad initialisation. For each net (hidden [100, 100] and
[100] * 4, ReLU) the script runs the small grid weight scale {1e-2, 5e-2, 1e-1} x learning
rate {1e-3, 1e-2, 1e-1}, measures the final training accuracy in eval mode, prints the grid,
keeps the setting that reaches 100% with the lowest final loss, and plots the training loss of
the chosen settings. Prints the folder it wrote. About 30 seconds on 2 cores (29 s measured).

    MINITORCH_DATA=/path/to/data python examples/overfit_small_data.py
    python examples/overfit_small_data.py --dataset digits      # offline, on the embedded digits

Options: --epochs N, --train-size N, --batch-size N, --data-dir DIR, --out DIR (default runs).
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

import minitorch_nn as mt  # noqa: E402
from minitorch_nn import optim  # noqa: E402

NETS = {"three-layer": [100, 100], "five-layer": [100] * 4}
WEIGHT_SCALES = (1e-2, 5e-2, 1e-1)
LEARNING_RATES = (1e-3, 1e-2, 1e-1)


def train(x, y, hidden, weight_scale, lr, args):
    """``(final train accuracy, final train loss, history)`` in eval mode; accuracy 0 and loss inf if it diverged."""
    loader = mt.data.DataLoader((x, y), batch_size=args.batch_size, shuffle=True, seed=args.seed)
    mt.manual_seed(args.seed)
    model = mt.MLP(x.shape[1], hidden, 10, weight_scale=weight_scale)
    loss_fn = mt.CrossEntropyLoss()
    trainer = mt.Trainer(model, loss_fn, optim.SGD(model.parameters(), lr=lr), restore_best=False, quiet=True, log=None)
    try:
        history = trainer.fit(loader, None, epochs=args.epochs)
    except mt.TrainingDiverged:
        return 0.0, np.inf, trainer.history
    loss, accuracy = mt.evaluate(model, mt.data.DataLoader((x, y), batch_size=1000), loss_fn)
    return accuracy, loss, history


def main(argv=None) -> int:
    parser = _common.parser(__doc__, train_size=50, val_size=0, epochs=20, batch_size=25)
    args = parser.parse_args(argv)
    x, y, _, _ = _common.load_or_exit("overfit_small_data.py", args)

    chosen = {}
    for name, hidden in NETS.items():
        print(f"{name} net, hidden {hidden}: final training accuracy (loss) after {args.epochs} epochs")
        print(f"{'scale / lr':>12}" + "".join(f"{lr:>16g}" for lr in LEARNING_RATES))
        results = {}
        for scale in WEIGHT_SCALES:
            row = f"{scale:>12g}"
            for lr in LEARNING_RATES:
                accuracy, loss, history = results[scale, lr] = train(x, y, hidden, scale, lr, args)
                row += f"{accuracy:>8.0%} ({loss:5.3f})" if np.isfinite(loss) else f"{'diverged':>16}"
            print(row)
        perfect = [key for key in itertools.product(WEIGHT_SCALES, LEARNING_RATES) if results[key][0] == 1.0]
        key = min(perfect or results, key=lambda k: (-results[k][0], results[k][1]))
        chosen[name] = (key, results[key])
        print(f"  chosen: weight scale {key[0]:g}, lr {key[1]:g} -> training accuracy {results[key][0]:.0%}, "
              f"loss {results[key][1]:.4f} ({len(perfect)}/{len(results)} settings reach 100%)")

    folder = _common.run_folder(args.out, "overfit_small_data")
    plot(chosen, folder / "overfit_small_data.png", f"{args.dataset}: overfitting {len(x)} training images, SGD")
    print(f"wrote {folder}")
    return 0


def plot(chosen: dict, path: Path, title: str) -> None:
    figure = _common.figure(8, 5)
    axes = figure.subplots()
    for name, ((scale, lr), (accuracy, _, history)) in chosen.items():
        axes.plot(np.arange(1, len(history.iteration_loss) + 1), history.iteration_loss, "-o", markersize=3,
                  label=f"{name}: weight scale {scale:g}, lr {lr:g} (train acc {accuracy:.0%})")
    _common.finish_axes(axes, "Training loss history", "Iteration", "Training loss")
    axes.set_yscale("log")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path)


if __name__ == "__main__":
    sys.exit(main())
