#!/usr/bin/env python
"""Kill a small Digits run again and again, resume it each time, and check that it ends bit-identical
to the same run never interrupted.

    python scripts/kill_test.py                 # 24 kills, report on stdout
    python scripts/kill_test.py --kills 40 --json result.json

The run (``train.py`` in a subprocess, a Digits MLP with dropout and BatchNorm, Adam and the cosine
schedule) is killed with SIGKILL — no chance to clean up — at random moments: half of the kills
after a random delay (start-up, data loading, training, the final evaluation and plots), half the
instant a temporary file appears in the run folder, that is in the middle of writing a checkpoint,
metrics.csv, config.toml or a plot. After every kill the script checks that ``last.npz`` is a whole
checkpoint (``load_checkpoint``), then resumes with ``train.py --resume RUN/last.npz`` (or starts
again when the kill came before the first checkpoint). Once the kills are done the run is let
finish, and its ``last.npz``, ``best.npz`` (weights, optimiser state, history), ``metrics.csv``
and ``summary.json`` are compared with the uninterrupted run's; no temporary file may be left.
Exit code 0 when everything matches, 1 otherwise. docs/RELIABILITY.md reports a run of it.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

import minitorch_nn as mt  # noqa: E402
from minitorch_nn.training import load_checkpoint  # noqa: E402

RECIPE = """
name = "kill_test"
[data]
dataset = "digits"
batch_size = 32
augment = ["crop"]
[model]
hidden = [256, 128]
batchnorm = true
dropout = 0.2
[optim]
name = "adam"
lr = 0.003
[schedule]
name = "cosine"
[train]
epochs = {epochs}
seed = 3
"""


def train_command(*args: str) -> list[str]:
    return [sys.executable, str(REPO / "train.py"), *args, "--quiet"]


def start(command: list[str], cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def temporaries(folder: Path | None) -> list[str]:
    if folder is None or not folder.is_dir():
        return []
    return [name for name in os.listdir(folder) if name.startswith(".") and name.endswith(".tmp")]


def run_folder(out: Path) -> Path | None:
    folders = [p for p in out.iterdir() if p.is_dir()] if out.is_dir() else []
    return folders[0] if folders else None


def kill_during_a_save(process: subprocess.Popen, out: Path, nth: int, timeout: float, ignore: set) -> bool:
    """SIGKILL ``process`` the moment the ``nth`` write it makes shows as a temporary file in its run
    folder (``ignore``: temporary files that were there before it started); False if none did in time."""
    deadline, seen = time.monotonic() + timeout, set()
    while time.monotonic() < deadline and process.poll() is None:
        seen.update(set(temporaries(run_folder(out))) - ignore)
        if len(seen) >= nth:
            process.kill()
            return True
    return False


def time_reference_run(config: Path, workdir: Path, epochs: int) -> dict:
    """Run the recipe uninterrupted; the seconds of its start-up (until the first epoch begins), of one
    epoch and of its finish (test evaluation, plots, summary), to place the kills."""
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg", PYTHONUNBUFFERED="1")  # lines as they come
    command = train_command("--config", str(config), "--out", str(workdir / "reference"))
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    epoch_lines = [time.monotonic() - started for line in process.stdout if line.startswith("epoch ")]
    total = time.monotonic() - started
    if process.wait() != 0 or len(epoch_lines) != epochs:
        raise SystemExit(f"the uninterrupted run failed:\n{process.stderr.read()}")
    per_epoch = (epoch_lines[-1] - epoch_lines[0]) / max(epochs - 1, 1)
    return {"startup": max(epoch_lines[0] - per_epoch, 0.1), "epoch": per_epoch, "finish": total - epoch_lines[-1]}


def kill_at_random(process: subprocess.Popen, out: Path, rng: random.Random, timing: dict, trained: bool,
                   ignore: set) -> bool:
    """SIGKILL ``process`` at a random moment: a quarter of the time during its start-up (imports, data
    loading, reading the checkpoint), else after it starts writing (config.toml, the end of start-up):
    within the next three epochs, or during the final evaluation and plots when training is done.
    The start-up is timed anew at each start (this machine's load changes); False if it finished first."""
    started = time.monotonic()
    if rng.random() < 0.25:
        time.sleep(rng.uniform(0.0, timing["startup"]))
    else:
        while process.poll() is None and not set(temporaries(run_folder(out))) - ignore:
            time.sleep(0.001)
        timing["startup"] = time.monotonic() - started
        time.sleep(rng.uniform(0.0, 0.6 * timing["finish"] if trained else 3 * timing["epoch"]))
    if process.poll() is not None:
        return False
    process.kill()
    return True


def results_written(out: Path, epochs: int) -> bool:
    """Whether the run is complete (its summary.json is written): a kill now is too late to matter."""
    folder = run_folder(out)
    try:
        return json.loads((folder / "summary.json").read_text())["epochs"] == epochs
    except (OSError, ValueError, KeyError, TypeError):
        return False


def saved_epoch(out: Path) -> int:
    """The epoch of the run's last.npz (0 before there is one)."""
    folder = run_folder(out)
    if folder is None or not (folder / "last.npz").exists():
        return 0
    return int(mt.load(folder / "last.npz")["epoch"])


def next_command(config: Path, out: Path) -> list[str]:
    """Resume when there is a checkpoint; otherwise start the run again (a kill before its first one)."""
    folder = run_folder(out)
    if folder is not None and (folder / "last.npz").exists():
        return train_command("--resume", str(folder / "last.npz"))
    if folder is not None:
        shutil.rmtree(folder)
    return train_command("--config", str(config), "--out", str(out))


def compare(reference: Path, resumed: Path) -> list[str]:
    """The differences between two finished run folders (timings excluded)."""
    problems = []
    for name in ("last.npz", "best.npz"):
        a, b = load_checkpoint(reference / name), load_checkpoint(resumed / name)
        for key in a["model"]:
            if not np.array_equal(a["model"][key], b["model"][key]):
                problems.append(f"{name}: model {key} differs")
        for index, state in a["optimizer"]["state"].items():
            for key, value in state.items():
                other = b["optimizer"]["state"][index][key]
                if not np.array_equal(value, other):
                    problems.append(f"{name}: optimiser state {index}.{key} differs")
        if a["scheduler"] != b["scheduler"] or a["epoch"] != b["epoch"] or a["best"]["epoch"] != b["best"]["epoch"]:
            problems.append(f"{name}: schedule, epoch or best epoch differs")
        if not np.array_equal(a["history"]["iteration_loss"], b["history"]["iteration_loss"]):
            problems.append(f"{name}: iteration losses differ")
    rows = []
    for folder in (reference, resumed):
        with open(folder / "metrics.csv", newline="") as file:
            rows.append([{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(file)])
    if rows[0] != rows[1]:
        problems.append("metrics.csv differs")
    summaries = [json.loads((folder / "summary.json").read_text()) for folder in (reference, resumed)]
    for key in ("test_loss", "test_accuracy", "best_val_accuracy", "best_epoch", "epochs"):
        if summaries[0][key] != summaries[1][key]:
            problems.append(f"summary.json {key} differs: {summaries[0][key]} vs {summaries[1][key]}")
    if temporaries(resumed):
        problems.append(f"temporary files left: {temporaries(resumed)}")
    return problems


def kill_test(kills: int, epochs: int, workdir: Path, seed: int, log=print) -> dict:
    rng = random.Random(seed)
    config = workdir / "kill_test.toml"
    config.write_text(RECIPE.format(epochs=epochs))
    started = time.monotonic()
    timing = time_reference_run(config, workdir, epochs)
    log(f"uninterrupted run: start-up {timing['startup']:.1f} s, {timing['epoch']:.2f} s per epoch, "
        f"finish {timing['finish']:.1f} s")
    out = workdir / "killed"

    def new_counts() -> dict:
        return {"kills": 0, "during_saves": 0, "before_first_checkpoint": 0, "after_training": 0,
                "random_delay": 0, "save_triggered": 0, "starts": 0, "checkpoints_checked": 0, "saving": {}}

    counts, restarts = new_counts(), 0
    while counts["kills"] < kills:
        command = next_command(config, out)
        left_before = set(temporaries(run_folder(out)))  # a killed writer's, until the next save removes it
        process = start(command, workdir)
        counts["starts"] += 1
        # Each start gets a little further before its kill, so the kills spread over the whole run:
        # start-up, data loading, every epoch, the final evaluation and plots.
        trained = saved_epoch(out) == epochs
        if counts["kills"] % 2 == 0:  # a random moment: during start-up or within the next epochs
            if kill_at_random(process, out, rng, timing, trained, left_before):
                counts["random_delay"] += 1
        else:  # the n-th write of this start: config.toml, metrics.csv, then two or three per epoch
            writes_left = 2 * (epochs - saved_epoch(out)) + 3  # that a poll sees at least
            nth = rng.randint(1, 2 if trained else min(8, writes_left))
            if kill_during_a_save(process, out, nth, timeout=600, ignore=left_before):
                counts["save_triggered"] += 1
        process.wait()
        if process.returncode not in (0, -signal.SIGKILL):
            raise SystemExit(f"train.py failed with exit code {process.returncode}:\n{process.stderr.read()}")
        if process.returncode == 0 or results_written(out, epochs):
            # It finished before the kill came: start over, so that the run compared had every kill.
            shutil.rmtree(out)
            restarts += 1
            if restarts > 10:
                raise SystemExit("the run kept finishing before it was killed; is the machine very fast?")
            counts = new_counts()
            continue
        process.stderr.close()
        counts["kills"] += 1
        folder = run_folder(out)
        during = set(temporaries(folder)) - left_before
        for name in during:  # .<file>.<pid>-<random>.tmp: the file being written
            counts["during_saves"] += 1
            written = name[1:].rsplit(".", 2)[0]
            counts["saving"][written] = counts["saving"].get(written, 0) + 1
        if folder is None or not (folder / "last.npz").exists():
            counts["before_first_checkpoint"] += 1
        else:
            load_checkpoint(folder / "last.npz")  # raises if a kill ever left a torn checkpoint
            counts["checkpoints_checked"] += 1
            if saved_epoch(out) == epochs:
                counts["after_training"] += 1
        log(f"kill {counts['kills']:>3}: {'during a save' if during else 'between saves':<14} "
            f"(last.npz at epoch {saved_epoch(out) if folder and (folder / 'last.npz').exists() else '-'})")
    final = subprocess.run(next_command(config, out), cwd=workdir, capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg"))
    if final.returncode != 0:
        raise SystemExit(f"the last resume failed:\n{final.stderr}")
    problems = compare(run_folder(workdir / "reference"), run_folder(out))
    return {**counts, "restarts": restarts, "epochs": epochs, "identical": not problems, "problems": problems,
            "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=24, help="SIGKILLs to deliver (default 24)")
    parser.add_argument("--epochs", type=int, default=16, help="epochs of the run (default 16)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the kill moments")
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary folder)")
    args = parser.parse_args()
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kill_test-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        result = kill_test(args.kills, args.epochs, workdir, args.seed)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print("bit-identical to the uninterrupted run" if result["identical"] else "DIFFERENT: " + "; ".join(result["problems"]))
    return 0 if result["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
