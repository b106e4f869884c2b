"""RMSprop: defaults, validation and state."""
import inspect

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim


def test_defaults_match_pytorch():
    sig = inspect.signature(optim.RMSprop)
    assert {k: v.default for k, v in sig.parameters.items() if k != "params"} == {
        "lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0, "centered": False,
        "maximize": False,
    }


def test_defaults_match_live_pytorch():
    torch = pytest.importorskip("torch")
    ours = optim.RMSprop([mt.Parameter(np.zeros(2))]).param_groups[0]
    theirs = torch.optim.RMSprop([torch.zeros(2, requires_grad=True)]).param_groups[0]
    assert {k: ours[k] for k in ours if k != "params"} == {k: theirs[k] for k in ours if k != "params"}


INVALID_ARGUMENTS = [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ({"momentum": -0.1}, "Invalid momentum value: -0.1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ({"alpha": -0.99}, "Invalid alpha value: -0.99"),
]


@pytest.mark.parametrize("kwargs, message", INVALID_ARGUMENTS)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        optim.RMSprop([mt.Parameter(np.zeros(2))], **kwargs)


@pytest.mark.parametrize("kwargs, message", INVALID_ARGUMENTS)
def test_invalid_arguments_live_pytorch_says_the_same(kwargs, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=f"^{message}$"):
        torch.optim.RMSprop([torch.zeros(2, requires_grad=True)], **kwargs)


def test_first_step_is_the_formula():
    p = mt.Parameter(np.array([1.0, -1.0]))
    p.grad = np.array([0.3, -2.0])
    optim.RMSprop([p], lr=0.01, alpha=0.9).step()
    v = 0.1 * p.grad**2
    np.testing.assert_allclose(p.data, np.array([1.0, -1.0]) - 0.01 * p.grad / (np.sqrt(v) + 1e-8))


@pytest.mark.parametrize("kwargs, keys", [
    ({}, {"step", "square_avg"}),
    ({"momentum": 0.9}, {"step", "square_avg", "momentum_buffer"}),
    ({"centered": True}, {"step", "square_avg", "grad_avg"}),
])
def test_state_names(kwargs, keys):
    p = mt.Parameter(np.ones(2))
    p.grad = np.ones(2)
    opt = optim.RMSprop([p], **kwargs)
    opt.step()
    assert set(opt.state[p]) == keys


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9, "centered": True}])
def test_step_counts_the_updates_as_pytorch(kwargs):
    p = mt.Parameter(np.ones(2))
    opt = optim.RMSprop([p], **kwargs)
    for step in range(1, 4):
        p.grad = np.full(2, float(step))
        opt.step()
        assert opt.state[p]["step"] == step
    assert opt.state_dict()["state"][0]["step"] == 3
