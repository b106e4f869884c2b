"""Every layer and loss takes PyTorch's arguments: the ones it shares with ``torch.nn`` come in the
same order with the same defaults (a stored table of PyTorch 2.13's signatures, and PyTorch itself
when it is installed). Arguments PyTorch has and minitorch_nn does not (``inplace``, ``dilation``,
``device`` …) are simply absent; the documented differences are listed in ``DIFFERENCES``."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import minitorch_nn as mt

_ = inspect.Parameter.empty  # a required argument
PYTORCH = {  # torch.nn.<name>.__init__ in PyTorch 2.13, without self
    "Linear": {"in_features": _, "out_features": _, "bias": True, "device": None, "dtype": None},
    "Identity": {"args": _, "kwargs": _},
    "Flatten": {"start_dim": 1, "end_dim": -1},
    "ReLU": {"inplace": False},
    "LeakyReLU": {"negative_slope": 0.01, "inplace": False},
    "Sigmoid": {"args": _, "kwargs": _},
    "Tanh": {"args": _, "kwargs": _},
    "Softmax": {"dim": None},
    "LogSoftmax": {"dim": None},
    "BatchNorm1d": {"num_features": _, "eps": 1e-05, "momentum": 0.1, "affine": True, "track_running_stats": True,
                    "device": None, "dtype": None, "bias": True},
    "BatchNorm2d": {"num_features": _, "eps": 1e-05, "momentum": 0.1, "affine": True, "track_running_stats": True,
                    "device": None, "dtype": None, "bias": True},
    "Dropout": {"p": 0.5, "inplace": False},
    "Dropout2d": {"p": 0.5, "inplace": False},
    "Conv2d": {"in_channels": _, "out_channels": _, "kernel_size": _, "stride": 1, "padding": 0, "dilation": 1,
               "groups": 1, "bias": True, "padding_mode": "zeros", "device": None, "dtype": None},
    "MaxPool2d": {"kernel_size": _, "stride": None, "padding": 0, "dilation": 1, "return_indices": False,
                  "ceil_mode": False},
    "AvgPool2d": {"kernel_size": _, "stride": None, "padding": 0, "ceil_mode": False, "count_include_pad": True,
                  "divisor_override": None},
    "AdaptiveAvgPool2d": {"output_size": _},
    "CrossEntropyLoss": {"weight": None, "size_average": None, "ignore_index": -100, "reduce": None,
                         "reduction": "mean", "label_smoothing": 0.0},
    "NLLLoss": {"weight": None, "size_average": None, "ignore_index": -100, "reduce": None, "reduction": "mean"},
    "MSELoss": {"size_average": None, "reduce": None, "reduction": "mean"},
    "MultiMarginLoss": {"p": 1, "margin": 1.0, "weight": None, "size_average": None, "reduce": None,
                        "reduction": "mean"},
}
# Deliberate, documented differences: (class, argument) -> minitorch_nn's default.
DIFFERENCES = {
    # PyTorch's dim=None picks an axis implicitly (deprecated there); minitorch_nn documents dim=-1.
    ("Softmax", "dim"): -1,
    ("LogSoftmax", "dim"): -1,
    # parameters are float32 by default (PyTorch: None, meaning its default dtype, float32)
    ("Linear", "dtype"): np.float32,
    ("BatchNorm1d", "dtype"): np.float32,
    ("BatchNorm2d", "dtype"): np.float32,
    ("Conv2d", "dtype"): np.float32,
}
OWN_EXTRAS = {"GlobalAvgPool2d"}  # no PyTorch counterpart


def ours(name: str) -> dict:
    parameters = inspect.signature(getattr(mt, name)).parameters
    return {key: p.default for key, p in parameters.items()}


def check(name: str, theirs: dict) -> None:
    mine = ours(name)
    shared = [key for key in mine if key in theirs]
    assert shared == [key for key in theirs if key in mine], f"{name}: shared arguments in another order"
    for key in shared:
        expected = DIFFERENCES.get((name, key), theirs[key])
        assert mine[key] == expected, f"{name}({key}=...): default {mine[key]!r}, PyTorch's {theirs[key]!r}"
    missing_required = [key for key in theirs if theirs[key] is _ and key not in mine and key not in ("args", "kwargs")]
    assert not missing_required, f"{name} lacks PyTorch's required arguments {missing_required}"
    extras = [key for key in mine if key not in theirs and key not in ("args", "kwargs")]
    assert not [key for key in extras if mine[key] is _], f"{name} requires arguments PyTorch does not: {extras}"


def test_every_layer_and_loss_is_in_the_table():
    public = set(mt.layers.__all__) | {"CrossEntropyLoss", "NLLLoss", "MSELoss", "MultiMarginLoss"}
    assert public - OWN_EXTRAS - {"Sequential"} == set(PYTORCH)


@pytest.mark.parametrize("name", sorted(PYTORCH))
def test_arguments_and_defaults_are_pytorchs(name):
    check(name, PYTORCH[name])


@pytest.mark.parametrize("name", sorted(PYTORCH))
def test_the_table_is_live_pytorchs(name):
    torch = pytest.importorskip("torch")
    live = {key: p.default for key, p in inspect.signature(getattr(torch.nn, name)).parameters.items()}
    assert live == PYTORCH[name]
