"""Schedulers against their closed forms far beyond the fixtures' 20 epochs, when built to resume
at a later epoch (``last_epoch >= 0``), inside ``SequentialLR``; and their state dicts are copies.

PyTorch computes CosineAnnealingLR recursively from the current lr; the recursion equals the
closed form ``eta_min + (base - eta_min) (1 + cos(pi e / T_max)) / 2`` in exact arithmetic, past
``T_max`` too (the cosine goes back up), so the two agree to rounding over many periods."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.optim import lr_scheduler


def optimizer(lrs=(0.1, 0.03), initial=False):
    groups = [{"params": [mt.Parameter(np.zeros(1))], "lr": lr} for lr in lrs]
    if initial:
        for group in groups:
            group["initial_lr"] = group["lr"]
    return optim.SGD(groups)


def cosine(base, eta_min, T_max, epoch):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2


@pytest.mark.parametrize("T_max, eta_min", [(3, 0.0), (4, 0.005), (7, 0.01), (1, 0.002)])
def test_cosine_follows_its_closed_form_over_many_periods(T_max, eta_min):
    opt = optimizer()
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=T_max, eta_min=eta_min)
    for epoch in range(1, 12 * T_max + 3):
        scheduler.step()
        expected = [cosine(base, eta_min, T_max, epoch) for base in (0.1, 0.03)]
        np.testing.assert_allclose(scheduler.get_last_lr(), expected, rtol=1e-9, atol=1e-15, err_msg=f"epoch {epoch}")


@pytest.mark.parametrize("last_epoch", [0, 1, 4, 9, 13])
def test_cosine_built_to_resume_continues_on_the_curve(last_epoch):
    """As PyTorch: built with last_epoch = k (a resumed run) the scheduler counts its construction
    step (last_epoch k + 1) and keeps the lr it finds; from an lr on the curve it stays on it."""
    opt = optimizer(initial=True)
    on_curve = [cosine(base, 0.001, 6, last_epoch + 1) for base in (0.1, 0.03)]
    for group, lr in zip(opt.param_groups, on_curve):
        group["lr"] = lr
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.001, last_epoch=last_epoch)
    assert scheduler.get_last_lr() == on_curve and scheduler.last_epoch == last_epoch + 1
    for epoch in range(last_epoch + 2, last_epoch + 16):
        scheduler.step()
        expected = [cosine(base, 0.001, 6, epoch) for base in (0.1, 0.03)]
        np.testing.assert_allclose(scheduler.get_last_lr(), expected, rtol=1e-9, err_msg=f"epoch {epoch}")


def test_cosine_built_to_resume_matches_live_pytorch():
    torch = pytest.importorskip("torch")
    theirs = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": 0.07, "initial_lr": 0.1}])
    ours = optimizer((0.07,))
    ours.param_groups[0]["initial_lr"] = 0.1
    schedules = [lr_scheduler.CosineAnnealingLR(ours, T_max=6, eta_min=0.001, last_epoch=4),
                 torch.optim.lr_scheduler.CosineAnnealingLR(theirs, T_max=6, eta_min=0.001, last_epoch=4)]
    for _ in range(10):
        theirs.step()
        for scheduler in schedules:
            scheduler.step()
        np.testing.assert_allclose(schedules[0].get_last_lr(), schedules[1].get_last_lr(), rtol=1e-12)


@pytest.mark.parametrize("make, closed_form", [
    (lambda opt, last: lr_scheduler.StepLR(opt, step_size=3, gamma=0.5, last_epoch=last),
     lambda base, e: base * 0.5 ** (e // 3)),
    (lambda opt, last: lr_scheduler.ExponentialLR(opt, gamma=0.8, last_epoch=last),
     lambda base, e: base * 0.8 ** e),
    (lambda opt, last: lr_scheduler.MultiStepLR(opt, milestones=[2, 5, 5, 9], gamma=0.5, last_epoch=last),
     lambda base, e: base * 0.5 ** sum(m <= e for m in (2, 5, 5, 9))),
], ids=["StepLR", "ExponentialLR", "MultiStepLR"])
def test_multiplicative_schedules_follow_their_closed_forms(make, closed_form):
    opt = optimizer()
    scheduler = make(opt, -1)
    for epoch in range(1, 30):
        scheduler.step()
        np.testing.assert_allclose(scheduler.get_last_lr(), [closed_form(b, epoch) for b in (0.1, 0.03)], rtol=1e-12)


def test_sequential_parts_start_from_their_closed_form_at_epoch_zero():
    """SequentialLR restarts each part at its epoch 0, where a milestone at 0 already counts."""
    opt = optimizer((0.1,))
    warm = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    rest = lr_scheduler.MultiStepLR(opt, milestones=[0, 2], gamma=0.1)
    scheduler = lr_scheduler.SequentialLR(opt, [warm, rest], milestones=[3])
    lrs = [scheduler.get_last_lr()[0]]
    for _ in range(6):
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    # epochs 0-2: 0.1 * 0.5**e; from epoch 3 MultiStepLR at its epoch 0 (milestone 0 counted), 1, 2, ...
    np.testing.assert_allclose(lrs, [0.1, 0.05, 0.025, 0.01, 0.01, 0.001, 0.001], rtol=1e-12)


def test_sequential_parts_match_live_pytorch():
    torch = pytest.importorskip("torch")

    def run(module, opt):
        warm = module.ExponentialLR(opt, gamma=0.5)
        rest = module.MultiStepLR(opt, milestones=[0, 2], gamma=0.1)
        scheduler = module.SequentialLR(opt, [warm, rest], milestones=[3])
        lrs = [scheduler.get_last_lr()[0]]
        for _ in range(6):
            opt.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr()[0])
        return lrs

    theirs = run(torch.optim.lr_scheduler, torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    np.testing.assert_allclose(run(lr_scheduler, optimizer((0.1,))), theirs, rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda opt: lr_scheduler.StepLR(opt, step_size=2),
    lambda opt: lr_scheduler.MultiStepLR(opt, milestones=[1, 3]),
    lambda opt: lr_scheduler.LambdaLR(opt, lr_lambda=lambda e: 0.9 ** e),
    lambda opt: lr_scheduler.SequentialLR(opt, [lr_scheduler.ExponentialLR(opt, 0.9),
                                                lr_scheduler.StepLR(opt, step_size=2)], milestones=[2]),
], ids=["StepLR", "MultiStepLR", "LambdaLR", "SequentialLR"])
def test_state_dicts_are_copies_both_ways(make):
    scheduler = make(optimizer())
    scheduler.step()
    state = scheduler.state_dict()
    before = json.dumps(state, sort_keys=True, default=repr)
    for value in state.values():  # changing the saved state changes nothing in the scheduler...
        if isinstance(value, list) and value and not isinstance(value[0], dict):
            value.append(99)
    assert json.dumps(scheduler.state_dict(), sort_keys=True, default=repr) == before
    state = scheduler.state_dict()
    other = make(optimizer())
    other.load_state_dict(state)
    for value in state.values():  # ...and neither does changing a loaded one
        if isinstance(value, list) and value and not isinstance(value[0], dict):
            value.append(99)
    assert json.dumps(other.state_dict(), sort_keys=True, default=repr) == before


EVERY_SCHEDULER = {
    "StepLR": lambda m, opt: m.StepLR(opt, step_size=2),
    "MultiStepLR": lambda m, opt: m.MultiStepLR(opt, milestones=[1, 3]),
    "ExponentialLR": lambda m, opt: m.ExponentialLR(opt, gamma=0.9),
    "CosineAnnealingLR": lambda m, opt: m.CosineAnnealingLR(opt, T_max=3),
    "LambdaLR": lambda m, opt: m.LambdaLR(opt, lr_lambda=lambda e: 0.5 ** e),
    "LinearLR": lambda m, opt: m.LinearLR(opt, total_iters=3),
    "CosineAnnealingWarmRestarts": lambda m, opt: m.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2),
    "OneCycleLR": lambda m, opt: m.OneCycleLR(opt, max_lr=0.5, total_steps=10),
    "SequentialLR": lambda m, opt: m.SequentialLR(opt, [m.ExponentialLR(opt, 0.9), m.StepLR(opt, 2)], milestones=[2]),
}


@pytest.mark.parametrize("name", sorted(EVERY_SCHEDULER))
def test_last_epoch_counts_the_steps_as_pytorch(name):
    opt = optimizer((0.1,))
    scheduler = EVERY_SCHEDULER[name](lr_scheduler, opt)
    assert scheduler.last_epoch == 0
    for steps in range(1, 6):
        scheduler.step()
        assert scheduler.last_epoch == steps


@pytest.mark.parametrize("name", sorted(EVERY_SCHEDULER))
def test_last_epoch_matches_live_pytorch(name):
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = EVERY_SCHEDULER[name](torch.optim.lr_scheduler, opt)
    counts = [scheduler.last_epoch]
    for _ in range(5):
        opt.step()
        scheduler.step()
        counts.append(scheduler.last_epoch)
    assert counts == list(range(6))
