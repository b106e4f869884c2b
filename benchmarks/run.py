"""minitorch_nn side by side with PyTorch CPU, in one process.

    python benchmarks/run.py [--rounds 7] [--quick] [--only NAME ...] [--out benchmarks/results]

Every case is timed interleaved (minitorch_nn, PyTorch, minitorch_nn, PyTorch, …) after a
warm-up, and the median of the rounds is reported, so both frameworks see the same machine
load. PyTorch runs with ``torch.set_num_threads`` = the cores numpy's BLAS uses. Without
PyTorch installed (``pip install -e ".[bench]"`` adds it) minitorch_nn's figures are printed
alone.

The *FLOP limit* of a training step is the matrix-multiply work it needs (forward
``2·B·P``, weight gradients ``2·B·P``, input gradients ``2·B·P`` for every layer but the
first, whose input is data) divided by the float32 GEMM rate this script measures first.
"images/s" counts training or inference samples per second; "ratio" is PyTorch's time over
minitorch_nn's (above 1: minitorch_nn is faster).

Results are printed and written as ``latest.md`` and ``latest.json`` under ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import minitorch_nn as mt  # noqa: E402
from minitorch_nn import optim  # noqa: E402

try:
    import torch
except ImportError:  # the figures for minitorch_nn alone
    torch = None

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
MNIST_MLP = (784, [512, 64], 10)
CIFAR_FC = (3072, [600] * 4, 10)
PAUSE_S = 0.3


# ---------------------------------------------------------------- timing
def interleaved(candidates: dict, rounds: int, round_seconds: float = 0.5) -> dict[str, float]:
    """Median seconds per call of each candidate, timing them in turn, round after round.

    Each round repeats a candidate for about ``round_seconds`` (sized from its warm-up), so
    thread wake-up after the pause is a negligible part of the time.
    """
    repeats = {}
    for name, run in candidates.items():  # warm-up: buffers, BLAS threads, caches
        for _ in range(3):
            run()
        start = time.perf_counter()
        run()
        repeats[name] = max(3, int(round_seconds / max(time.perf_counter() - start, 1e-6)))
    samples = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, run in candidates.items():
            # Idle BLAS/OpenMP threads spin for a while after their last task; let the other
            # framework's threads fall asleep so they do not steal the cores being timed.
            time.sleep(PAUSE_S)
            start = time.perf_counter()
            for _ in range(repeats[name]):
                run()
            samples[name].append((time.perf_counter() - start) / repeats[name])
    return {name: statistics.median(values) for name, values in samples.items()}


def gemm_rates(rounds: int) -> dict[str, float]:
    """float32 GEMM GFLOP/s on the first layer's shapes at batch 256 and 1000 (median), for
    numpy's BLAS and, when installed, PyTorch's: the FLOP limit uses numpy's rate at batch 256."""
    rates = {}
    for batch in (256, 1000):
        rng = np.random.default_rng(0)
        a = rng.random((batch, 784), dtype=np.float32)
        b = rng.random((784, 512), dtype=np.float32)
        candidates = {"numpy": lambda: a @ b}
        if torch is not None:
            a_t, b_t = torch.from_numpy(a), torch.from_numpy(b)
            candidates["pytorch"] = lambda: a_t @ b_t
        for framework, seconds in interleaved(candidates, rounds, 0.2).items():
            rates[f"{framework}_{batch}"] = 2 * batch * 784 * 512 / seconds / 1e9
    return rates


def step_flops(sizes: list[int], batch: int) -> float:
    """Matrix-multiply FLOPs of one training step of an MLP with layer ``sizes``."""
    weights = [fan_in * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    return 2 * batch * (2 * sum(weights) + sum(weights[1:]))


# ---------------------------------------------------------------- the two frameworks
def train_step(model, loss_fn, optimizer, x, y) -> float:
    """One minitorch_nn training step, as the Trainer runs it."""
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    model.backward_without_input_grad(loss_fn.backward())
    optimizer.step()
    return loss


def minitorch_mlp(spec, batchnorm=False, dropout=0.0):
    in_features, hidden, out_features = spec
    return mt.MLP(in_features, hidden, out_features, batchnorm=batchnorm, dropout=dropout)


def torch_mlp(spec, batchnorm=False, dropout=0.0):
    in_features, hidden, out_features = spec
    layers, sizes = [], [in_features] + hidden
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if batchnorm:
            layers.append(torch.nn.BatchNorm1d(fan_out))
        layers.append(torch.nn.ReLU())
        if dropout:
            layers.append(torch.nn.Dropout(dropout))
    layers.append(torch.nn.Linear(sizes[-1], out_features))
    return torch.nn.Sequential(*layers)


def make_optimizer(framework, name: str, params):
    library = optim if framework == "minitorch_nn" else torch.optim
    if name == "sgd":
        return library.SGD(params, lr=0.01)
    if name == "momentum":
        return library.SGD(params, lr=0.01, momentum=0.9)
    return library.Adam(params, lr=1e-3)


def training_steps(spec, batch: int, optimizer_name: str, batchnorm=False, dropout=0.0, n_batches=8):
    """One callable per framework, each running one training step on the next batch."""
    rng = np.random.default_rng(0)
    X = rng.random((n_batches * batch, spec[0]), dtype=np.float32)
    y = rng.integers(0, spec[2], n_batches * batch)
    batches = [(X[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]) for i in range(n_batches)]

    model = minitorch_mlp(spec, batchnorm, dropout)
    loss_fn = mt.CrossEntropyLoss()
    optimizer = make_optimizer("minitorch_nn", optimizer_name, model.parameters())
    counter = {"mt": 0, "torch": 0}

    def minitorch_step():
        x_batch, y_batch = batches[counter["mt"] % n_batches]
        counter["mt"] += 1
        train_step(model, loss_fn, optimizer, x_batch, y_batch)

    steps = {"minitorch_nn": minitorch_step}
    if torch is not None:
        torch_model = torch_mlp(spec, batchnorm, dropout)
        torch_loss = torch.nn.CrossEntropyLoss()
        torch_optimizer = make_optimizer("torch", optimizer_name, torch_model.parameters())
        torch_batches = [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in batches]

        def torch_step():
            x_batch, y_batch = torch_batches[counter["torch"] % n_batches]
            counter["torch"] += 1
            torch_optimizer.zero_grad()
            torch_loss(torch_model(x_batch), y_batch).backward()
            torch_optimizer.step()

        steps["pytorch"] = torch_step
    return steps


def inference_steps(spec, batch: int):
    x = np.random.default_rng(0).random((batch, spec[0]), dtype=np.float32)
    model = minitorch_mlp(spec).eval()
    steps = {"minitorch_nn": lambda: model(x)}
    if torch is not None:
        torch_model = torch_mlp(spec).eval()
        x_t = torch.from_numpy(x)

        def torch_inference():
            with torch.no_grad():
                torch_model(x_t)

        steps["pytorch"] = torch_inference
    return steps


# ---------------------------------------------------------------- the suite
def row(name: str, batch: int, seconds: dict, flops: float | None, gflops: float) -> dict:
    result = {"case": name, "batch": batch}
    for framework, value in seconds.items():
        result[f"{framework}_images_per_s"] = batch / value
    if "pytorch" in seconds:
        result["ratio"] = seconds["pytorch"] / seconds["minitorch_nn"]
    if flops is not None:
        result["flop_limit_images_per_s"] = batch * gflops * 1e9 / flops
        result["fraction_of_flop_limit"] = flops / seconds["minitorch_nn"] / (gflops * 1e9)
    return result


def model_cases(rounds: int, quick: bool, gflops: float, only) -> list[dict]:
    sizes = [MNIST_MLP[0]] + MNIST_MLP[1] + [MNIST_MLP[2]]
    cases = []
    for batch, optimizer_name in ((1, "sgd"), (1, "momentum"), (64, "momentum"), (128, "momentum"),
                                  (256, "momentum"), (64, "adam"), (256, "adam")):
        cases.append((f"MLP 784-512-64-10 train, {optimizer_name}", batch,
                      lambda b=batch, o=optimizer_name: training_steps(MNIST_MLP, b, o), step_flops(sizes, batch)))
    cases.append(("MLP 784-512-64-10 inference", 1000, lambda: inference_steps(MNIST_MLP, 1000),
                  2 * 1000 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))))
    cifar_sizes = [CIFAR_FC[0]] + CIFAR_FC[1] + [CIFAR_FC[2]]
    cases.append(("CIFAR-10 FC 3072-4x600-10 +BN +dropout, adam", 500,
                  lambda: training_steps(CIFAR_FC, 500, "adam", batchnorm=True, dropout=0.2, n_batches=3),
                  step_flops(cifar_sizes, 500)))
    results = []
    for name, batch, build, flops in cases:
        if only and not any(word in name for word in only):
            continue
        seconds = interleaved(build(), rounds, 0.05 if quick else 0.5)
        results.append(row(name, batch, seconds, flops, gflops))
        print(format_row(results[-1]), flush=True)
    return results


def cnn_case(rounds: int, only) -> list[dict]:
    if only and not any("CNN" in word or "conv" in word.lower() for word in only):
        return []
    try:
        import cnn_step
    except ImportError:
        return []
    result = cnn_step.run(batch_size=64, rounds=rounds, verbose=False)
    seconds = {"minitorch_nn": result["minitorch_s"]}
    if result.get("torch_s"):
        seconds["pytorch"] = result["torch_s"]
    results = [row("ThreeLayerConvNet 32/16 train, momentum", 64, seconds, None, 0.0)]
    if "peak_memory_mb" in result:
        results[0]["peak_memory_mb"] = result["peak_memory_mb"]
    print(format_row(results[-1]), flush=True)
    return results


def mnist_epoch_case() -> list[dict]:
    """A full MNIST epoch of the 784-512-64-10 MLP at batch 128, loading included (SGD+momentum)."""
    root = os.environ.get("MINITORCH_DATA")
    if not root:
        print("MNIST epoch: skipped (set MINITORCH_DATA to the data folder)")
        return []
    from minitorch_nn.data import MNIST, Compose, DataLoader, Flatten, ToFloat

    start = time.perf_counter()
    train = MNIST(root, train=True, download=False)
    loader = DataLoader(train, batch_size=128, shuffle=True, seed=0, transform=Compose([ToFloat(), Flatten()]))
    model, loss_fn = minitorch_mlp(MNIST_MLP), mt.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for x, y in loader:
        train_step(model, loss_fn, optimizer, x, y)
    seconds = time.perf_counter() - start
    result = {"case": "MNIST epoch, MLP 784-512-64-10, batch 128, loading included", "batch": 128,
              "seconds": seconds, "minitorch_nn_images_per_s": len(train) / seconds}
    print(f"{result['case']}: {seconds:.2f} s", flush=True)
    return [result]


def data_cases(rounds: int) -> list[dict]:
    root = os.environ.get("MINITORCH_DATA")
    if not root:
        print("data loading: skipped (set MINITORCH_DATA to the data folder)")
        return []
    import data_loading

    results = []
    for record in data_loading.run(root, repeats=rounds):
        results.append({"case": record["name"], "seconds": record["median_s"],
                        "minitorch_nn_images_per_s": record["items_per_s"]})
        print(f"{record['name']}: {record['median_s'] * 1e3:.0f} ms", flush=True)
    return results


def format_row(result: dict) -> str:
    text = f"{result['case']:<48} batch {result['batch']:>4}: {result['minitorch_nn_images_per_s']:>9,.0f} img/s"
    if "pytorch_images_per_s" in result:
        text += f" | PyTorch {result['pytorch_images_per_s']:>9,.0f} img/s | ratio {result['ratio']:.2f}x"
    if "fraction_of_flop_limit" in result:
        text += f" | {100 * result['fraction_of_flop_limit']:.0f}% of FLOP limit"
    return text


def markdown(results: list[dict], meta: dict) -> str:
    lines = [f"Measured {meta['date']} on {meta['machine']}: {meta['cores']} cores, numpy {meta['numpy']}, "
             f"PyTorch {meta['torch']}, float32 GEMM {meta['gemm_gflops']:.0f} GFLOP/s "
             f"({_gemm_comparison(meta['gemm_rates'])}); "
             f"median of {meta['rounds']} interleaved rounds.", "",
             "| case | batch | minitorch_nn img/s | PyTorch img/s | ratio (PyTorch time / ours) | % of FLOP limit |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        if "seconds" in r:  # whole-epoch and loading times go in the second table
            continue
        torch_value = f"{r['pytorch_images_per_s']:,.0f}" if "pytorch_images_per_s" in r else "–"
        ratio = f"{r['ratio']:.2f}×" if "ratio" in r else "–"
        fraction = f"{100 * r['fraction_of_flop_limit']:.0f}%" if "fraction_of_flop_limit" in r else "–"
        lines.append(f"| {r['case']} | {r['batch']} | {r['minitorch_nn_images_per_s']:,.0f} | {torch_value} | "
                     f"{ratio} | {fraction} |")
    timed = [r for r in results if "seconds" in r]
    if timed:
        lines += ["", "| data / epoch | time |", "|---|---:|"]
        lines += [f"| {r['case']} | {r['seconds'] * 1e3:,.0f} ms |" for r in timed]
    return "\n".join(lines) + "\n"


def _gemm_comparison(rates: dict[str, float]) -> str:
    """E.g. 'numpy / PyTorch GEMM GFLOP/s: 298 / 317 at batch 256, 326 / 361 at batch 1000'."""
    parts = []
    for batch in (256, 1000):
        figures = [f"{rates[key]:.0f}" for key in (f"numpy_{batch}", f"pytorch_{batch}") if key in rates]
        parts.append(f"{' / '.join(figures)} at batch {batch}")
    who = "numpy / PyTorch" if "pytorch_256" in rates else "numpy"
    return f"{who} GEMM GFLOP/s: " + ", ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per case (median reported)")
    parser.add_argument("--quick", action="store_true", help="few repeats per round, for a smoke run")
    parser.add_argument("--only", nargs="*", help="run only the cases whose name contains one of these words")
    parser.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results"))
    args = parser.parse_args(argv)

    if torch is not None:
        torch.set_num_threads(CORES)
    rates = gemm_rates(args.rounds)
    gflops = rates["numpy_256"]
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": platform.processor() or platform.machine(),
            "cores": CORES, "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__ if torch is not None else "not installed",
            "gemm_gflops": gflops, "gemm_rates": rates, "rounds": args.rounds}
    print(f"float32 GEMM: {gflops:.0f} GFLOP/s on {CORES} cores ({_gemm_comparison(rates)}); "
          f"PyTorch {meta['torch']}", flush=True)
    results = model_cases(args.rounds, args.quick, gflops, args.only)
    results += cnn_case(args.rounds, args.only)
    if not args.only:
        results += mnist_epoch_case() + data_cases(args.rounds)

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    (out / "latest.md").write_text(markdown(results, meta))
    print(f"wrote {out / 'latest.md'} and {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
