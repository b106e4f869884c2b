"""One training step of the MNIST MLP with 1 and with 2 BLAS threads, to see which is faster here.

    python benchmarks/threads.py [--rounds 10] [--steps 20] [--batch-size 128]

Builds ``mt.MLP(784, [512, 64], 10)`` with Adam, then times ``zero_grad`` + forward + loss +
backward + ``step`` on one random batch under ``threadpool_limits(1)`` and ``threadpool_limits(2)``
(OpenBLAS, numpy's matrix products), alternating in rounds of ``--steps`` steps so that both see
the same machine load, and prints the median and the 10th / 90th percentiles of each. On an idle
machine two threads win; when other work keeps the cores busy, one thread usually does (see
docs/speed.md, "Threads").
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

import minitorch_nn as mt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=20, help="steps per round and thread count")
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)

    mt.manual_seed(0)
    model = mt.MLP(784, [512, 64], 10)
    loss_fn = mt.CrossEntropyLoss()
    optimizer = mt.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = rng.random((args.batch_size, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.batch_size)

    def step() -> None:
        model.zero_grad()
        loss_fn(model(x), y)
        model.backward_without_input_grad(loss_fn.backward())
        optimizer.step()

    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for threads in times:
            with threadpool_limits(threads, user_api="blas"):
                step()  # the first step after a change of pool size is not timed
                for _ in range(args.steps):
                    start = time.perf_counter()
                    step()
                    times[threads].append(time.perf_counter() - start)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"MLP 784-512-64-10, Adam, batch {args.batch_size}; load average {load:.1f}; "
          f"{args.rounds} rounds of {args.steps} steps")
    for threads, measured in times.items():
        cuts = statistics.quantiles(measured, n=10) if len(measured) > 1 else measured * 9
        print(f"{threads} thread{'s' if threads > 1 else ''}: median {statistics.median(measured) * 1e3:.1f} ms, "
              f"p10 {cuts[0] * 1e3:.1f} ms, p90 {cuts[-1] * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
