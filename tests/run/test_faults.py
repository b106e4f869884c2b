"""train.py under faults: every I/O fault, bad input and interruption ends in one message with the
right exit code (0 ok, 1 failure, 2 usage/config, 130 interrupted) and loses nothing; a finished run
can be completed; a changed total re-plans the schedule. docs/RELIABILITY.md lists each test here."""
from __future__ import annotations

import csv
import errno
import json
import os
import pathlib
import signal
import subprocess
import sys

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.run import cli
from minitorch_nn.run.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = pathlib.Path(__file__).resolve().parents[2]
RECIPE = """
[data]
dataset = "digits"
batch_size = 128
augment = []
[model]
hidden = [16]
dropout = 0.1
[optim]
name = "adam"
lr = 0.01
[schedule]
name = "{schedule}"
[train]
epochs = {epochs}
"""


def recipe(tmp_path, epochs=3, schedule="cosine", name="tiny.toml") -> pathlib.Path:
    path = tmp_path / name
    path.write_text(RECIPE.format(epochs=epochs, schedule=schedule))
    return path


def run_folder(out: pathlib.Path) -> pathlib.Path:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def train(*argv) -> int:
    return main([*map(str, argv), "--quiet"])


def error_of(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("train.py: error:") == 1 and "Traceback" not in err, err
    return err


def temporaries(folder: pathlib.Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def same_weights(a: pathlib.Path, b: pathlib.Path) -> bool:
    first, second = mt.load(a), mt.load(b)
    return first["epoch"] == second["epoch"] and all(
        np.array_equal(first["model"][key], second["model"][key]) for key in first["model"])


def fail_when_written(monkeypatch, name: str, error: BaseException, after: int = 0):
    """Make the atomic rename of the ``after``-th next write of a file called ``name`` raise ``error``."""
    real_replace = os.replace
    seen = []

    def replace(source, destination, *args, **kwargs):
        if os.path.basename(os.fspath(destination)) == name:
            seen.append(destination)
            if len(seen) == after + 1:
                raise error
        return real_replace(source, destination, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> pathlib.Path:
    """A finished 3-epoch cosine run (to copy and break); its folder."""
    out = tmp_path_factory.mktemp("finished")
    assert train("--config", recipe(out), "--out", out / "runs") == 0
    return run_folder(out / "runs")


def copy_run(finished: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    import shutil

    return pathlib.Path(shutil.copytree(finished, tmp_path / finished.name))


# ------------------------------------------------------------------------- usage and config: exit 2
def test_out_that_is_a_file_exits_2(tmp_path, capsys):
    (tmp_path / "runs").write_text("not a folder")
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs") == 2
    assert f"--out {tmp_path / 'runs'} is a file, not a folder" in error_of(capsys)
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs" / "sub") == 2
    assert "cannot be created" in error_of(capsys)


def test_config_that_is_a_folder_unreadable_or_not_text_exits_2(tmp_path, capsys, monkeypatch):
    assert train("--config", tmp_path, "--out", tmp_path / "runs") == 2
    assert "is a folder" in error_of(capsys)
    (tmp_path / "binary.toml").write_bytes(bytes(range(256)))
    assert train("--config", tmp_path / "binary.toml", "--out", tmp_path / "runs") == 2
    assert "is not a text file" in error_of(capsys)
    import builtins

    real_open = builtins.open

    def denied(file, *args, **kwargs):
        if os.fspath(file).endswith("locked.toml"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    (tmp_path / "locked.toml").write_text("")
    monkeypatch.setattr(builtins, "open", denied)
    assert train("--config", tmp_path / "locked.toml", "--out", tmp_path / "runs") == 2
    assert "cannot be read (Permission denied)" in error_of(capsys)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("name", ["../../escape", "/tmp/absolute", "a/b", "..", "x..y", "tab\tname", "é"])
def test_run_name_must_be_a_plain_name(tmp_path, capsys, name):
    config = recipe(tmp_path)
    config.write_text(f"name = {json.dumps(name)}\n" + config.read_text())
    assert train("--config", config, "--out", tmp_path / "runs") == 2
    err = error_of(capsys)
    assert "config value name" in err and "must be a plain name" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.toml"]  # nothing written anywhere


def test_validation_split_of_zero_images_is_refused(tmp_path, capsys):
    config = recipe(tmp_path)
    config.write_text(config.read_text().replace("batch_size = 128", "batch_size = 128\nval_size = 0.0001"))
    assert train("--config", config, "--out", tmp_path / "runs") == 2
    assert "gives 0 of the 1437 training images for validation" in error_of(capsys)
    assert not (tmp_path / "runs").exists()


def test_resume_arguments_that_cannot_be_used_exit_2(finished, tmp_path, capsys):
    run = copy_run(finished, tmp_path)
    assert train("--resume", tmp_path) == 2
    assert "is a folder without a last.npz" in error_of(capsys)
    assert train("--resume", run, "--epochs", 2) == 2  # a run folder names its last.npz
    assert "has already trained 3 epochs; --epochs must be at least 3" in error_of(capsys)
    assert train("--resume", run / "last.npz") == 2
    assert "has finished all 3 epochs and its results are written; nothing to do" in error_of(capsys)


# ------------------------------------------------------------------------- writing fails: exit 1
def test_read_only_out_exits_1_before_loading_data(tmp_path, capsys, read_only, monkeypatch):
    (tmp_path / "runs").mkdir()
    read_only(tmp_path / "runs")
    monkeypatch.setattr(cli, "load_splits", lambda *a, **k: pytest.fail("data loaded before --out was checked"))
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs") == 1
    err = error_of(capsys)
    assert f"cannot write {tmp_path / 'runs'}: Permission denied; make it writable, or choose another --out" in err
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs" / "new" / "deeper") == 1
    assert f"cannot write {tmp_path / 'runs'}: Permission denied" in error_of(capsys)
    assert list((tmp_path / "runs").iterdir()) == []


def test_a_full_disk_while_saving_a_checkpoint_keeps_the_last_one_and_resumes_bit_identically(
        finished, tmp_path, capsys, monkeypatch):
    full = OSError(errno.ENOSPC, "No space left on device")
    fail_when_written(monkeypatch, "last.npz", full, after=2)  # epoch 0 and 1 are saved, epoch 2 is not
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs") == 1
    run = run_folder(tmp_path / "runs")
    err = error_of(capsys)
    assert f"cannot write {run / 'last.npz'}: No space left on device; free some disk space" in err
    assert (f"The checkpoint of epoch 1 ({run / 'last.npz'}) is whole; continue with: "
            f"python train.py --resume {run / 'last.npz'}") in err
    assert mt.load(run / "last.npz")["epoch"] == 1 and temporaries(run) == []
    monkeypatch.undo()
    assert train("--resume", run / "last.npz") == 0
    for name in ("last.npz", "best.npz"):
        assert same_weights(run / name, finished / name), name
    assert json.loads((run / "summary.json").read_text())["test_accuracy"] == \
        json.loads((finished / "summary.json").read_text())["test_accuracy"]


@pytest.mark.parametrize("name", ["metrics.csv", "config.toml", "best.npz"])
def test_a_full_disk_while_writing_other_run_files_exits_1_naming_the_file(tmp_path, capsys, monkeypatch, name):
    fail_when_written(monkeypatch, name, OSError(errno.ENOSPC, "No space left on device"), after=1 if name == "metrics.csv" else 0)
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs") == 1
    err = error_of(capsys)
    if name == "config.toml":  # before the first checkpoint: the new run folder is removed again
        assert not any((tmp_path / "runs").iterdir()) and "cannot write" in err and "No space left" in err
        return
    run = run_folder(tmp_path / "runs")
    assert f"cannot write {run / name}: No space left on device" in err and "continue with" in err
    assert temporaries(run) == []


def test_a_full_disk_while_drawing_the_plots_then_resume_completes_the_run(finished, tmp_path, capsys, monkeypatch):
    fail_when_written(monkeypatch, "curves.png", OSError(errno.ENOSPC, "No space left on device"))
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs") == 1
    run = run_folder(tmp_path / "runs")
    err = error_of(capsys)
    assert "No space left on device; free some disk space. Training is finished (3 epochs); to write the test " \
           f"evaluation, the plots and summary.json, run: python train.py --resume {run / 'last.npz'}" in err
    assert not (run / "summary.json").exists() and not (run / "curves.png").exists() and temporaries(run) == []
    monkeypatch.undo()
    assert train("--resume", run / "last.npz") == 0
    out = capsys.readouterr().out
    assert "config.toml, metrics.csv, best.npz, last.npz, curves.png, confusion.png, summary.json" in out
    assert json.loads((run / "summary.json").read_text())["test_accuracy"] == \
        json.loads((finished / "summary.json").read_text())["test_accuracy"]


def test_a_read_only_run_folder_on_resume_exits_1(finished, tmp_path, capsys, read_only):
    run = copy_run(finished, tmp_path)
    read_only(run)
    assert train("--resume", run / "last.npz", "--epochs", 5) == 1
    err = error_of(capsys)
    assert f"cannot write {run}: Permission denied; make the run folder writable" in err
    assert same_weights(run / "last.npz", finished / "last.npz")


# ------------------------------------------------------------------------- checkpoints that are not: exit 1
def test_resume_of_files_that_are_not_checkpoints(finished, tmp_path, capsys):
    (tmp_path / "notes.npz").write_text("epoch = 3\n")
    mt.save(mt.MLP(64, [16], 10).state_dict(), tmp_path / "weights.npz")
    for path, phrase in ((tmp_path / "notes.npz", "not a zip archive"), (tmp_path / "weights.npz", "weights only")):
        assert train("--resume", path) == 1
        err = error_of(capsys)
        assert f"{path} is not a minitorch_nn training checkpoint: " in err and phrase in err
        assert "pickle" not in err.lower()


def test_an_edited_config_naming_another_optimizer_is_refused(finished, tmp_path, capsys):
    run = copy_run(finished, tmp_path)
    checkpoint = mt.load(run / "last.npz")
    checkpoint["config"]["optim"]["name"] = "sgd"
    checkpoint["config"]["train"]["epochs"] = 5
    mt.save(checkpoint, run / "last.npz")
    assert train("--resume", run / "last.npz") == 1
    assert "holds the state of a Adam optimiser, but this run's optimiser is SGD" in error_of(capsys)
    checkpoint["config"]["optim"]["lr"] = "fast"
    mt.save(checkpoint, run / "last.npz")
    assert train("--resume", run / "last.npz") == 1
    assert "is not a minitorch_nn training checkpoint: its recorded config is invalid" in error_of(capsys)


# ------------------------------------------------------------------------- interruptions: exit 130
def interrupt_at(monkeypatch, target, name):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(target, name, interrupted)


def test_ctrl_c_while_loading_data_leaves_nothing(tmp_path, capsys, monkeypatch):
    interrupt_at(monkeypatch, cli, "load_splits")
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs") == 130
    assert "interrupted before training started; nothing was kept" in error_of(capsys)
    assert not (tmp_path / "runs").exists()


def test_ctrl_c_before_the_first_checkpoint_removes_the_new_run_folder(tmp_path, capsys, monkeypatch):
    interrupt_at(monkeypatch, cli, "write_config")
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs") == 130
    assert "nothing was kept" in error_of(capsys) and list((tmp_path / "runs").iterdir()) == []


def test_ctrl_c_during_a_checkpoint_save_keeps_the_last_one_and_names_it(finished, tmp_path, capsys, monkeypatch):
    fail_when_written(monkeypatch, "last.npz", KeyboardInterrupt(), after=2)
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs") == 130
    run = run_folder(tmp_path / "runs")
    err = error_of(capsys)
    assert f"interrupted; the checkpoint of epoch 1 ({run / 'last.npz'}) is whole; continue with: " in err
    assert mt.load(run / "last.npz")["epoch"] == 1 and temporaries(run) == []
    monkeypatch.undo()
    assert train("--resume", run) == 0 and same_weights(run / "last.npz", finished / "last.npz")


def test_ctrl_c_after_training_then_resume_completes_the_run(finished, tmp_path, capsys, monkeypatch):
    interrupt_at(monkeypatch, cli, "evaluate")
    assert train("--config", recipe(tmp_path), "--out", tmp_path / "runs") == 130
    run = run_folder(tmp_path / "runs")
    assert "interrupted; training is finished (3 epochs)" in error_of(capsys)
    monkeypatch.undo()
    assert train("--resume", run / "last.npz") == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["epochs"] == 3 and (run / "curves.png").is_file() and (run / "confusion.png").is_file()
    assert summary["test_accuracy"] == json.loads((finished / "summary.json").read_text())["test_accuracy"]


def test_ctrl_c_while_the_package_loads(tmp_path):
    fake = tmp_path / "fake" / "tqdm"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise KeyboardInterrupt\n")
    (fake / "auto.py").write_text("")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "fake"), str(REPO)]))
    result = subprocess.run([sys.executable, str(REPO / "train.py")], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 130 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "train.py: error: interrupted while starting; nothing was written"


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT, a POSIX signal")
def test_a_real_sigint_during_training(tmp_path):
    config = recipe(tmp_path, epochs=200)
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    process = subprocess.Popen([sys.executable, str(REPO / "train.py"), "--config", str(config), "--out",
                                str(tmp_path / "runs"), "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env, cwd=tmp_path)
    for line in process.stdout:  # wait for the first finished epoch, whenever that is
        if line.startswith("epoch "):
            break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in err and "interrupted; the checkpoint of epoch" in err
    run = run_folder(tmp_path / "runs")
    assert mt.load(run / "last.npz")["epoch"] >= 1 and temporaries(run) == []


# ------------------------------------------------------------------------- finished runs, changed totals
def test_a_run_killed_after_its_last_epoch_is_completed_by_resume(finished, tmp_path, capsys):
    run = copy_run(finished, tmp_path)
    for name in ("summary.json", "curves.png", "confusion.png"):
        (run / name).unlink()
    assert train("--resume", run / "last.npz") == 0
    assert json.loads((run / "summary.json").read_text()) | {"wall_seconds": 0, "train_seconds": 0} == \
        json.loads((finished / "summary.json").read_text()) | {"wall_seconds": 0, "train_seconds": 0,
                                                               "resumed_from": str(run / "last.npz")}
    assert (run / "curves.png").is_file() and (run / "confusion.png").is_file()
    assert same_weights(run / "last.npz", finished / "last.npz")


def lrs(run: pathlib.Path) -> list[float]:
    with open(run / "metrics.csv", newline="") as file:
        return [float(row["lr"]) for row in csv.DictReader(file)]


def test_extending_a_finished_cosine_run_keeps_annealing_and_records_the_plan(finished, tmp_path, capsys):
    run = copy_run(finished, tmp_path)
    assert train("--resume", run / "last.npz", "--epochs", 7) == 0
    assert "7 epochs, resuming after epoch 3 (the total changed from 3)" in capsys.readouterr().out
    rates = lrs(run)
    assert len(rates) == 7 and rates[:3] == lrs(finished)
    assert all(later < earlier for earlier, later in zip(rates, rates[1:]))  # never flat, never back up
    assert min(rates) > 0 and rates[3] < rates[2]
    # epoch e > 3 follows the new plan: from epoch 3's rate to eta_min = 0 at epoch 7
    expected = [rates[2] * (1 + np.cos(np.pi * k / 5)) / 2 for k in range(1, 5)]
    np.testing.assert_allclose(rates[3:], expected, rtol=1e-5)
    config = tomllib.loads((run / "config.toml").read_text())
    assert config["train"]["epochs"] == 7 and config["schedule"]["plans"] == [[0, 3], [3, 7]]
    checkpoint = mt.load(run / "last.npz")
    assert checkpoint["config"] == config and checkpoint["scheduler"]["plans"] == [[0, 3], [3, 7]]
    assert checkpoint["scheduler_class"] == "PlannedCosineLR"


def test_an_extension_killed_midway_resumes_bit_identically_and_its_config_replays_it(finished, tmp_path, capsys,
                                                                                     monkeypatch):
    straight, broken = copy_run(finished, tmp_path / "a"), copy_run(finished, tmp_path / "b")
    assert train("--resume", straight / "last.npz", "--epochs", 7) == 0
    fail_when_written(monkeypatch, "last.npz", KeyboardInterrupt(), after=2)  # epochs 4, 5 saved; 6 is not
    assert train("--resume", broken / "last.npz", "--epochs", 7) == 130
    assert f"continue with: python train.py --resume {broken / 'last.npz'} --epochs 7" in error_of(capsys)
    monkeypatch.undo()
    assert train("--resume", broken / "last.npz") == 0  # the checkpoint records the new total
    for name in ("last.npz", "best.npz"):
        assert same_weights(straight / name, broken / name), name
    assert lrs(straight) == lrs(broken)
    # A new run from the recorded config trains the same schedule, epoch for epoch.
    assert train("--config", straight / "config.toml", "--out", tmp_path / "replay") == 0
    assert lrs(run_folder(tmp_path / "replay")) == lrs(straight)


def test_extending_keeps_other_schedules_and_an_explicit_cosine_period(tmp_path, capsys):
    config = recipe(tmp_path, epochs=2, schedule="exponential")
    assert train("--config", config, "--out", tmp_path / "exp") == 0
    run = run_folder(tmp_path / "exp")
    assert train("--resume", run / "last.npz", "--epochs", 4) == 0
    rates = lrs(run)
    np.testing.assert_allclose(rates, [0.01 * 0.1 ** e for e in range(4)])
    assert tomllib.loads((run / "config.toml").read_text())["schedule"]["plans"] == []


def test_plans_that_do_not_fit_the_config_are_refused(tmp_path, capsys):
    config = recipe(tmp_path, epochs=8)
    text = config.read_text().replace('name = "cosine"', 'name = "cosine"\nplans = [[0, 3], [3, 7]]')
    config.write_text(text)
    assert train("--config", config, "--out", tmp_path / "runs") == 2
    assert "schedule.plans = [[0, 3], [3, 7]] ends at epoch 7, but train.epochs = 8" in error_of(capsys)
    config.write_text(text.replace("[[0, 3], [3, 7]]", "[[0, 3], [5, 7]]").replace("epochs = 8", "epochs = 7"))
    assert train("--config", config, "--out", tmp_path / "runs") == 2
    assert "a plan starts within the one before" in error_of(capsys)


def test_run_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        assert train("--config", recipe(tmp_path, epochs=1), "--out", tmp_path / "runs") == 0
    finally:
        os.umask(old)
    run = run_folder(tmp_path / "runs")
    modes = {path.name: path.stat().st_mode & 0o777 for path in run.iterdir()}
    assert set(modes.values()) == {0o640} and "last.npz" in modes, modes


def test_trickling_mirrors_end_in_the_one_offline_message_or_the_digits_fallback(tmp_path, capsys, monkeypatch):
    import io

    from minitorch_nn.data import download

    class Clock:
        now = 0.0

        def __call__(self):
            return self.now

    clock = Clock()

    class Trickle(io.BytesIO):  # one byte a second, forever
        headers = {"Content-Length": "10000000"}

        def read1(self, size=-1):
            clock.now += 1.0
            return b"x"

    monkeypatch.setattr(cli, "unreachable", lambda *args, **kwargs: None)  # the mirrors answer...
    monkeypatch.setattr(download, "urlopen", lambda request, timeout=None: Trickle())  # ...at one byte a second
    monkeypatch.setattr(download, "clock", clock)
    empty = tmp_path / "data"
    empty.mkdir()
    assert train("--dataset", "mnist", "--data-dir", empty, "--out", tmp_path / "runs") == 1
    err = error_of(capsys)
    assert "could not be downloaded from any mirror" in err and err.count("too slow") == 2 and "fix:" in err
    assert not (tmp_path / "runs").exists() and not [p for p in empty.rglob("*") if p.is_file()]
    assert train("--data-dir", empty, "--out", tmp_path / "runs", "--epochs", 1, "--hidden", 16) == 0  # default data
    fallback = [line for line in capsys.readouterr().out.splitlines() if line.startswith("MNIST is not available")]
    assert len(fallback) == 1 and "could not be downloaded from any mirror" in fallback[0]


@pytest.mark.parametrize("schedule, extra, refused", [
    ("onecycle", "", "the onecycle schedule is planned over train.epochs = 3 and cannot be re-planned for 5 epochs"),
    ("sequential", 'sequence = ["linear", "cosine"]\nsequence_milestones = [1]',
     "the sequential (ending with cosine) schedule is planned over train.epochs = 3"),
    ("sequential", 'sequence = ["cosine", "linear"]\nsequence_milestones = [1]\nt_max = 1', None),
])
def test_schedules_that_cannot_be_replanned_refuse_a_new_total(tmp_path, capsys, schedule, extra, refused):
    config = recipe(tmp_path, schedule=schedule)
    config.write_text(config.read_text().replace(f'name = "{schedule}"', f'name = "{schedule}"\n{extra}'))
    assert train("--config", config, "--out", tmp_path / "runs") == 0
    run = run_folder(tmp_path / "runs")
    before = mt.load(run / "last.npz")
    if refused is None:  # a sequence whose last phase does not depend on the total simply goes on
        assert train("--resume", run, "--epochs", 5) == 0 and len(lrs(run)) == 5
        return
    assert train("--resume", run, "--epochs", 5) == 2
    err = error_of(capsys)
    assert refused in err and "resume with the recorded total" in err and "--epochs 5" in err
    after = mt.load(run / "last.npz")
    assert after["epoch"] == before["epoch"] == 3 and after["config"] == before["config"]
