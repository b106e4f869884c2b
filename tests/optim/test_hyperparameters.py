"""Every optimiser and scheduler checks every hyper-parameter in one shared place: numbers only, finite,
in range, with a message naming the argument (PyTorch's own text for out-of-range values)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.optim import lr_scheduler

OPTIMIZERS = {
    "SGD": (optim.SGD, ["lr", "momentum", "dampening", "weight_decay"], ["nesterov", "maximize"]),
    "Adam": (optim.Adam, ["lr", "eps", "weight_decay"], ["amsgrad", "maximize", "decoupled_weight_decay"]),
    "AdamW": (optim.AdamW, ["lr", "eps", "weight_decay"], ["amsgrad", "maximize"]),
    "RMSprop": (optim.RMSprop, ["lr", "alpha", "eps", "weight_decay", "momentum"], ["centered", "maximize"]),
    "Adagrad": (optim.Adagrad, ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"],
                ["maximize"]),
}
CASES = [(name, argument) for name, (_, numbers, _) in OPTIMIZERS.items() for argument in numbers]


def params():
    return [mt.Parameter(np.zeros(2))]


@pytest.mark.parametrize("name, argument", CASES)
@pytest.mark.parametrize("value, error, phrase", [
    ("0.1", TypeError, "must be a number, got '0.1' (str)"),
    (True, TypeError, "must be a number, got True (bool)"),
    (None, TypeError, "must be a number, got None (NoneType)"),
    (math.nan, ValueError, "must be a finite number, got nan"),
    (math.inf, ValueError, "must be a finite number, got inf"),
    (-math.inf, ValueError, "must be a finite number, got -inf"),
])
def test_every_numeric_argument_of_every_optimizer_is_checked(name, argument, value, error, phrase):
    cls = OPTIMIZERS[name][0]
    with pytest.raises(error) as info:
        cls(params(), **{argument: value})
    assert str(info.value) == f"{name}: {argument} {phrase}"
    with pytest.raises(error, match=f"^{name}: {argument} "):  # also as a parameter group's own value
        cls([{"params": params(), argument: value}])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_flags_must_be_booleans(name):
    cls, _, flags = OPTIMIZERS[name]
    for flag in flags:
        with pytest.raises(TypeError, match=f"^{name}: {flag} must be True or False, got 'yes'"):
            cls(params(), **{flag: "yes"})
        cls(params(), **{flag: np.bool_(False)})


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_betas(name):
    cls = OPTIMIZERS[name][0]
    with pytest.raises(TypeError, match=f"^{name}: betas must be a pair"):
        cls(params(), betas=0.9)
    with pytest.raises(TypeError, match=r"betas\[1\] must be a number, got '0.999'"):
        cls(params(), betas=(0.9, "0.999"))
    with pytest.raises(ValueError, match=r"betas\[0\] must be a finite number, got nan"):
        cls(params(), betas=(math.nan, 0.999))
    assert cls(params(), betas=[0.8, 0.9]).defaults["betas"] == (0.8, 0.9)


def test_out_of_range_values_keep_pytorchs_words():
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -0.1$"):
        optim.SGD(params(), lr=-0.1)
    with pytest.raises(ValueError, match=r"^Invalid momentum value: -1$"):
        optim.SGD([{"params": params(), "momentum": -1}])
    with pytest.raises(ValueError, match=r"^Nesterov momentum requires a momentum and zero dampening$"):
        optim.SGD(params(), nesterov=True)


def test_a_loaded_state_is_checked_like_the_arguments():
    opt = optim.Adam(params())
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = "0.001"
    with pytest.raises(TypeError, match="^Adam: lr must be a number, got '0.001'"):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 1e-3  # unchanged by the refused load


SCHEDULERS = [
    (lambda o, v: lr_scheduler.StepLR(o, step_size=v), "StepLR: step_size", [(2.5, ValueError), ("3", TypeError),
                                                                            (0, ValueError)]),
    (lambda o, v: lr_scheduler.StepLR(o, 2, gamma=v), "StepLR: gamma", [("0.1", TypeError), (math.nan, ValueError),
                                                                       (-0.5, ValueError)]),
    (lambda o, v: lr_scheduler.ExponentialLR(o, gamma=v), "ExponentialLR: gamma", [(None, TypeError),
                                                                                   (math.inf, ValueError)]),
    (lambda o, v: lr_scheduler.CosineAnnealingLR(o, T_max=v), "CosineAnnealingLR: T_max",
     [("10", TypeError), (0, ValueError), (math.nan, ValueError)]),
    (lambda o, v: lr_scheduler.CosineAnnealingLR(o, 10, eta_min=v), "CosineAnnealingLR: eta_min",
     [("0", TypeError), (-1e-3, ValueError), (math.inf, ValueError)]),
    (lambda o, v: lr_scheduler.StepLR(o, 2, last_epoch=v), "StepLR: last_epoch", [(0.5, ValueError), (None, TypeError),
                                                                                  (-2, ValueError)]),
    (lambda o, v: lr_scheduler.ReduceLROnPlateau(o, factor=v), "ReduceLROnPlateau: factor",
     [("0.1", TypeError), (math.nan, ValueError), (-0.1, ValueError)]),
    (lambda o, v: lr_scheduler.ReduceLROnPlateau(o, patience=v), "ReduceLROnPlateau: patience",
     [(1.5, ValueError), ("2", TypeError), (-1, ValueError)]),
    (lambda o, v: lr_scheduler.ReduceLROnPlateau(o, threshold=v), "ReduceLROnPlateau: threshold",
     [("x", TypeError), (math.nan, ValueError)]),
    (lambda o, v: lr_scheduler.ReduceLROnPlateau(o, cooldown=v), "ReduceLROnPlateau: cooldown",
     [(None, TypeError), (-1, ValueError)]),
    (lambda o, v: lr_scheduler.ReduceLROnPlateau(o, min_lr=v), "ReduceLROnPlateau: min_lr",
     [("0", TypeError), (-1, ValueError), (math.inf, ValueError)]),
    (lambda o, v: lr_scheduler.ReduceLROnPlateau(o, eps=v), "ReduceLROnPlateau: eps", [("0", TypeError),
                                                                                      (math.nan, ValueError)]),
    (lambda o, v: lr_scheduler.ReduceLROnPlateau(o, mode=v), "ReduceLROnPlateau: mode", [(1, ValueError)]),
]


@pytest.mark.parametrize("build, prefix, bad", SCHEDULERS, ids=[case[1] for case in SCHEDULERS])
def test_every_scheduler_argument_is_checked(build, prefix, bad):
    for value, error in bad:
        with pytest.raises(error, match=f"^{prefix} "):
            build(optim.SGD(params(), lr=0.1), value)


def test_scheduler_out_of_range_values_keep_pytorchs_words():
    with pytest.raises(ValueError, match=r"^Factor should be < 1.0.$"):
        lr_scheduler.ReduceLROnPlateau(optim.SGD(params()), factor=1.5)
    with pytest.raises(ValueError, match=r"^mode maximum is unknown!$"):
        lr_scheduler.ReduceLROnPlateau(optim.SGD(params()), mode="maximum")
    with pytest.raises(ValueError, match=r"min_lr\[1\] must be >= 0"):
        lr_scheduler.ReduceLROnPlateau(optim.SGD([{"params": params()}, {"params": params()}]), min_lr=[0, -1])


def one_cycle(optimizer, **kwargs):
    return lr_scheduler.OneCycleLR(optimizer, **{"max_lr": 0.1, "total_steps": 5, **kwargs})


@pytest.mark.parametrize("build, error, phrase", [
    (lambda o: lr_scheduler.MultiStepLR(o, milestones=[2.5]), ValueError, "MultiStepLR: milestones must be an integer"),
    (lambda o: lr_scheduler.MultiStepLR(o, milestones=["3"]), TypeError, "MultiStepLR: milestones must be an integer"),
    (lambda o: lr_scheduler.MultiStepLR(o, [2], gamma=math.nan), ValueError, "MultiStepLR: gamma must be a finite"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor="0.5"), TypeError, "LinearLR: start_factor must be a number"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=math.inf), ValueError, "LinearLR: end_factor must be a finite"),
    (lambda o: lr_scheduler.LinearLR(o, total_iters="5"), TypeError, "LinearLR: total_iters must be an integer"),
    (lambda o: lr_scheduler.LinearLR(o, total_iters=0), ValueError, "LinearLR: total_iters must be an integer >= 1"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0="3"), TypeError,
     "CosineAnnealingWarmRestarts: T_0 must be an integer, got '3'"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2.5), ValueError, "Expected positive integer T_0, but got 2.5"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, 3, T_mult=0), ValueError, "Expected integer T_mult >= 1, but got 0"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, 3, eta_min=-1), ValueError,
     "CosineAnnealingWarmRestarts: eta_min must be >= 0"),
    (lambda o: one_cycle(o, max_lr="0.1"), TypeError, "OneCycleLR: max_lr must be a number"),
    (lambda o: one_cycle(o, max_lr=math.nan), ValueError, "OneCycleLR: max_lr must be a finite number"),
    (lambda o: one_cycle(o, total_steps="5"), TypeError, "OneCycleLR: total_steps must be an integer"),
    (lambda o: one_cycle(o, total_steps=0), ValueError, "Expected positive integer total_steps, but got 0"),
    (lambda o: one_cycle(o, total_steps=None, epochs=2, steps_per_epoch=0), ValueError,
     "Expected positive integer steps_per_epoch, but got 0"),
    (lambda o: one_cycle(o, pct_start=1.5), ValueError, "Expected float between 0 and 1 pct_start, but got 1.5"),
    (lambda o: one_cycle(o, pct_start="0.3"), TypeError, "OneCycleLR: pct_start must be a number"),
    (lambda o: one_cycle(o, anneal_strategy="cosine"), ValueError, "anneal_strategy must be one of 'cos' or 'linear'"),
    (lambda o: one_cycle(o, cycle_momentum="yes"), TypeError, "OneCycleLR: cycle_momentum must be True or False"),
    (lambda o: one_cycle(o, three_phase=1), TypeError, "OneCycleLR: three_phase must be True or False"),
    (lambda o: one_cycle(o, base_momentum=math.inf), ValueError, "OneCycleLR: base_momentum must be a finite"),
    (lambda o: one_cycle(o, div_factor="25"), TypeError, "OneCycleLR: div_factor must be a number"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2), lr_scheduler.StepLR(o, 3)], milestones=["2"]),
     TypeError, "SequentialLR: milestones must be an integer"),
], ids=lambda case: case if isinstance(case, str) else None)
def test_every_argument_of_the_other_schedulers_is_checked(build, error, phrase):
    with pytest.raises(error) as info:
        build(optim.SGD(params(), lr=0.1, momentum=0.9))
    assert phrase in str(info.value)
