"""Benchmark: how fast the data sets load and how fast a shuffled MNIST epoch is served.

Measures (median of ``repeats`` runs each):
  * loading MNIST train (60,000 images from the gzipped IDX files);
  * loading CIFAR-10 train (50,000 images from the five pickle batches);
  * one shuffled epoch of MNIST train through ``DataLoader`` with ``Compose([ToFloat(), Flatten()])``
    at batch size 64 and at batch size 128.

Usage::

    python benchmarks/data_loading.py [ROOT] [--repeats 5]

ROOT defaults to ``$MINITORCH_DATA`` (else ``~/.cache/minitorch_nn``); nothing is downloaded.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Callable

from minitorch_nn.data import CIFAR10, MNIST, Compose, DataLoader, Flatten, ToFloat, resolve_root


def _time(function: Callable[[], object], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls of ``function``."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return seconds


def _record(name: str, seconds: list[float], items: int) -> dict:
    median = statistics.median(seconds)
    return {"name": name, "median_s": median, "min_s": min(seconds), "repeats": len(seconds),
            "items": items, "items_per_s": items / median if median > 0 else float("inf")}


def run(root: str | os.PathLike | None = None, repeats: int = 5) -> list[dict]:
    """Run the benchmark on the data under ``root``; one dict per measurement.

    Each dict has ``name``, ``median_s``, ``min_s``, ``repeats``, ``items`` and ``items_per_s``.
    """
    root = resolve_root(root)
    results = []
    mnist = MNIST(root, train=True, download=False)  # also warms the file cache before timing
    results.append(_record("load MNIST train", _time(lambda: MNIST(root, train=True, download=False), repeats),
                           len(mnist)))
    cifar_size = len(CIFAR10(root, train=True, download=False))
    results.append(_record("load CIFAR-10 train", _time(lambda: CIFAR10(root, train=True, download=False), repeats),
                           cifar_size))
    for batch_size in (64, 128):
        loader = DataLoader(mnist, batch_size=batch_size, shuffle=True, seed=0,
                            transform=Compose([ToFloat(), Flatten()]))
        seconds = _time(lambda: [None for _ in loader], repeats)
        results.append(_record(f"MNIST epoch, shuffled, ToFloat+Flatten, batch {batch_size}", seconds, len(mnist)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=None, help="data root (default: $MINITORCH_DATA)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per measurement (median reported)")
    args = parser.parse_args()
    print(f"data root: {resolve_root(args.root)}")
    for result in run(args.root, repeats=args.repeats):
        print(f"{result['name']:<52} median {result['median_s'] * 1000:8.1f} ms   "
              f"min {result['min_s'] * 1000:8.1f} ms   ({result['items_per_s']:,.0f} images/s)")


if __name__ == "__main__":
    main()
