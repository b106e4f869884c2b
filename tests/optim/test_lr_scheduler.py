"""Learning-rate schedulers: the same lr sequences as torch.optim.lr_scheduler."""
import json
import math

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.optim import lr_scheduler

SCHEDULERS = ("StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau")


def _optimizer(lrs=(0.1, 0.03)):
    return optim.SGD([{"params": [mt.Parameter(np.zeros(1))], "lr": lr} for lr in lrs])


def _make(case, opt):
    return getattr(lr_scheduler, case["scheduler"])(opt, **case["kwargs"])


def _advance(case, sched, epoch):
    if "metrics" in case:
        sched.step(case["metrics"][epoch])
    else:
        sched.step()


def _run(case, lrs, epochs):
    opt = _optimizer(lrs)
    sched = _make(case, opt)
    rows = [sched.get_last_lr()]
    for epoch in range(epochs):
        opt.step()
        _advance(case, sched, epoch)
        rows.append(sched.get_last_lr())
        assert rows[-1] == [g["lr"] for g in opt.param_groups]
    return np.array(rows)


def test_matches_torch_fixture(optim_reference, sched_case):
    ours = _run(sched_case, optim_reference.spec["scheduler_lrs"], optim_reference.spec["epochs"])
    np.testing.assert_allclose(ours, optim_reference.lrs(sched_case), rtol=1e-12, atol=0)


def test_matches_live_torch(optim_reference, sched_case):
    torch = pytest.importorskip("torch")
    lrs = optim_reference.spec["scheduler_lrs"]
    params = [torch.zeros(1, requires_grad=True) for _ in lrs]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)])
    sched = getattr(torch.optim.lr_scheduler, sched_case["scheduler"])(opt, **sched_case["kwargs"])
    theirs = [sched.get_last_lr()]
    for epoch in range(optim_reference.spec["epochs"]):
        opt.step()
        _advance(sched_case, sched, epoch)
        theirs.append(sched.get_last_lr())
    ours = _run(sched_case, lrs, optim_reference.spec["epochs"])
    np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-12, atol=0)


def test_state_dict_round_trip(optim_reference, sched_case):
    """Stop after 7 epochs, save optimiser + scheduler, rebuild, load, go on: same lrs."""
    lrs, epochs = optim_reference.spec["scheduler_lrs"], optim_reference.spec["epochs"]
    opt = _optimizer(lrs)
    sched = _make(sched_case, opt)
    for epoch in range(7):
        _advance(sched_case, sched, epoch)
    opt_sd = json.loads(json.dumps(opt.state_dict()))        # plain data only
    sched_sd = json.loads(json.dumps(sched.state_dict()))
    opt2 = _optimizer(lrs)
    sched2 = _make(sched_case, opt2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    assert sched2.last_epoch == sched.last_epoch
    rows = []
    for epoch in range(7, epochs):
        _advance(sched_case, sched2, epoch)
        rows.append(sched2.get_last_lr())
    np.testing.assert_array_equal(np.array(rows), _run(sched_case, lrs, epochs)[8:])


def test_initial_lr_and_last_epoch():
    opt = _optimizer()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    assert sched.base_lrs == [0.1, 0.03] and sched.last_epoch == 0
    sched.step()
    sched.step()
    assert sched.last_epoch == 2
    np.testing.assert_allclose(sched.get_last_lr(), [0.01, 0.003])
    returned = sched.get_last_lr()
    returned[0] = 5.0
    assert sched.get_last_lr()[0] != 5.0


def test_resuming_with_last_epoch_keeps_the_restored_lr():
    """As torch 2.x: construction with last_epoch >= 0 leaves the (restored) lr alone and
    goes on recursively from it."""
    opt = _optimizer((0.1,))
    lr5 = 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * 5 / 10)) / 2
    opt.param_groups[0].update(initial_lr=0.1, lr=lr5)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01, last_epoch=4)
    assert sched.last_epoch == 5 and sched.get_last_lr() == [lr5]
    sched.step()
    lr6 = 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * 6 / 10)) / 2
    assert sched.get_last_lr() == pytest.approx([lr6], rel=1e-13)


def test_cosine_resumed_matches_live_torch():
    torch = pytest.importorskip("torch")
    t_opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1, "initial_lr": 0.1}])
    t_sched = torch.optim.lr_scheduler.CosineAnnealingLR(t_opt, T_max=6, eta_min=0.001, last_epoch=3)
    opt = _optimizer((0.1,))
    opt.param_groups[0]["initial_lr"] = 0.1
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.001, last_epoch=3)
    for _ in range(10):
        assert sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-12)
        t_opt.step()
        t_sched.step()
        sched.step()


def test_resume_without_initial_lr_raises():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.ExponentialLR(_optimizer(), gamma=0.9, last_epoch=3)


def test_errors():
    opt = _optimizer()
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau(object())
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match=r"Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode maximum is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="maximum")
    with pytest.raises(ValueError, match="threshold mode relative is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])


def test_plateau_accepts_numpy_metric_and_reports_state():
    opt = _optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, cooldown=1)
    sched.step(np.float32(1.0))
    sched.step(np.array(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.003])
    assert sched.in_cooldown and sched.num_bad_epochs == 0 and sched.best == 1.0
    assert isinstance(sched.best, float)
