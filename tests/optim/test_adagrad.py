"""Adagrad: defaults, validation and state."""
import inspect

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim


def test_defaults_match_pytorch():
    sig = inspect.signature(optim.Adagrad)
    assert {k: v.default for k, v in sig.parameters.items() if k != "params"} == {
        "lr": 1e-2, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0, "eps": 1e-10,
        "maximize": False,
    }


def test_defaults_match_live_pytorch():
    torch = pytest.importorskip("torch")
    ours = optim.Adagrad([mt.Parameter(np.zeros(2))]).param_groups[0]
    theirs = torch.optim.Adagrad([torch.zeros(2, requires_grad=True)]).param_groups[0]
    assert {k: ours[k] for k in ours if k != "params"} == {k: theirs[k] for k in ours if k != "params"}


INVALID_ARGUMENTS = [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"lr_decay": -0.1}, "Invalid lr_decay value: -0.1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ({"initial_accumulator_value": -1}, "Invalid initial_accumulator_value value: -1"),
    ({"eps": -1}, "Invalid epsilon value: -1"),
]


@pytest.mark.parametrize("kwargs, message", INVALID_ARGUMENTS)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        optim.Adagrad([mt.Parameter(np.zeros(2))], **kwargs)


@pytest.mark.parametrize("kwargs, message", INVALID_ARGUMENTS)
def test_invalid_arguments_live_pytorch_says_the_same(kwargs, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=f"^{message}$"):
        torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], **kwargs)


def test_steps_are_the_formula():
    p = mt.Parameter(np.array([1.0, -1.0]))
    opt = optim.Adagrad([p], lr=0.1, lr_decay=0.5, initial_accumulator_value=0.25)
    expected, total = p.data.copy(), np.full(2, 0.25)
    for t, g in enumerate([np.array([0.3, -2.0]), np.array([1.0, 0.5])], start=1):
        p.grad = g
        opt.step()
        total = total + g**2
        expected = expected - 0.1 / (1 + (t - 1) * 0.5) * g / (np.sqrt(total) + 1e-10)
    np.testing.assert_allclose(p.data, expected, rtol=1e-14)
    assert opt.state[p]["step"] == 2
    np.testing.assert_allclose(opt.state[p]["sum"], total)
