"""Using a trained run: load_trained, train.py --evaluate (= summary.json) and --predict (.png, .npy)."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.data import Digits
from minitorch_nn.run.cli import main
from minitorch_nn.run.trained_runs import evaluate_checkpoint
from minitorch_nn.training import CheckpointError, load_trained

MLP_RUN = """
[data]
dataset = "digits"
batch_size = 64
[model]
hidden = [32, 16]
batchnorm = true
dropout = 0.2
[optim]
lr = 0.01
[train]
epochs = 4
label_smoothing = 0.1
threads = 1
"""
CONV_RUN = """
[data]
dataset = "digits"
normalize = "center"
[model]
kind = "three_layer_convnet"
channels = [4, 4]
[train]
epochs = 2
restore_best = false
"""


def _train(tmp_path, text: str) -> pathlib.Path:
    config = tmp_path / "run.toml"
    config.write_text(text)
    assert main(["--config", str(config), "--out", str(tmp_path / "runs"), "--quiet"]) == 0
    (folder,) = (tmp_path / "runs").iterdir()
    return folder


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("mlp"), MLP_RUN)


@pytest.fixture(scope="module")
def conv_run(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("conv"), CONV_RUN)


@pytest.mark.parametrize("run", ["mlp_run", "conv_run"])
def test_evaluate_reproduces_summary_json_exactly(run, request, capsys):
    folder = request.getfixturevalue(run)
    summary = json.loads((folder / "summary.json").read_text())
    checkpoint = folder / summary["tested_checkpoint"]
    result = evaluate_checkpoint(checkpoint)
    assert result["test_loss"] == summary["test_loss"] and result["test_accuracy"] == summary["test_accuracy"]
    assert result["confusion"].sum() == 360 and np.trace(result["confusion"]) == result["correct"]
    capsys.readouterr()
    assert main(["--evaluate", str(checkpoint)]) == 0
    out = capsys.readouterr().out
    assert f"test loss {summary['test_loss']:.6f}  accuracy {summary['test_accuracy']:.2%}" in out
    assert "confusion matrix (rows: true class, columns: predicted class)" in out and "9 - nine" in out
    assert "(the same as" in out and "summary.json" in out
    # The run's own BLAS thread count (another one rounds the products differently).
    assert ("BLAS threads: 1" in out) == (run == "mlp_run")


def test_load_trained_scores_raw_uint8_images(mlp_run):
    model, preprocess = load_trained(mlp_run / "best.npz")
    assert not model.training and preprocess.classes[3] == "3 - three" and preprocess.layout == "flat"
    test = Digits(train=False)
    predictions = model(preprocess(test.data)).argmax(axis=1)
    summary = json.loads((mlp_run / "summary.json").read_text())
    assert np.mean(predictions == test.targets) == summary["test_accuracy"]
    assert model(preprocess(test.data[0])).shape == (1, 10)      # one image is a batch of one
    with pytest.raises(TypeError, match="raw uint8 images"):
        preprocess(test.data / 255)
    with pytest.raises(ValueError, match=r"takes grayscale 8x8 images"):
        preprocess(np.zeros((2, 28, 28), dtype=np.uint8))


def test_a_conv_run_records_channels_first_input(conv_run):
    model, preprocess = load_trained(conv_run / "last.npz")
    assert preprocess.layout == "channels_first" and preprocess.input_shape == (1, 8, 8)
    assert preprocess(Digits(train=False).data[:5]).shape == (5, 1, 8, 8)
    assert isinstance(model, mt.models.ThreeLayerConvNet)


def test_predict_classifies_png_and_npy(mlp_run, tmp_path, capsys):
    import matplotlib.image

    test = Digits(train=False)
    model, preprocess = load_trained(mlp_run / "best.npz")
    expected = [preprocess.classes[k] for k in model(preprocess(test.data[:3])).argmax(axis=1)]
    np.save(tmp_path / "three.npy", test.data[:3])
    np.save(tmp_path / "one.npy", test.data[0].astype(np.int64))           # any integer pixels 0..255
    matplotlib.image.imsave(tmp_path / "gray.png", test.data[1], cmap="gray", vmin=0, vmax=255)  # saved as RGBA
    capsys.readouterr()
    assert main(["--predict", str(mlp_run / "best.npz"), str(tmp_path / "three.npy"), str(tmp_path / "one.npy"),
                 str(tmp_path / "gray.png")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[1].split(" (")[0] for line in lines] == expected + expected[:1] + expected[1:2]
    assert lines[0].startswith(f"{tmp_path / 'three.npy'}[0]: ")


@pytest.mark.parametrize("make, message", [
    (lambda d: np.save(d / "x.npy", np.zeros((4, 4), dtype=np.uint8)), "do not fit this model, which takes 8x8"),
    (lambda d: np.save(d / "x.npy", np.zeros((8, 8))), "holds float64 values"),
    (lambda d: (d / "x.png").write_text("not a png"), "cannot be read as a PNG image"),
    (lambda d: (d / "x.jpg").write_text("jpeg"), "reads .png and .npy images"),
    (lambda d: None, "no such file"),
])
def test_predict_rejects_bad_files_with_one_message(mlp_run, tmp_path, capsys, make, message):
    make(tmp_path)
    name = next((p.name for p in tmp_path.iterdir()), "missing.png")
    capsys.readouterr()
    assert main(["--predict", str(mlp_run / "best.npz"), str(tmp_path / name)]) == 1
    out, err = capsys.readouterr()
    assert message in err and err.count("\n") == 1 and "Traceback" not in err and out == ""


def test_using_a_trained_run_checks_its_arguments(mlp_run, tmp_path, capsys):
    assert main(["--evaluate", str(mlp_run / "best.npz"), "--epochs", "3"]) == 2
    assert "--epochs cannot be combined with --evaluate" in capsys.readouterr().err
    assert main(["--predict", str(mlp_run / "best.npz")]) == 1
    assert "at least one image file" in capsys.readouterr().err
    assert main(["--evaluate", str(tmp_path / "nothing.npz")]) == 1
    assert "does not exist" in capsys.readouterr().err
    mt.save({"weights": np.zeros(2)}, tmp_path / "weights.npz")
    with pytest.raises(CheckpointError, match="not a minitorch_nn training checkpoint"):
        load_trained(tmp_path / "weights.npz")


def test_a_checkpoint_without_an_inference_record_says_how_to_load_it(mlp_run, tmp_path):
    checkpoint = mt.load(mlp_run / "best.npz")
    del checkpoint["inference"]
    mt.save(checkpoint, tmp_path / "old.npz")
    with pytest.raises(CheckpointError, match=r"build the model yourself, then model.load_state_dict"):
        load_trained(tmp_path / "old.npz")
