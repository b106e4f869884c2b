"""Adam and AdamW: defaults, validation, and what sets them apart."""
import inspect

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim


@pytest.mark.parametrize("cls, weight_decay, extra", [(optim.Adam, 0, {"decoupled_weight_decay": False}),
                                                      (optim.AdamW, 1e-2, {})])
def test_defaults_match_pytorch(cls, weight_decay, extra):
    sig = inspect.signature(cls)
    assert {k: v.default for k, v in sig.parameters.items() if k != "params"} == {
        "lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": weight_decay, "amsgrad": False,
        "maximize": False, **extra,
    }


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_defaults_match_live_pytorch(name):
    torch = pytest.importorskip("torch")
    ours = getattr(optim, name)([mt.Parameter(np.zeros(2))]).param_groups[0]
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).param_groups[0]
    assert {k: ours[k] for k in ours if k != "params"} == {k: theirs[k] for k in ours if k != "params"}


INVALID_ARGUMENTS = [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ({"betas": (0.9, -0.5)}, "Invalid beta parameter at index 1: -0.5"),
    ({"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
]


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("kwargs, message", INVALID_ARGUMENTS)
def test_invalid_arguments(name, kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        getattr(optim, name)([mt.Parameter(np.zeros(2))], **kwargs)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("kwargs, message", INVALID_ARGUMENTS)
def test_invalid_arguments_live_pytorch_says_the_same(name, kwargs, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=f"^{message}$"):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)


def test_adam_first_step_is_the_formula():
    p = mt.Parameter(np.array([1.0, -1.0, 0.5]))
    p.grad = np.array([0.3, -2.0, 0.0])
    opt = optim.Adam([p], lr=0.01)
    opt.step()
    m, v = 0.1 * p.grad, 0.001 * p.grad**2
    expected = np.array([1.0, -1.0, 0.5]) - 0.01 * (m / 0.1) / (np.sqrt(v / 0.001) + 1e-8)
    np.testing.assert_allclose(p.data, expected, rtol=1e-12)
    assert set(opt.state[p]) == {"step", "exp_avg", "exp_avg_sq"}
    assert opt.state[p]["step"] == 1


def test_amsgrad_state():
    p = mt.Parameter(np.ones(2))
    p.grad = np.ones(2)
    opt = optim.Adam([p], amsgrad=True)
    opt.step()
    assert set(opt.state[p]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}


def test_adamw_decay_is_decoupled_from_the_moments():
    grads = [np.array([0.3, -2.0]), np.array([1.0, 0.5]), np.array([-0.2, 0.1])]
    pw, pa, p0 = (mt.Parameter(np.array([1.0, -1.0])) for _ in range(3))
    adamw = optim.AdamW([pw], lr=0.01, weight_decay=0.1)
    adam_l2 = optim.Adam([pa], lr=0.01, weight_decay=0.1)
    adam = optim.Adam([p0], lr=0.01)
    for g in grads:
        for p, opt in ((pw, adamw), (pa, adam_l2), (p0, adam)):
            p.grad = g.copy()
            opt.step()
    # AdamW's moments see only the gradient; Adam's L2 term goes through them
    np.testing.assert_array_equal(adamw.state[pw]["exp_avg"], adam.state[p0]["exp_avg"])
    assert not np.allclose(adam_l2.state[pa]["exp_avg"], adam.state[p0]["exp_avg"])


def test_adamw_with_zero_decay_is_adam():
    pw, pa = mt.Parameter(np.array([1.0, -1.0])), mt.Parameter(np.array([1.0, -1.0]))
    adamw, adam = optim.AdamW([pw], lr=0.01, weight_decay=0), optim.Adam([pa], lr=0.01)
    for g in [np.array([0.3, -2.0]), np.array([1.0, 0.5])]:
        pw.grad, pa.grad = g.copy(), g.copy()
        adamw.step()
        adam.step()
    np.testing.assert_array_equal(pw.data, pa.data)


def test_adamw_is_adam_with_decoupled_weight_decay():
    """As PyTorch (>= 2.7): ``AdamW`` subclasses ``Adam`` and differs only by its weight-decay rule."""
    assert issubclass(optim.AdamW, optim.Adam)
    assert optim.AdamW([mt.Parameter(np.zeros(2))]).param_groups[0]["decoupled_weight_decay"] is True
    assert optim.Adam([mt.Parameter(np.zeros(2))]).param_groups[0]["decoupled_weight_decay"] is False
    grads = [np.array([0.3, -2.0]), np.array([1.0, 0.5])]
    pw, pa = mt.Parameter(np.array([1.0, -1.0])), mt.Parameter(np.array([1.0, -1.0]))
    adamw = optim.AdamW([pw], lr=0.01, weight_decay=0.1)
    adam = optim.Adam([pa], lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)
    for g in grads:
        pw.grad, pa.grad = g.copy(), g.copy()
        adamw.step()
        adam.step()
    np.testing.assert_array_equal(pw.data, pa.data)


def test_adamw_stays_decoupled_after_loading_an_adam_state():
    p = mt.Parameter(np.zeros(2))
    adamw = optim.AdamW([p])
    adamw.load_state_dict(optim.Adam([mt.Parameter(np.zeros(2))]).state_dict())
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


def test_adamw_decay_of_one_shrinks_the_weights_first():
    p = mt.Parameter(np.array([2.0, -1.0]))
    p.grad = np.array([0.5, -0.5])
    optim.AdamW([p], lr=0.1, weight_decay=1.0).step()
    # p * (1 - lr * wd), then the first Adam step moves each weight by lr against its gradient's sign
    np.testing.assert_allclose(p.data, [2.0 * 0.9 - 0.1, -1.0 * 0.9 + 0.1], rtol=1e-7)
