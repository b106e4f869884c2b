"""Batch normalisation and weight initialisation: how sensitive is a deep net to the weight scale, with and without BatchNorm?

Trains a 6-hidden-layer MLP (50 units each, ReLU) on 1,000 CIFAR-10 training images with Adam
(lr 1e-3, batch 50, 10 epochs) for 20 weight scales ``np.logspace(-4, 0, 20)`` (every Linear
weight drawn from N(0, scale²), as in the classic notebook), once without and once with
``BatchNorm1d`` after each hidden Linear: 40 trainings, run in parallel over all CPU cores.
Validation uses 1,000 other training images. Saves the notebook's three panels (best
validation accuracy, best training accuracy and final training loss against the weight scale)
and a CSV, prints the numbers and the folder it wrote. About 20 seconds on 2 cores (19-23 s measured).

    MINITORCH_DATA=/path/to/data python examples/batchnorm_weight_scale.py
    python examples/batchnorm_weight_scale.py --dataset digits      # offline, on the embedded digits

Options: --scales N (how many weight scales), --workers N (default: all cores), --epochs N,
--train-size N, --val-size N, --batch-size N, --data-dir DIR, --out DIR (default runs).
"""
from __future__ import annotations

import concurrent.futures
import csv
import multiprocessing
import os
import sys
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

import minitorch_nn as mt  # noqa: E402
from minitorch_nn import optim  # noqa: E402

HIDDEN = [50] * 6
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_DATA = None  # each worker's copy of (x_train, y_train, x_val, y_val), set by _init_worker


def parse_args(argv=None):
    parser = _common.parser(__doc__, train_size=1000, epochs=10, batch_size=50)
    parser.add_argument("--scales", type=int, default=20, help="weight scales, log-spaced over [1e-4, 1]")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    return parser.parse_args(argv)


def _init_worker(data) -> None:
    global _DATA
    _DATA = data


def train_one(weight_scale: float, batchnorm: bool, epochs: int, batch_size: int, seed: int) -> dict:
    """One training in a worker; returns the numbers behind the three panels."""
    x_train, y_train, x_val, y_val = _DATA
    train, val = _common.loaders(x_train, y_train, x_val, y_val, batch_size, seed)
    mt.manual_seed(seed)
    model = mt.MLP(x_train.shape[1], HIDDEN, 10, batchnorm=batchnorm, weight_scale=weight_scale)
    trainer = mt.Trainer(model, mt.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3), quiet=True, log=None)
    try:
        history = trainer.fit(train, val, epochs=epochs)
    except mt.TrainingDiverged:  # a huge scale can overflow: report it as chance level
        return dict(scale=weight_scale, batchnorm=batchnorm, best_val=0.1, best_train=0.1, final_loss=np.nan)
    return dict(scale=weight_scale, batchnorm=batchnorm, best_val=max(history.val_accuracy),
                best_train=max(history.train_accuracy), final_loss=history.train_loss[-1])


def run_all(data, scales, args) -> list[dict]:
    """All trainings in a process pool. The workers are spawned with one BLAS thread each (the
    variables must be set before numpy is imported, hence spawn, not fork), so N workers use N cores
    instead of fighting over them."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: "1" for name in THREAD_VARIABLES})
    results = []
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=args.workers, initializer=_init_worker, initargs=(data,),
                                                    mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(train_one, float(scale), batchnorm, args.epochs, args.batch_size, args.seed)
                       for batchnorm in (False, True) for scale in scales]
            with tqdm(total=len(futures), desc="trainings", unit="run", file=sys.stderr) as bar:
                for future in concurrent.futures.as_completed(futures):
                    results.append(future.result())
                    bar.update(1)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return sorted(results, key=lambda r: (r["batchnorm"], r["scale"]))


def main(argv=None) -> int:
    args = parse_args(argv)
    data = _common.load_or_exit("batchnorm_weight_scale.py", args)
    scales = np.logspace(-4, 0, args.scales)
    results = run_all(data, scales, args)

    print(f"{'weight scale':>12} | {'baseline: val  train   loss':>28} | {'batchnorm: val  train   loss':>29}")
    by_kind = {kind: [r for r in results if r["batchnorm"] == kind] for kind in (False, True)}
    for base, norm in zip(by_kind[False], by_kind[True]):
        print(f"{base['scale']:12.2e} | {base['best_val']:13.1%} {base['best_train']:6.1%} {base['final_loss']:6.3f} "
              f"| {norm['best_val']:14.1%} {norm['best_train']:6.1%} {norm['final_loss']:6.3f}")
    for kind, name in ((False, "baseline"), (True, "batchnorm")):
        good = [r["scale"] for r in by_kind[kind] if r["best_val"] >= 0.25]
        span = f"{min(good):.1e} .. {max(good):.1e}" if good else "none"
        print(f"{name:>9}: {len(good)}/{len(scales)} scales reach 25% val accuracy ({span}), "
              f"best {max(r['best_val'] for r in by_kind[kind]):.1%}")

    folder = _common.run_folder(args.out, "batchnorm_weight_scale")
    plot(by_kind, folder / "batchnorm_weight_scale.png",
         f"{args.dataset}: {len(data[0])} training images, MLP {data[0].shape[1]}-{'-'.join(map(str, HIDDEN))}-10, Adam")
    with open(folder / "batchnorm_weight_scale.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["weight_scale", "batchnorm", "best_val_accuracy", "best_train_accuracy", "final_train_loss"])
        for r in results:
            writer.writerow([f"{r['scale']:.4e}", int(r["batchnorm"]), f"{r['best_val']:.4f}",
                             f"{r['best_train']:.4f}", f"{r['final_loss']:.5f}"])
    print(f"wrote {folder}")
    return 0


def plot(by_kind: dict, path: Path, title: str) -> None:
    figure = _common.figure(8, 11)
    panels = (("best_val", "Best validation accuracy"), ("best_train", "Best training accuracy"),
              ("final_loss", "Final training loss"))
    for axes, (key, panel) in zip(figure.subplots(3, 1), panels):
        for kind, label in ((False, "baseline"), (True, "batchnorm")):
            axes.semilogx([r["scale"] for r in by_kind[kind]], [r[key] for r in by_kind[kind]], "-o", label=label)
        _common.finish_axes(axes, f"{panel} vs weight initialization scale", "Weight initialization scale")
        if key == "final_loss":  # a diverging baseline reaches losses of 1e4 and more
            axes.set_yscale("log")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path)


if __name__ == "__main__":
    sys.exit(main())
