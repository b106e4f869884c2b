"""The run config: defaults, configs/*.toml, TOML round trips, error messages, the model registry."""
from __future__ import annotations

import pathlib
import sys

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.run.config import (ConfigError, default_config, read_toml, resolve_config, to_toml,
                                     unused_settings)
from minitorch_nn.run.model_kinds import MODEL_KINDS, ModelKind, build_model, register_model_kind
from minitorch_nn.run.optimizers import build_optimizer
from minitorch_nn.run.options import Option, positive
from minitorch_nn.run.schedules import build_scheduler

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIGS = pathlib.Path(__file__).resolve().parents[2] / "configs"
CONFIG_FILES = sorted(CONFIGS.glob("*.toml"))


def test_the_expected_configs_exist():
    assert {p.stem for p in CONFIG_FILES} >= {"mnist_mlp", "fashion_mnist_mlp", "digits_mlp",
                                              "cifar10_twolayer", "cifar10_mlp"}


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: p.stem)
def test_every_config_resolves_builds_and_round_trips(path):
    config = resolve_config(read_toml(path), source=str(path))
    assert config["name"] == path.stem
    assert tomllib.loads(to_toml(config)) == config
    model = build_model(config["model"], (3, 32, 32) if "cifar" in path.stem else (1, 28, 28), 10)
    optimizer = build_optimizer(model.parameters(), config["optim"])
    build_scheduler(optimizer, config["schedule"], config["train"]["epochs"])
    assert unused_settings(config) == []


def test_defaults_are_the_mnist_recipe():
    recipe = resolve_config(read_toml(CONFIGS / "mnist_mlp.toml"))
    defaults = default_config()
    assert defaults["name"] == "" and {**recipe, "name": ""} == defaults


def test_mnist_recipe_shape():
    config = resolve_config(read_toml(CONFIGS / "mnist_mlp.toml"))
    assert config["data"]["dataset"] == "mnist" and config["model"]["hidden"] == [512, 64]
    two_layer = resolve_config(read_toml(CONFIGS / "cifar10_twolayer.toml"))
    assert two_layer["model"]["hidden"] == [100] and two_layer["optim"]["name"] == "sgd"
    assert two_layer["optim"]["lr"] == 0.1 and two_layer["data"]["batch_size"] == 100
    assert two_layer["schedule"]["name"] == "exponential" and two_layer["schedule"]["gamma"] == 0.95
    mlp = resolve_config(read_toml(CONFIGS / "cifar10_mlp.toml"))
    assert mlp["model"]["hidden"] == [600] * 4 and mlp["model"]["batchnorm"] and mlp["model"]["dropout"] > 0
    assert mlp["optim"]["name"] == "adam"


def test_overrides_win_and_are_validated():
    config = resolve_config({"optim": {"lr": 0.5}}, {"optim.lr": (0.25, "--lr"), "model.hidden": ([7], "--hidden")})
    assert config["optim"]["lr"] == 0.25 and config["model"]["hidden"] == [7]
    with pytest.raises(ConfigError, match=r"optim\.lr = -1\.0 \(from --lr\) must be > 0"):
        resolve_config(None, {"optim.lr": (-1.0, "--lr")})
    assert resolve_config({"optim": {"lr": 1}})["optim"]["lr"] == 1.0  # an int is a fine float


@pytest.mark.parametrize("raw, expected", [
    ({"optim": {"optimiser": "sgd"}},
     r"config key 'optimiser' in x\.toml is not known; valid keys in \[optim\]: name, lr, momentum"),
    ({"trian": {"epochs": 3}}, r"config section \[trian\] in x\.toml is not known.*did you mean 'train'"),
    ({"epochs": 3}, r"'epochs' in x\.toml is not known at the top level.*belongs in \[train\]"),
    ({"optim": {"name": "adamm"}}, r"optim\.name = \"adamm\" in x\.toml is not valid; valid values: sgd, rmsprop, "
                                   r"adagrad, adam, adamw"),
    ({"train": {"epochs": "10"}}, r"train\.epochs = \"10\" in x\.toml is not an integer"),
    ({"train": {"epochs": 2.5}}, r"train\.epochs = 2\.5 .* is not an integer"),
    ({"model": {"kind": "transformer"}}, r"model\.kind = \"transformer\" .* valid values: mlp, convnet"),
    ({"model": {"dropout": 1.5}}, r"model\.dropout = 1\.5 .* must be in \[0, 1\)"),
    ({"data": {"augment": ["flip", "rotate"]}}, r"has \"rotate\", which is not valid; valid values: crop, flip"),
    ({"optim": {"nesterov": True}}, r"nesterov = true needs momentum"),
])
def test_mistakes_are_named_with_the_valid_choices(raw, expected):
    with pytest.raises(ConfigError, match=expected):
        resolve_config(raw, source="x.toml")


def test_unused_settings_are_reported():
    config = resolve_config({"optim": {"name": "adam", "momentum": 0.9}, "schedule": {"name": "none", "gamma": 0.5}})
    assert unused_settings(config) == ["optim.momentum = 0.9 is not used by optim 'adam'",
                                       "schedule.gamma = 0.5 is not used by schedule 'none'"]


def test_toml_writer_handles_every_value_type():
    config = {"name": 'quote " and \\ and ünï', "a": {"flag": False, "n": -3, "x": 1e-05, "big": 1e300,
                                                      "xs": [0.5, 2.0], "s": ["p", "q"], "empty": []}}
    assert tomllib.loads(to_toml(config, comments=False)) == config


def test_read_toml_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        read_toml(tmp_path / "missing.toml")
    (tmp_path / "broken.toml").write_text("[data\nx = 1\n")
    with pytest.raises(ConfigError, match=r"broken\.toml is not valid TOML"):
        read_toml(tmp_path / "broken.toml")


@pytest.mark.parametrize("kind, channels", [("convnet", [4]), ("three_layer_convnet", [4, 2])])
def test_the_conv_net_kinds_take_images(kind, channels):
    config = resolve_config({"model": {"kind": kind, "channels": channels}})
    assert tomllib.loads(to_toml(config)) == config and "hidden" not in config["model"]
    assert not MODEL_KINDS[kind].flatten_input
    model = build_model(config["model"], (1, 8, 8), 10)
    assert model(np.zeros((2, 1, 8, 8), np.float32)).shape == (2, 10)


def test_a_new_model_kind_plugs_in_with_its_own_keys():
    class Scaled(mt.Module):  # stands in for a conv net: image input, its own config keys
        def __init__(self, channels, classes, scale):
            super().__init__()
            self.shape = None
            self.head = mt.Linear(channels, classes)
            self.scale = scale

        def forward(self, x):
            self.shape = x.shape
            return self.head(x.mean(axis=(2, 3))) * self.scale

    register_model_kind(ModelKind(
        name="toy_conv",
        build=lambda cfg, shape, classes: Scaled(shape[0], classes, cfg["scale"]),
        options={"scale": Option(1.0, "output scale", "float", check=positive)},
        flatten_input=False))
    try:
        config = resolve_config({"model": {"kind": "toy_conv", "scale": 2.0}})
        assert config["model"] == {"kind": "toy_conv", "scale": 2.0}
        assert "hidden" not in to_toml(config)
        with pytest.raises(ConfigError, match=r"'hidden' .* valid keys in \[model\]: kind, scale"):
            resolve_config({"model": {"kind": "toy_conv", "hidden": [3]}})
        with pytest.raises(ConfigError, match=r"--hidden sets model\.hidden, which this config does not have"):
            resolve_config({"model": {"kind": "toy_conv"}}, {"model.hidden": ([3], "--hidden")})
        model = build_model(config["model"], (3, 4, 4), 5)
        assert model(np.ones((2, 3, 4, 4), np.float32)).shape == (2, 5)
    finally:
        MODEL_KINDS.remove("toy_conv")
