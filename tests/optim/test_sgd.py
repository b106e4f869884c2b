"""SGD: defaults, validation and the details of PyTorch's formulation."""
import inspect

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim


def test_defaults_match_pytorch():
    sig = inspect.signature(optim.SGD)
    assert {k: v.default for k, v in sig.parameters.items() if k != "params"} == {
        "lr": 1e-3, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False, "maximize": False,
    }


def test_defaults_match_live_pytorch():
    torch = pytest.importorskip("torch")
    ours = optim.SGD([mt.Parameter(np.zeros(2))]).param_groups[0]
    theirs = torch.optim.SGD([torch.zeros(2, requires_grad=True)]).param_groups[0]
    assert {k: ours[k] for k in ours if k != "params"} == {k: theirs[k] for k in ours if k != "params"}


INVALID_ARGUMENTS = [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ({"weight_decay": -1e-4}, "Invalid weight_decay value: -0.0001"),
    ({"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ({"nesterov": True, "momentum": 0.9, "dampening": 0.1},
     "Nesterov momentum requires a momentum and zero dampening"),
]


@pytest.mark.parametrize("kwargs, message", INVALID_ARGUMENTS)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        optim.SGD([mt.Parameter(np.zeros(2))], **kwargs)


@pytest.mark.parametrize("kwargs, message", INVALID_ARGUMENTS)
def test_invalid_arguments_live_pytorch_says_the_same(kwargs, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=f"^{message}$"):
        torch.optim.SGD([torch.zeros(2, requires_grad=True)], **kwargs)


def test_plain_step_is_the_formula():
    p = mt.Parameter(np.array([1.0, 2.0]))
    p.grad = np.array([0.5, -1.0])
    optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, 2.1])


def test_momentum_buffer_starts_as_a_copy_of_the_grad():
    p = mt.Parameter(np.array([1.0, 2.0]))
    p.grad = np.array([0.5, -1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    opt.step()  # first step: buf = grad (no dampening applied)
    buf = opt.state[p]["momentum_buffer"]
    assert not np.shares_memory(buf, p.grad)
    np.testing.assert_allclose(buf, [0.5, -1.0])
    np.testing.assert_allclose(p.data, [0.95, 2.1])
    opt.step()  # buf = 0.9 * buf + 0.5 * grad
    np.testing.assert_allclose(buf, [0.7, -1.4])


def test_no_state_without_momentum():
    p = mt.Parameter(np.ones(2))
    p.grad = np.ones(2)
    opt = optim.SGD([p], lr=0.1)
    opt.step()
    assert opt.state_dict()["state"] == {}
