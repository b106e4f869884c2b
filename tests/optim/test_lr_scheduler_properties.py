"""Property-based scheduler tests against the stored PyTorch sequences (hypothesis): for any scale
of the learning rates and any epoch at which a run is stopped and resumed from a JSON round trip of
the state dicts, the sequence is the fixture's, scaled.

Scaling every learning rate (and ``eta_min``, ``min_lr``, ``eps``) by a power of two is exact in
floating point, so the scaled sequence must equal the unscaled one times that power bit for bit.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

import minitorch_nn as mt  # noqa: E402
from minitorch_nn import optim  # noqa: E402
from minitorch_nn.optim import lr_scheduler  # noqa: E402

SCHEDULERS = ("StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau")
LR_LIKE = ("eta_min", "min_lr", "eps")  # arguments measured in learning-rate units


def scaled(case: dict, scale: float) -> dict:
    """The case's arguments with those in learning-rate units multiplied by ``scale``."""
    out = dict(case["kwargs"])
    if case["scheduler"] == "ReduceLROnPlateau":
        out.setdefault("eps", 1e-8)  # its default: the smallest reduction worth making, an lr too
    for key in LR_LIKE:
        if key in out:
            out[key] = [v * scale for v in out[key]] if isinstance(out[key], list) else out[key] * scale
    return out


def build(case, lrs, scale):
    opt = optim.SGD([{"params": [mt.Parameter(np.zeros(1))], "lr": lr * scale} for lr in lrs])
    return opt, getattr(lr_scheduler, case["scheduler"])(opt, **scaled(case, scale))


def advance(case, scheduler, epoch):
    if "metrics" in case:
        scheduler.step(case["metrics"][epoch])
    else:
        scheduler.step()


def run(case, lrs, epochs, scale, stop):
    """The lr rows of ``epochs`` epochs, the run stopped after ``stop`` epochs and resumed in a new
    optimiser and scheduler from JSON round trips of both state dicts."""
    opt, scheduler = build(case, lrs, scale)
    rows = [scheduler.get_last_lr()]
    for epoch in range(epochs):
        if epoch == stop:
            saved_opt = json.loads(json.dumps(opt.state_dict()))
            saved = json.loads(json.dumps(scheduler.state_dict()))
            opt, scheduler = build(case, lrs, 1.0)  # built with other lrs: the state must win
            opt.load_state_dict(saved_opt)
            scheduler.load_state_dict(saved)
        opt.step()
        advance(case, scheduler, epoch)
        rows.append(scheduler.get_last_lr())
        assert rows[-1] == [group["lr"] for group in opt.param_groups]
    return np.array(rows)


@given(power=st.integers(-30, 30), stop=st.integers(0, 40))
def test_any_scale_and_any_resume_point_give_the_fixture_sequence(optim_reference, sched_case, power, stop):
    lrs, epochs = optim_reference.spec["scheduler_lrs"], optim_reference.spec["epochs"]
    scale = 2.0 ** power
    rows = run(sched_case, lrs, epochs, scale, stop)
    np.testing.assert_array_equal(rows, scale * run(sched_case, lrs, epochs, 1.0, epochs))
    np.testing.assert_allclose(rows / scale, optim_reference.lrs(sched_case), rtol=1e-12, atol=0)
