"""The classic TwoLayerNet on CIFAR-10: 3072-100-10 with SGD and a per-epoch learning-rate decay.

``mt.MLP(3072, [100], 10)`` trained as the course's Solver does and as
``configs/cifar10_twolayer.toml`` does: the 49,000 / 1,000 train / validation split of the
CIFAR-10 training set, pixels scaled to [0, 1] with each colour channel's mean subtracted (no
division by the std, so lr 0.1 suits), random horizontal flips, SGD lr 0.1 decayed by 0.95
per epoch (``ExponentialLR``), batch 100, 10 epochs; the weights of the best validation epoch
are kept and scored on the 10,000 test images. Saves the loss and accuracy curves, prints the
per-epoch numbers and the folder it wrote. About 2 minutes on 2 cores (123 s measured; 5 s per epoch on idle cores).

    MINITORCH_DATA=/path/to/data python examples/two_layer_net.py
    python examples/two_layer_net.py --dataset digits      # offline, on the embedded digits

Options: --lr LR, --epochs N, --train-size N, --val-size N, --batch-size N, --data-dir DIR,
--out DIR (default runs).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

import minitorch_nn as mt  # noqa: E402
from minitorch_nn import optim  # noqa: E402
from minitorch_nn.data import Compose, DataLoader, DatasetError, Flatten, Normalize, RandomHorizontalFlip, Subset, ToFloat  # noqa: E402
from minitorch_nn.optim.lr_scheduler import ExponentialLR  # noqa: E402
from minitorch_nn.data import channel_stats
from minitorch_nn.run.datasets import load_splits  # noqa: E402


def make_loaders(args):
    """Train / validation / test loaders over the uint8 images (49,000 float copies would take 600 MB)."""
    train_set, test_set = load_splits(args.dataset, args.data_dir, download=False)
    order = np.random.default_rng(args.seed).permutation(len(train_set))
    val_size = min(args.val_size, len(train_set) // 5)
    train_idx, val_idx = order[:len(train_set) - val_size][:args.train_size], order[len(train_set) - val_size:]
    mean, _ = channel_stats(train_set.data, train_idx)
    mean = mean if len(mean) > 1 else mean[0]  # per channel (CIFAR) or one value (grayscale digits)
    center = [ToFloat(), Normalize(mean, 1.0 if np.ndim(mean) == 0 else [1.0] * len(mean)), Flatten()]
    train = DataLoader(Subset(train_set, train_idx), batch_size=args.batch_size, shuffle=True, seed=args.seed,
                       transform=Compose([RandomHorizontalFlip()] + center))
    val = DataLoader(Subset(train_set, val_idx), batch_size=1000, transform=Compose(center))
    test = DataLoader(test_set, batch_size=1000, transform=Compose(center))
    return train, val, test, int(np.prod(train_set.data.shape[1:]))


def main(argv=None) -> int:
    parser = _common.parser(__doc__, train_size=49_000, epochs=10, batch_size=100)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args(argv)
    try:
        train, val, test, in_features = make_loaders(args)
    except DatasetError as error:
        print(f"two_layer_net.py: {error}\n(set MINITORCH_DATA, or use --dataset digits to run offline)", file=sys.stderr)
        return 1

    mt.manual_seed(args.seed)
    model = mt.MLP(in_features, [100], 10)
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    trainer = mt.Trainer(model, mt.CrossEntropyLoss(), optimizer, ExponentialLR(optimizer, gamma=0.95), quiet=True,
                         log=lambda line: print(line, flush=True))
    start = time.perf_counter()
    history = trainer.fit(train, val, epochs=args.epochs)
    _, test_accuracy = mt.evaluate(model, test, mt.CrossEntropyLoss())
    print(f"best val acc {trainer.best_val_accuracy:.1%} (epoch {trainer.best_epoch}), final train acc "
          f"{history.train_accuracy[-1]:.1%}, test acc {test_accuracy:.1%} ({time.perf_counter() - start:.0f} s)")

    folder = _common.run_folder(args.out, "two_layer_net")
    mt.plot.training_curves(history, folder / "two_layer_net.png",
                            f"{args.dataset}: TwoLayerNet {in_features}-100-10, {train.num_samples} training images, "
                            f"SGD lr {args.lr:g} x 0.95/epoch")
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
