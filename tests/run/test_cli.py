"""train.py / minitorch_nn.run.cli: the offline first run, config errors, resume, divergence, real MNIST."""
from __future__ import annotations

import csv
import json
import os
import pathlib
import socket
import sys

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.run.cli import RUN_FILES, main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = pathlib.Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TINY = """
[data]
dataset = "digits"
batch_size = 64
[model]
hidden = [32, 16]
batchnorm = true
dropout = 0.2
[optim]
name = "adam"
lr = 0.01
[schedule]
name = "exponential"
gamma = 0.8
[train]
epochs = 4
"""


@pytest.fixture
def offline(monkeypatch):
    """No network and no $MINITORCH_DATA: downloads fail at once."""
    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    import minitorch_nn.data.download as download

    monkeypatch.setattr(download, "urlopen", refuse)
    monkeypatch.delenv("MINITORCH_DATA", raising=False)


def run_folder(out: pathlib.Path) -> pathlib.Path:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def test_default_run_offline_falls_back_to_digits_and_writes_every_file(tmp_path, offline, capsys):
    empty = tmp_path / "no-data"
    empty.mkdir()
    assert main(["--data-dir", str(empty), "--out", str(tmp_path / "runs"), "--quiet"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("MNIST is not available: ") and "cannot be downloaded" in lines[0]
    assert lines[1].startswith("Training mnist_mlp-digits-fallback instead: the same recipe on the 8x8 Digits set")
    assert f"{empty}/mnist/" in lines[2] and "train-images-idx3-ubyte.gz" in lines[2] and "MINITORCH_DATA" in lines[2]

    folder = run_folder(tmp_path / "runs")
    assert folder.name.startswith("mnist_mlp-digits-fallback-")
    config_text = (folder / "config.toml").read_text()
    assert "# FALLBACK: this run was to train mnist_mlp on MNIST, which is not available" in config_text
    assert f"{empty}/mnist/" in config_text
    assert sorted(p.name for p in folder.iterdir()) == sorted(RUN_FILES)
    import matplotlib.image

    for png in ("curves.png", "confusion.png"):
        assert (folder / png).read_bytes()[:8] == PNG_SIGNATURE
        assert matplotlib.image.imread(folder / png).ndim == 3
    config = tomllib.loads((folder / "config.toml").read_text())
    assert config["data"]["dataset"] == "digits" and config["model"]["hidden"] == [512, 64]
    with open(folder / "metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == config["train"]["epochs"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["test_accuracy"] > 0.85 and summary["best_val_accuracy"] > 0.85
    assert set(summary["versions"]) == {"python", "numpy", "minitorch_nn"}
    assert summary["train_seconds"] > 0 and summary["wall_seconds"] >= summary["train_seconds"]
    assert summary["fallback"]["recipe_dataset"] == "mnist" and summary["fallback"]["dataset"] == "digits"
    assert "cannot be downloaded" in summary["fallback"]["reason"]
    for name in ("best.npz", "last.npz"):
        assert mt.load(folder / name)["config"] == config


def test_an_explicit_missing_data_set_fails_with_one_message(tmp_path, offline, capsys):
    code = main(["--dataset", "mnist", "--data-dir", str(tmp_path), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 1 and "MNIST" in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()


def test_a_data_root_pointing_at_the_mnist_folder_itself_is_explained_not_replaced(tmp_path, offline, capsys):
    folder = tmp_path / "datasets" / "mnist"
    folder.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (folder / name).write_bytes(b"")
    code = main(["--data-dir", str(folder), "--out", str(tmp_path / "runs"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "holds the MNIST files itself" in err and "Traceback" not in err
    assert f"point --data-dir / $MINITORCH_DATA at {tmp_path / 'datasets'} (the folder above)" in err
    assert not (tmp_path / "runs").exists()


def test_threads_sets_the_blas_threads_for_the_run_only(tmp_path, capsys):
    from threadpoolctl import threadpool_info

    before = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    config = tmp_path / "tiny.toml"
    config.write_text(TINY.replace("epochs = 4", "epochs = 1\nthreads = 1"))
    assert main(["--config", str(config), "--out", str(tmp_path), "--quiet"]) == 0
    assert "BLAS threads: 1" in capsys.readouterr().out
    assert [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] == before
    assert tomllib.loads((run_folder(tmp_path) / "config.toml").read_text())["train"]["threads"] == 1
    assert main(["--threads", "-1", "--out", str(tmp_path)]) == 2
    assert "train.threads = -1 (from --threads) must be >= 0" in capsys.readouterr().err


def test_misspelt_config_key_exits_2_naming_it(tmp_path, capsys):
    path = tmp_path / "x.toml"
    path.write_text('[optim]\noptimiser = "sgd"\n')
    assert main(["--config", str(path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"config key 'optimiser' in {path} is not known; valid keys in [optim]: name, lr, momentum" in err
    assert "Traceback" not in err and not [p for p in tmp_path.iterdir() if p.is_dir()]  # no run folder


def test_bad_optimizer_name_exits_2_listing_the_valid_ones(tmp_path, capsys):
    assert main(["--optimizer", "adamm", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "adamm" in err and "valid values: sgd, rmsprop, adagrad, adam, adamw" in err
    assert main(["--hidden", "512,x"]) == 2
    assert "--hidden" in capsys.readouterr().err


def test_resume_is_bit_identical(tmp_path, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY)
    assert main(["--config", str(config), "--out", str(tmp_path / "straight"), "--quiet"]) == 0
    assert main(["--config", str(config), "--out", str(tmp_path / "split"), "--epochs", "2", "--quiet"]) == 0
    split = run_folder(tmp_path / "split")
    mt.manual_seed(999)  # whatever the generator holds, the checkpoint's state is restored
    assert main(["--resume", str(split / "last.npz"), "--epochs", "4", "--quiet"]) == 0
    straight = run_folder(tmp_path / "straight")
    for name in ("last.npz", "best.npz"):
        a, b = mt.load(straight / name), mt.load(split / name)
        assert a["epoch"] == b["epoch"] and a["model"].keys() == b["model"].keys()
        for key in a["model"]:
            assert np.array_equal(a["model"][key], b["model"][key]), (name, key)
    a, b = (json.loads((folder / "summary.json").read_text()) for folder in (straight, split))
    assert a["test_accuracy"] == b["test_accuracy"] and a["epochs"] == b["epochs"] == 4
    with open(split / "metrics.csv", newline="") as file:
        assert [row["epoch"] for row in csv.DictReader(file)] == ["1", "2", "3", "4"]

    capsys.readouterr()
    assert main(["--resume", str(split / "last.npz"), "--lr", "0.5"]) == 2
    assert "--lr cannot be combined with --resume" in capsys.readouterr().err
    assert main(["--resume", str(split / "last.npz")]) == 2  # already 4 of 4 epochs
    assert main(["--resume", str(tmp_path / "nothing.npz")]) == 2


def test_nan_loss_stops_with_exit_1_and_keeps_a_loadable_checkpoint(tmp_path, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY.replace('name = "adam"', 'name = "sgd"').replace("batchnorm = true", "batchnorm = false"))
    code = main(["--config", str(config), "--lr", "1e12", "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "diverged" in err and "learning rate" in err and "Traceback" not in err
    checkpoint = mt.load(run_folder(tmp_path) / "last.npz")
    assert all(np.isfinite(array).all() for array in checkpoint["model"].values())


def test_a_conv_net_kind_trains_on_images(tmp_path):
    config = tmp_path / "conv.toml"
    config.write_text('[data]\ndataset = "digits"\n[model]\nkind = "convnet"\nchannels = [4]\n[train]\nepochs = 1\n')
    assert main(["--config", str(config), "--out", str(tmp_path), "--quiet"]) == 0
    folder = run_folder(tmp_path)
    assert folder.name.startswith("digits_convnet-")
    weights = mt.load(folder / "last.npz")["model"]
    assert weights["block1.0.weight"].shape == (4, 1, 3, 3)  # convolutions over (N, 1, 8, 8) images


def test_train_py_is_a_thin_wrapper():
    source = (REPO / "train.py").read_text()
    assert "from minitorch_nn.run.cli import main" in source and "sys.exit(main())" in source


@pytest.mark.skipif(not os.environ.get("MINITORCH_DATA"),
                    reason="needs the real MNIST files: set MINITORCH_DATA to a folder with mnist/")
def test_one_epoch_of_the_mnist_config_reaches_96_percent(tmp_path):
    assert main(["--config", str(REPO / "configs" / "mnist_mlp.toml"), "--epochs", "1", "--no-download",
                 "--out", str(tmp_path), "--quiet"]) == 0
    summary = json.loads((run_folder(tmp_path) / "summary.json").read_text())
    assert summary["dataset"] == "mnist" and summary["test_accuracy"] >= 0.96


# ------------------------------------------------------------------ the documented flags and [train] keys
SMALL = """
[data]
dataset = "digits"
augment = []
val_size = {val_size}
[model]
hidden = [16]
[optim]
name = "adam"
lr = 0.01
[schedule]
name = "none"
[train]
epochs = {epochs}
{train}
"""


def small_run(tmp_path, name: str, *flags: str, epochs: int = 1, val_size: str = "0.1", train: str = ""):
    """Train the small digits recipe into ``tmp_path / name``; returns the run folder."""
    config = tmp_path / f"{name}.toml"
    config.write_text(SMALL.format(epochs=epochs, val_size=val_size, train=train))
    assert main(["--config", str(config), "--out", str(tmp_path / name), "--quiet", *flags]) == 0
    return run_folder(tmp_path / name)


def rebuilt(folder: pathlib.Path, checkpoint: str = "last.npz"):
    """The run's test loader and its model with the weights of ``checkpoint``, rebuilt from config.toml."""
    from minitorch_nn.run.data_pipeline import build_data
    from minitorch_nn.run.datasets import load_splits
    from minitorch_nn.run.model_kinds import build_model

    config = tomllib.loads((folder / "config.toml").read_text())
    data = build_data(config["data"], config["train"]["seed"], load_splits(config["data"]["dataset"]))
    model = build_model(config["model"], data.input_shape, data.num_classes)
    model.load_state_dict(mt.load(folder / checkpoint)["model"])
    return config, data, model


def test_seed_flag_decides_the_run(tmp_path, capsys):
    first, again, other = (small_run(tmp_path, name, "--seed", seed) for name, seed in
                           (("first", "3"), ("again", "3"), ("other", "4")))
    weights = {folder: mt.load(folder / "last.npz")["model"] for folder in (first, again, other)}
    assert tomllib.loads((first / "config.toml").read_text())["train"]["seed"] == 3
    assert all(np.array_equal(weights[first][k], weights[again][k]) for k in weights[first])
    assert not any(np.array_equal(weights[first][k], weights[other][k]) for k in weights[first])
    # the seed also draws the validation split and the batch order: the recorded losses differ too
    losses = [mt.load(folder / "last.npz")["history"]["iteration_loss"] for folder in (first, other)]
    assert not np.array_equal(*losses)


def test_batch_size_flag_sets_the_training_batches(tmp_path):
    folder = small_run(tmp_path, "batches", "--batch-size", "50")
    config = tomllib.loads((folder / "config.toml").read_text())
    assert config["data"]["batch_size"] == 50
    train_images = 1437 - round(0.1 * 1437)  # Digits' training set less the validation tenth
    history = mt.load(folder / "last.npz")["history"]
    assert len(history["iteration_loss"]) == -(-train_images // 50)  # one loss per batch: ceil(1293 / 50)


@pytest.mark.parametrize("restore_best", [True, False])
def test_restore_best_decides_the_tested_weights(tmp_path, restore_best):
    # Five validation images: their accuracy soon stops improving, and a tie keeps the earlier
    # epoch, so the best epoch comes before the last one.
    folder = small_run(tmp_path, "restore", epochs=5, val_size="5",
                       train=f"restore_best = {str(restore_best).lower()}")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["best_epoch"] < summary["epochs"] == 5
    tested = "best.npz" if restore_best else "last.npz"
    untested = "last.npz" if restore_best else "best.npz"
    expected = f"best validation epoch ({summary['best_epoch']})" if restore_best else "last epoch"
    assert summary["tested_weights"] == expected
    _, data, model = rebuilt(folder, tested)
    loss, accuracy = mt.evaluate(model, data.test, mt.CrossEntropyLoss())
    assert summary["test_loss"] == pytest.approx(loss, rel=1e-9) and summary["test_accuracy"] == accuracy
    _, _, other = rebuilt(folder, untested)
    assert mt.evaluate(other, data.test, mt.CrossEntropyLoss())[0] != pytest.approx(loss, rel=1e-6)


def test_label_smoothing_is_the_loss_that_is_trained_and_reported(tmp_path):
    folder = small_run(tmp_path, "smooth", train="label_smoothing = 0.3")
    config, data, model = rebuilt(folder, "best.npz")
    assert config["train"]["label_smoothing"] == 0.3
    summary = json.loads((folder / "summary.json").read_text())
    smoothed = mt.evaluate(model, data.test, mt.CrossEntropyLoss(label_smoothing=0.3))[0]
    plain = mt.evaluate(model, data.test, mt.CrossEntropyLoss())[0]
    assert summary["test_loss"] == pytest.approx(smoothed, rel=1e-9)
    assert abs(smoothed - plain) > 0.05
