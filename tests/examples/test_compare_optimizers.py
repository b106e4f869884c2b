"""Smoke test of examples/compare_optimizers.py on the offline Digits set."""
from __future__ import annotations

import csv
import importlib.util
import pathlib

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "compare_optimizers.py"


def test_compare_optimizers_writes_the_figure(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("compare_optimizers", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert example.main(["--dataset", "digits", "--epochs", "2", "--batch-size", "20", "--train-size", "300",
                         "--val-size", "100", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("sgd", "sgd_momentum", "nesterov", "rmsprop", "adam"))
    (folder,) = tmp_path.iterdir()
    assert f"wrote {folder}" in out
    assert (folder / "compare_optimizers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(folder / "compare_optimizers.csv") as file:
        rows = list(csv.DictReader(file))
    names = ["sgd", "sgd_momentum", "nesterov", "rmsprop", "adam"]
    assert [(r["optimizer"], r["epoch"]) for r in rows] == [(n, e) for n in names for e in ("1", "2")]
    for first, second in zip(rows[::2], rows[1::2]):  # every optimiser learns: the loss falls, accuracy beats chance
        assert float(second["train_loss"]) < 0.95 * float(first["train_loss"]), (first, second)
        assert float(second["val_accuracy"]) > 0.4, second
