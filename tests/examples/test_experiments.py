"""Smoke tests of the experiment scripts in examples/ on the offline Digits set: tiny sizes, one or two epochs."""
from __future__ import annotations

import csv
import importlib.util
import pathlib
import re
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
PNG = b"\x89PNG\r\n\x1a\n"


def load(name: str):
    """Import examples/<name>.py; it is registered in sys.modules so process-pool workers can find its functions."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run(name: str, args: list[str], tmp_path, capsys) -> tuple[str, pathlib.Path]:
    """Run the script's main on Digits; returns its output and asserts it wrote a valid PNG in the folder it printed."""
    assert load(name).main(["--dataset", "digits", "--out", str(tmp_path), *args]) == 0
    out = capsys.readouterr().out
    (folder,) = tmp_path.iterdir()
    assert f"wrote {folder}" in out
    assert (folder / f"{name}.png").read_bytes()[:8] == PNG
    return out, folder


def percentages(text: str) -> list[float]:
    return [float(v) / 100 for v in re.findall(r"(\d+(?:\.\d+)?)%", text)]


CHANCE = 0.1  # ten classes
UNIFORM_LOSS = 2.3026  # ln 10: the cross entropy of a net that has learnt nothing


def epoch_lines(out: str) -> list[dict]:
    """The Trainer's summary lines: train loss and accuracy, val loss and accuracy per epoch."""
    pattern = (r"epoch +\d+/\d+ +train loss ([\d.]+) acc +([\d.]+)% +val loss ([\d.]+) acc +([\d.]+)%")
    return [dict(zip(("train_loss", "train_accuracy", "val_loss", "val_accuracy"),
                     (float(a), float(b) / 100, float(c), float(d) / 100)))
            for a, b, c, d in re.findall(pattern, out)]


def assert_learns(epochs: list[dict], *, loss_drop: float, accuracy: float) -> None:
    """The training loss falls by ``loss_drop`` (relative) and the validation accuracy beats ``accuracy``."""
    assert len(epochs) >= 2
    assert epochs[-1]["train_loss"] < (1 - loss_drop) * epochs[0]["train_loss"], epochs
    assert epochs[-1]["val_loss"] < epochs[0]["val_loss"], epochs
    assert max(e["val_accuracy"] for e in epochs) > accuracy, epochs


def test_batchnorm_weight_scale(tmp_path, capsys):
    out, folder = run("batchnorm_weight_scale", ["--scales", "3", "--epochs", "3", "--train-size", "200",
                                                 "--val-size", "100", "--batch-size", "20", "--workers", "2"],
                      tmp_path, capsys)
    with open(folder / "batchnorm_weight_scale.csv") as file:
        rows = {(float(r["weight_scale"]), int(r["batchnorm"])): r for r in csv.DictReader(file)}
    assert sorted(rows) == [(s, b) for s in (1e-4, 1e-2, 1.0) for b in (0, 1)]  # 3 scales x (baseline, batchnorm)
    assert "baseline:" in out and "batchnorm:" in out
    # the experiment's point, on digits: at scale 1e-2 the BatchNorm net learns, the plain one stays at chance
    learnt, plain = rows[(1e-2, 1)], rows[(1e-2, 0)]
    assert float(learnt["best_train_accuracy"]) > 5 * CHANCE
    assert float(learnt["final_train_loss"]) < UNIFORM_LOSS - 0.3
    assert float(plain["final_train_loss"]) > UNIFORM_LOSS - 0.05


def test_batchnorm_vs_baseline(tmp_path, capsys):
    out, _ = run("batchnorm_vs_baseline", ["--epochs", "3", "--train-size", "300", "--val-size", "100",
                                           "--batch-size", "20"], tmp_path, capsys)
    numbers = {}
    for name in ("baseline", "batchnorm"):
        line = next(line for line in out.splitlines() if line.strip().startswith(name))
        loss = float(re.search(r"final train loss ([\d.]+)", line).group(1))
        numbers[name] = (loss, *percentages(line))  # loss, train acc, val acc, best val acc
    loss, train_accuracy, val_accuracy, best_val = numbers["batchnorm"]
    assert loss < UNIFORM_LOSS / 2 and train_accuracy > 5 * CHANCE and best_val > 4 * CHANCE
    assert loss < numbers["baseline"][0]  # BatchNorm trains the deep net faster


def test_dropout_regularization(tmp_path, capsys):
    out, _ = run("dropout_regularization", ["--epochs", "4", "--train-size", "200", "--val-size", "100",
                                            "--batch-size", "20"], tmp_path, capsys)
    lines = [line for line in out.splitlines() if line.startswith("dropout")]
    assert [line.split(":")[0] for line in lines] == ["dropout 0.00", "dropout 0.25", "dropout 0.60"]
    for line in lines:
        train_accuracy, val_accuracy, gap, best_val = percentages(line)
        assert train_accuracy - val_accuracy == pytest.approx(gap, abs=1e-3)
        assert best_val > 2 * CHANCE  # every net learns something in 40 steps
    train_accuracy, val_accuracy, _, _ = percentages(lines[0])
    assert train_accuracy > 4 * CHANCE and val_accuracy > 3 * CHANCE


def test_overfit_small_data(tmp_path, capsys):
    out, _ = run("overfit_small_data", ["--epochs", "20", "--train-size", "30", "--batch-size", "10"], tmp_path, capsys)
    chosen = [line for line in out.splitlines() if "chosen:" in line]
    assert len(chosen) == 2
    assert all("training accuracy 100%" in line for line in chosen), out  # 30 digits are memorised


def test_two_layer_net(tmp_path, capsys):
    out, _ = run("two_layer_net", ["--epochs", "4", "--train-size", "300", "--val-size", "100",
                                   "--batch-size", "20"], tmp_path, capsys)
    assert_learns(epoch_lines(out), loss_drop=0.05, accuracy=3 * CHANCE)
    match = re.search(r"best val acc (\d+\.\d)%.*test acc (\d+\.\d)%", out)
    assert match and float(match.group(2)) / 100 > 3 * CHANCE


def test_three_layer_convnet(tmp_path, capsys):
    out, _ = run("three_layer_convnet", ["--epochs", "2", "--train-size", "200", "--val-size", "100"],
                 tmp_path, capsys)
    epochs = epoch_lines(out)
    assert_learns(epochs, loss_drop=0.25, accuracy=5 * CHANCE)
    match = re.search(r"best val acc (\d+\.\d)%.*final train acc (\d+\.\d)%", out)
    assert match and float(match.group(2)) / 100 == pytest.approx(epochs[-1]["train_accuracy"], abs=1e-3)


@pytest.mark.parametrize("name", ["batchnorm_weight_scale", "batchnorm_vs_baseline", "dropout_regularization",
                                  "overfit_small_data", "two_layer_net", "three_layer_convnet"])
def test_docstring_states_command_and_time(name):
    doc = load(name).__doc__
    assert f"python examples/{name}.py" in doc and "on 2 cores" in doc
