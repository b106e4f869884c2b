"""``mpiexec -n 2 python train.py`` end to end, on the embedded Digits set: the same weights as one
process, exact resumption, another number of ranks on resume, and faults that end the job."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from minitorch_nn.training import load_checkpoint

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "MPLBACKEND": "Agg"}
TIMEOUT = 120  # seconds: only a hung job takes this long

RECIPE = """
[data]
dataset = "digits"
batch_size = 64
augment = ["crop"]
[model]
kind = "mlp"
hidden = [32, 16]
batchnorm = {batchnorm}
dropout = {dropout}
[optim]
name = "{optimizer}"
lr = {lr}
momentum = 0.9
[schedule]
name = "none"
[train]
epochs = 3
sync_batchnorm = {sync}
"""


def recipe(tmp_path: Path, name: str = "recipe", batchnorm=False, dropout=0.0, optimizer="adam", lr=0.003,
           sync=False) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(RECIPE.format(batchnorm=str(batchnorm).lower(), dropout=dropout, optimizer=optimizer, lr=lr,
                                  sync=str(sync).lower()))
    return str(path)


def train(mpiexec: str, processes: int, *args: str) -> subprocess.CompletedProcess:
    """``python train.py ARGS`` in one process, or under ``mpiexec -n processes``."""
    command = [sys.executable, "train.py", "--quiet", *args]
    if processes > 1:
        command = [mpiexec, "-n", str(processes)] + command
    return subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=TIMEOUT)


def run_folder(out: Path) -> Path:
    (folder,) = out.iterdir()  # exactly one run folder, whatever the number of ranks
    return folder


def assert_same_weights(a: dict, b: dict, rtol: float = 1e-5) -> None:
    for name, value in a.items():
        scale = max(float(np.abs(value).max()), 1e-30)
        assert float(np.abs(b[name] - value).max()) <= rtol * scale, f"{name} differs by more than {rtol:g} relative"


def test_two_processes_end_with_the_weights_of_one(tmp_path, mpiexec):
    config = recipe(tmp_path)  # no dropout, random crops: the augmentation is that of one process too
    one = train(mpiexec, 1, "--config", config, "--out", str(tmp_path / "one"))
    two = train(mpiexec, 2, "--config", config, "--out", str(tmp_path / "two"))
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert two.stdout.count("run folder:") == 1  # only rank 0 prints
    assert "data parallel: 2 MPI processes, 32 images each per batch of 64" in two.stdout
    first, second = (load_checkpoint(run_folder(tmp_path / out) / "last.npz") for out in ("one", "two"))
    assert (first["world_size"], second["world_size"]) == (1, 2)
    assert_same_weights(first["model"], second["model"])
    # the epochs' losses and accuracies are those of the whole data on both
    for key in ("train_loss", "val_loss", "val_accuracy"):
        values = [[epoch[key] for epoch in checkpoint["history"]["epochs"]] for checkpoint in (first, second)]
        assert values[0] == pytest.approx(values[1], rel=1e-4), key
    assert '"world_size": 2' in (run_folder(tmp_path / "two") / "summary.json").read_text()


def test_sync_batchnorm_makes_two_processes_compute_what_one_does(tmp_path, mpiexec):
    config = recipe(tmp_path, batchnorm=True, optimizer="sgd", lr=0.05, sync=True)
    one = train(mpiexec, 1, "--config", config, "--out", str(tmp_path / "one"))
    two = train(mpiexec, 2, "--config", config, "--out", str(tmp_path / "two"))
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert "BatchNorm statistics over the global batch" in two.stdout
    first, second = (load_checkpoint(run_folder(tmp_path / out) / "last.npz") for out in ("one", "two"))
    assert_same_weights(first["model"], second["model"])  # running statistics included


def test_resuming_with_the_same_ranks_is_exact_and_with_others_is_allowed(tmp_path, mpiexec):
    # Dropout and per-rank BatchNorm: every rank's random stream must be restored.
    config = recipe(tmp_path, batchnorm=True, dropout=0.2)
    straight = train(mpiexec, 2, "--config", config, "--epochs", "3", "--out", str(tmp_path / "straight"))
    stopped = train(mpiexec, 2, "--config", config, "--epochs", "2", "--out", str(tmp_path / "resumed"))
    assert straight.returncode == 0 and stopped.returncode == 0, straight.stderr + stopped.stderr
    folder = run_folder(tmp_path / "resumed")
    shutil.copytree(folder, tmp_path / "other" / folder.name)
    resumed = train(mpiexec, 2, "--resume", str(folder / "last.npz"), "--epochs", "3")
    assert resumed.returncode == 0, resumed.stderr
    expected = load_checkpoint(run_folder(tmp_path / "straight") / "last.npz")
    got = load_checkpoint(folder / "last.npz")
    for name, value in expected["model"].items():
        np.testing.assert_array_equal(got["model"][name], value, err_msg=name)
    assert got["rank_rng"] == expected["rank_rng"]

    # Another number of ranks: one process continues the two-rank checkpoint ...
    other = tmp_path / "other" / folder.name
    alone = train(mpiexec, 1, "--resume", str(other / "last.npz"), "--epochs", "3")
    assert alone.returncode == 0, alone.stderr
    assert load_checkpoint(other / "last.npz")["epoch"] == 3
    assert '"world_size": 1' in (other / "summary.json").read_text()
    # ... and two ranks continue a one-process checkpoint.
    two = train(mpiexec, 2, "--resume", str(other / "last.npz"), "--epochs", "4")
    assert two.returncode == 0, two.stderr
    assert load_checkpoint(other / "last.npz")["epoch"] == 4


def test_a_global_batch_that_does_not_split_is_a_clear_error(tmp_path, mpiexec):
    result = train(mpiexec, 2, "--config", recipe(tmp_path), "--batch-size", "63", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "data.batch_size = 63 is the global batch and cannot be split evenly over 2 MPI processes" in result.stderr
    assert "e.g. 62 or 64" in result.stderr and "Traceback" not in result.stderr


def test_an_error_on_one_rank_ends_the_job_with_that_ranks_message(tmp_path, mpiexec):
    # Rank 1 is given a config file that does not exist; rank 0 goes on and would wait for it forever.
    good, missing = recipe(tmp_path), str(tmp_path / "missing.toml")
    command = [mpiexec, "-n", "1", sys.executable, "train.py", "--config", good, "--out", str(tmp_path), ":",
               "-n", "1", sys.executable, "train.py", "--config", missing, "--out", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 2
    assert f"train.py: error (rank 1 of 2): config file {missing} does not exist" in result.stderr


@pytest.mark.parametrize("failing_rank", [0, 1])
def test_an_exception_in_training_on_one_rank_ends_the_job(failing_rank, mpiexec):
    script = Path(__file__).with_name("failing_rank_job.py")
    result = subprocess.run([mpiexec, "-n", "2", sys.executable, str(script), str(failing_rank)], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 1
    assert f"RuntimeError: rank {failing_rank} fails in its third step" in result.stderr


def rank_process(rank: int, marker: str) -> int:
    """The pid of the rank ``rank`` process whose command line contains ``marker`` (Linux /proc)."""
    for entry in Path("/proc").iterdir():
        try:
            if marker in (entry / "cmdline").read_bytes().decode(errors="replace") and \
                    f"PMI_RANK={rank}\0".encode() in (entry / "environ").read_bytes():
                return int(entry.name)
        except (OSError, ValueError):
            continue
    raise AssertionError(f"no rank {rank} process running with {marker}")


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the rank's process through Linux's /proc")
@pytest.mark.parametrize("killed_rank", [0, 1], ids=["rank0-the-writer", "rank1"])
def test_a_killed_rank_ends_the_job_and_leaves_the_last_checkpoint_whole(tmp_path, mpiexec, killed_rank):
    out = tmp_path / f"killed-{killed_rank}"
    job = subprocess.Popen([mpiexec, "-n", "2", sys.executable, "train.py", "--quiet", "--config", recipe(tmp_path),
                            "--epochs", "100000", "--out", str(out)], cwd=ROOT, env=ENV,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not list(out.glob("*/metrics.csv")) or len(next(out.glob("*/metrics.csv")).read_text().splitlines()) < 3:
            assert job.poll() is None and time.monotonic() < deadline, "the job did not start training"
            time.sleep(0.1)
        os.kill(rank_process(killed_rank, str(out)), signal.SIGKILL)
        job.communicate(timeout=TIMEOUT)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode != 0
    checkpoint = load_checkpoint(run_folder(out) / "last.npz")
    assert checkpoint["epoch"] >= 2 and checkpoint["world_size"] == 2
    with pytest.raises(AssertionError):  # no rank is left running
        rank_process(1 - killed_rank, str(out))
