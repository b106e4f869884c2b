"""Epoch time of ``mpiexec -n 2 python train.py`` (one BLAS thread per rank) against one process
with two BLAS threads, same config and global batch; prints one Markdown table row per config.

    python benchmarks/data_parallel.py --config configs/mnist_mlp.toml --epochs 20 --runs 2 [-- EXTRA FLAGS]
    python benchmarks/data_parallel.py ... --ways 1x2,2x1,1x1      (adds one process with one thread)
    mpiexec -n 2 python benchmarks/data_parallel.py --costs configs/mnist_mlp.toml configs/cifar10_cnn.toml

The two ways alternate (one, two, one, two …) so that a change in the machine's load touches
both alike. Each run's epoch time is the median of its epochs' ``seconds`` in ``metrics.csv``
(training and validation); the row gives the mean over runs and the test accuracy of each run.
Needs the ``mpi`` extra (``pip install -e ".[mpi]"``) and the data sets under ``$MINITORCH_DATA``.

``--costs`` times one training step (forward, backward, optimiser) of each config's model on
random data, the fastest of repeated timings (on a shared machine the slower ones measure its
load): run as is, one process on the global batch with every BLAS thread; under
``mpiexec -n 2``, each rank on its half with one thread, plus one ``all_reduce_gradients`` of the
model's gradients (shared memory). These are the terms of the scaling estimate in
docs/DISTRIBUTED.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


WAYS = {  # name: (processes, environment)
    "1x2": (1, {}),                                          # one process, BLAS on every core (two here)
    "2x1": (2, {}),                                          # mpiexec -n 2: one BLAS thread per rank
    "1x1": (1, {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}),  # for reference: one core idle
}


def run(way: str, config: str, epochs: int, extra: list[str], out: Path) -> dict:
    processes, environment = WAYS[way]
    command = [sys.executable, "train.py", "--quiet", "--config", config, "--epochs", str(epochs), "--out", str(out),
               *extra]
    if processes > 1:
        mpiexec = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or "mpiexec"
        command = [mpiexec, "-n", str(processes)] + command
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "MPLBACKEND": "Agg", **environment})
    (folder,) = out.iterdir()
    with open(folder / "metrics.csv", encoding="utf-8") as file:
        seconds = [float(row["seconds"]) for row in csv.DictReader(file)]
    summary = json.loads((folder / "summary.json").read_text())
    return {"epoch_seconds": statistics.median(seconds), "test_accuracy": summary["test_accuracy"],
            "parameters": summary["parameters"], "world_size": summary["world_size"]}


def best_seconds(step, repeats: int) -> float:
    """The fastest of ``repeats`` timings: on a shared machine the others measure its load."""
    step()  # warm-up: first-call allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def costs(configs: list[str]) -> None:
    """One training step per config, fastest of repeats: in one process on the global batch with
    the default BLAS threads, or (under mpiexec) on this rank's share with one thread, then the
    allreduce of its gradients. Rank 0 prints a Markdown row."""
    import minitorch_nn as mt
    from minitorch_nn import distributed
    from minitorch_nn.run.config import read_toml, resolve_config
    from minitorch_nn.run.model_kinds import MODEL_KINDS, build_model
    from minitorch_nn.run.optimizers import build_optimizer

    ranks = distributed.world_size()
    if ranks > 1:
        distributed.limit_blas_threads(1)
    from threadpoolctl import threadpool_info
    threads = max((info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"), default=1)
    for path in configs:
        config = resolve_config(read_toml(path))
        shape = (3, 32, 32) if config["data"]["dataset"] == "cifar10" else (1, 28, 28)
        mt.manual_seed(0)
        model = build_model(config["model"], shape, 10)
        distributed.broadcast_parameters(model)
        optimizer = build_optimizer(model.parameters(), config["optim"])
        loss_fn = mt.CrossEntropyLoss()
        share = config["data"]["batch_size"] // ranks
        flat = MODEL_KINDS[config["model"]["kind"]].flatten_input
        x = np.random.default_rng(0).standard_normal((share, int(np.prod(shape))) if flat else (share,) + shape)
        x = x.astype(np.float32)
        y = np.arange(share) % 10

        def step():
            model.zero_grad()
            loss_fn(model(x), y)
            model.backward_without_input_grad(loss_fn.backward())
            optimizer.step()

        repeats = 50 if flat else 5
        compute = best_seconds(step, repeats)
        allreduce = best_seconds(lambda: distributed.all_reduce_gradients(model.parameters(), share), 50) \
            if ranks > 1 else 0.0
        parameters = sum(p.size for p in model.parameters())
        if distributed.is_main():
            print(f"| {Path(path).stem} | {ranks}x{threads} | {parameters:,} ({parameters * 4 / 1e6:.2f} MB) "
                  f"| {share} | {compute * 1e3:.1f} ms | {compute / share * 1e6:.0f} µs "
                  f"| {allreduce * 1e3:.2f} ms | {(compute + allreduce) * 1e3:.1f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--runs", type=int, default=1, help="runs of each way")
    parser.add_argument("--ways", default="1x2,2x1", help="processes x threads, of " + ", ".join(WAYS))
    parser.add_argument("--costs", nargs="+", metavar="CONFIG", help="measure the scaling terms instead")
    parser.add_argument("extra", nargs="*", help="more train.py flags (after --)")
    args = parser.parse_args()
    if args.costs:
        return costs(args.costs)
    if not args.config or not args.epochs:
        parser.error("give --config and --epochs (or --costs)")
    ways = args.ways.split(",")
    results: dict[str, list[dict]] = {way: [] for way in ways}
    with tempfile.TemporaryDirectory() as scratch:
        for index in range(args.runs):
            for way in ways:
                results[way].append(run(way, args.config, args.epochs, args.extra, Path(scratch) / f"{way}-{index}"))
                print(f"# {way}, run {index + 1}: {results[way][-1]} (load {os.getloadavg()[0]:.1f})",
                      file=sys.stderr)
    seconds = {way: statistics.mean(r["epoch_seconds"] for r in results[way]) for way in ways}
    cells = [f"{seconds[way]:.2f} s" for way in ways]
    if "1x2" in seconds and "2x1" in seconds:
        cells.append(f"{seconds['1x2'] / seconds['2x1']:.2f}x")
    cells += [", ".join(f"{r['test_accuracy']:.2%}" for r in results[way]) for way in ways]
    print(f"| {Path(args.config).stem} {' '.join(args.extra)} | {args.epochs} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
