"""Time one training step of ThreeLayerConvNet on CIFAR-shaped data, minitorch_nn vs PyTorch CPU.

    python benchmarks/cnn_step.py [--batch-size 64] [--rounds 5]

A step is forward, CrossEntropyLoss, backward and a plain SGD update: ``update="optim"`` uses
``mt.optim.SGD`` / ``torch.optim.SGD``, ``"inline"`` does ``p.data -= lr * p.grad`` on both sides,
``"auto"`` (default) picks optim when minitorch_nn.optim exists. Both networks start from the same
weights; torch runs with 2 threads. Steps are interleaved (minitorch, torch, minitorch, torch, ...)
after one warm-up step each, and the median of ``rounds`` is reported. A short pause follows each
timed step so that the other library's idle BLAS / OpenMP worker threads, which busy-wait for a
while after their last task, have gone to sleep and do not steal the cores being timed.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import minitorch_nn as mt
from minitorch_nn.models import ThreeLayerConvNet

LR = 0.01


def _minitorch_step_fn(model, x, y, update="auto"):
    loss_fn = mt.CrossEntropyLoss()
    optimizer = None
    if update != "inline":
        try:
            from minitorch_nn.optim import SGD
            optimizer = SGD(model.parameters(), lr=LR)
        except ImportError:
            if update == "optim":
                raise
    params = list(model.parameters())

    def step():
        model.zero_grad()
        loss = loss_fn(model(x), y)
        model.backward(loss_fn.backward())
        if optimizer is not None:
            optimizer.step()
        else:
            for p in params:
                p.data -= LR * p.grad
        return loss

    return step, optimizer is not None


def _torch_step_fn(model, x, y, use_optimizer):
    import torch

    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 32, 5, padding=2), torch.nn.ReLU(), torch.nn.Conv2d(32, 16, 3, padding=1),
        torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(16 * 32 * 32, 10))
    with torch.no_grad():
        for ours, theirs in zip(model.parameters(), net.parameters()):
            theirs.copy_(torch.from_numpy(ours.data))
    optimizer = torch.optim.SGD(net.parameters(), lr=LR) if use_optimizer else None
    params = list(net.parameters())

    def step():
        net.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        if optimizer is not None:
            optimizer.step()
        else:
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
        return loss.item()

    return step


def _timed(step, pause: float = 0.0) -> float:
    start = time.perf_counter()
    step()
    elapsed = time.perf_counter() - start
    time.sleep(pause)
    return elapsed


def run(batch_size: int = 64, rounds: int = 5, verbose: bool = True, update: str = "auto",
        pause: float = 0.25) -> dict:
    """Median seconds per training step for both frameworks; ``torch_*`` entries are None
    without torch. ``ratio`` = minitorch seconds / torch seconds (> 1: minitorch is slower)."""
    mt.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch_size, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, batch_size).astype(np.int64)
    model = ThreeLayerConvNet()
    if update not in ("auto", "optim", "inline"):
        raise ValueError(f"run: update must be 'auto', 'optim' or 'inline', got {update!r}")
    ours, used_optim = _minitorch_step_fn(model, x, y, update)
    try:
        import torch
        torch.set_num_threads(2)
        theirs = _torch_step_fn(model, x, y, used_optim)
    except ImportError:
        theirs = None
    ours_times, theirs_times = [], []
    _timed(ours, pause)  # warm-up: first-touch allocations, BLAS/oneDNN initialisation
    if theirs is not None:
        _timed(theirs, pause)
    for _ in range(rounds):
        ours_times.append(_timed(ours, pause))
        if theirs is not None:
            theirs_times.append(_timed(theirs, pause))
    ours_s = statistics.median(ours_times)
    theirs_s = statistics.median(theirs_times) if theirs_times else None
    result = {
        "batch_size": batch_size, "rounds": rounds, "update": "optim.SGD" if used_optim else "inline",
        "minitorch_s": ours_s, "minitorch_images_per_s": batch_size / ours_s,
        "torch_s": theirs_s, "torch_images_per_s": batch_size / theirs_s if theirs_s else None,
        "ratio": ours_s / theirs_s if theirs_s else None,
    }
    if verbose:
        print(f"ThreeLayerConvNet training step, batch {batch_size}, median of {rounds} ({result['update']} update)")
        print(f"  minitorch_nn: {ours_s * 1e3:8.1f} ms/step  {result['minitorch_images_per_s']:8.0f} images/s")
        if theirs_s:
            print(f"  torch (2 thr): {theirs_s * 1e3:7.1f} ms/step  {result['torch_images_per_s']:8.0f} images/s")
            print(f"  ratio (minitorch time / torch time): {result['ratio']:.2f}")
        else:
            print("  torch not installed: no comparison")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--update", choices=("auto", "optim", "inline"), default="auto")
    parser.add_argument("--pause", type=float, default=0.25, help="seconds of rest after each timed step")
    args = parser.parse_args()
    run(args.batch_size, args.rounds, update=args.update, pause=args.pause)
