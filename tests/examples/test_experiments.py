"""Smoke tests of the experiment scripts in examples/ on the offline Digits set: tiny sizes, one or two epochs."""
from __future__ import annotations

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


def test_batchnorm_weight_scale(tmp_path, capsys):
    out, folder = run("batchnorm_weight_scale", ["--scales", "2", "--epochs", "1", "--train-size", "200",
                                                 "--val-size", "100", "--workers", "2"], tmp_path, capsys)
    rows = (folder / "batchnorm_weight_scale.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 2  # header, 2 scales x (baseline, batchnorm)
    assert "baseline:" in out and "batchnorm:" in out
    assert all(0 <= p <= 1 for p in percentages(out))


def test_batchnorm_vs_baseline(tmp_path, capsys):
    out, _ = run("batchnorm_vs_baseline", ["--epochs", "2", "--train-size", "300", "--val-size", "100"],
                 tmp_path, capsys)
    for name in ("baseline", "batchnorm"):
        line = next(line for line in out.splitlines() if line.strip().startswith(name))
        assert all(0 <= p <= 1 for p in percentages(line))
    assert max(percentages(out)) > 0.3  # digits are easy: two epochs beat chance (10%) clearly


def test_dropout_regularization(tmp_path, capsys):
    out, _ = run("dropout_regularization", ["--epochs", "2", "--train-size", "200", "--val-size", "100"],
                 tmp_path, capsys)
    lines = [line for line in out.splitlines() if line.startswith("dropout")]
    assert [line.split(":")[0] for line in lines] == ["dropout 0.00", "dropout 0.25", "dropout 0.60"]
    assert all(0 <= p <= 1 for p in percentages(out))


def test_overfit_small_data(tmp_path, capsys):
    out, _ = run("overfit_small_data", ["--epochs", "20", "--train-size", "30", "--batch-size", "10"], tmp_path, capsys)
    chosen = [line for line in out.splitlines() if "chosen:" in line]
    assert len(chosen) == 2
    assert all("training accuracy 100%" in line for line in chosen), out  # 30 digits are memorised


def test_two_layer_net(tmp_path, capsys):
    out, _ = run("two_layer_net", ["--epochs", "2", "--train-size", "300", "--val-size", "100"], tmp_path, capsys)
    match = re.search(r"best val acc (\d+\.\d)%.*test acc (\d+\.\d)%", out)
    assert match and all(0 <= float(v) <= 100 for v in match.groups())


def test_three_layer_convnet(tmp_path, capsys):
    out, _ = run("three_layer_convnet", ["--epochs", "2", "--train-size", "300", "--val-size", "100"], tmp_path, capsys)
    match = re.search(r"best val acc (\d+\.\d)%.*final train acc (\d+\.\d)%", out)
    assert match and all(0 <= float(v) <= 100 for v in match.groups())


@pytest.mark.parametrize("name", ["batchnorm_weight_scale", "batchnorm_vs_baseline", "dropout_regularization",
                                  "overfit_small_data", "two_layer_net", "three_layer_convnet"])
def test_docstring_states_command_and_time(name):
    doc = load(name).__doc__
    assert f"python examples/{name}.py" in doc and "on 2 cores" in doc
