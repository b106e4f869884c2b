"""Learning-rate schedulers: the same lr sequences as torch.optim.lr_scheduler."""
import json
import math

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.optim import lr_scheduler
from optim_reference import make_scheduler

SCHEDULERS = ("StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau", "MultiStepLR", "LambdaLR",
              "LinearLR", "OneCycleLR", "CosineAnnealingWarmRestarts", "SequentialLR")


def _optimizer(lrs=(0.1, 0.03)):
    return optim.SGD([{"params": [mt.Parameter(np.zeros(1))], "lr": lr} for lr in lrs])


def _make(case, opt):
    return make_scheduler(lr_scheduler, opt, case["scheduler"], case["kwargs"])


def _advance(case, sched, epoch):
    if "metrics" in case:
        sched.step(case["metrics"][epoch])
    else:
        sched.step()


def _run(case, lrs, epochs, momenta=None):
    opt = _optimizer(lrs)
    sched = _make(case, opt)
    rows = [sched.get_last_lr()]
    if momenta is not None:
        momenta.append([g["momentum"] for g in opt.param_groups])
    for epoch in range(epochs):
        opt.step()
        _advance(case, sched, epoch)
        rows.append(sched.get_last_lr())
        assert rows[-1] == [g["lr"] for g in opt.param_groups]
        if momenta is not None:
            momenta.append([g["momentum"] for g in opt.param_groups])
    return np.array(rows)


def test_matches_torch_fixture(optim_reference, sched_case):
    momenta = []
    ours = _run(sched_case, optim_reference.spec["scheduler_lrs"], optim_reference.spec["epochs"], momenta)
    np.testing.assert_allclose(ours, optim_reference.lrs(sched_case), rtol=1e-12, atol=0)
    stored = optim_reference.arrays.get(f"sched_momentum/{sched_case['name']}")
    if stored is not None:  # OneCycleLR cycles the momentum too
        np.testing.assert_allclose(np.array(momenta), stored, rtol=1e-12, atol=0)


def test_matches_live_torch(optim_reference, sched_case):
    torch = pytest.importorskip("torch")
    lrs = optim_reference.spec["scheduler_lrs"]
    params = [torch.zeros(1, requires_grad=True) for _ in lrs]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)])
    sched = make_scheduler(torch.optim.lr_scheduler, opt, sched_case["scheduler"], sched_case["kwargs"])
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


def test_new_schedulers_check_their_arguments():
    opt = _optimizer()
    with pytest.raises(ValueError, match="milestones must be an integer"):
        lr_scheduler.MultiStepLR(opt, milestones=[2.5])
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, lr_lambda=[lambda e: 1.0])
    with pytest.raises(TypeError, match="function of the epoch"):
        lr_scheduler.LambdaLR(opt, lr_lambda=0.5)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor"):
        lr_scheduler.LinearLR(opt, end_factor=1.5)
    with pytest.raises(ValueError, match="T_0"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lr_scheduler.OneCycleLR(opt, max_lr=[0.1], total_steps=5)
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(optim.Adagrad([mt.Parameter(np.zeros(1))]), max_lr=0.1, total_steps=5)
    with pytest.raises(ValueError, match="number of milestones"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 2)], milestones=[3])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ReduceLROnPlateau(opt)], milestones=[])
    with pytest.raises(ValueError, match="same optimizer"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(_optimizer(), 2)], milestones=[])


def test_one_cycle_stops_after_its_steps_and_moves_adams_beta1():
    opt = optim.Adam([mt.Parameter(np.zeros(1))], lr=1.0, betas=(0.9, 0.99))
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    assert opt.param_groups[0]["betas"] == (0.95, 0.99) and sched.get_last_lr() == [pytest.approx(0.004)]
    for _ in range(2):  # the peak at step 0.3 * 10 - 1
        sched.step()
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.85) and sched.get_last_lr() == [pytest.approx(0.1)]
    for _ in range(8):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 11 times. The specified number of total steps is 10"):
        sched.step()


def test_lambda_state_dict_leaves_the_functions_out():
    sched = lr_scheduler.LambdaLR(_optimizer(), lr_lambda=lambda epoch: 0.5 ** epoch)
    sched.step()
    state = sched.state_dict()
    assert "lr_lambdas" not in state and json.loads(json.dumps(state))["last_epoch"] == 1


# ------------------------------------------------------------------ a user's own schedule: subclassing LRScheduler
def warmup_get_lr(scheduler):
    """Linear warm-up over ``warmup`` epochs, then constant: closed form from ``base_lrs``."""
    return [base * min(1.0, (scheduler.last_epoch + 1) / scheduler.warmup) for base in scheduler.base_lrs]


class Warmup(lr_scheduler.LRScheduler):
    def __init__(self, optimizer, warmup, last_epoch=-1):
        self.warmup = warmup
        super().__init__(optimizer, last_epoch)

    get_lr = warmup_get_lr


def warmup_lrs(opt, scheduler, epochs=6):
    rows = [scheduler.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        scheduler.step()
        rows.append(scheduler.get_last_lr())
    return rows


def test_a_scheduler_subclass_only_writes_get_lr():
    opt = _optimizer((0.1, 0.03))
    scheduler = Warmup(opt, warmup=4)
    assert scheduler.last_epoch == 0 and scheduler.base_lrs == [0.1, 0.03]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    rows = warmup_lrs(opt, scheduler)
    expected = [[lr * min(1.0, (e + 1) / 4) for lr in (0.1, 0.03)] for e in range(7)]
    np.testing.assert_allclose(rows, expected, rtol=1e-15)
    assert [g["lr"] for g in opt.param_groups] == rows[-1] and scheduler.last_epoch == 6
    assert repr(scheduler) == f"Warmup(last_epoch=6, last_lr={rows[-1]})"


def test_a_scheduler_subclass_resumes_from_its_state_dict():
    opt = _optimizer()
    scheduler = Warmup(opt, warmup=5)
    for _ in range(2):
        scheduler.step()
    saved_opt, saved = json.loads(json.dumps(opt.state_dict())), json.loads(json.dumps(scheduler.state_dict()))
    assert saved["warmup"] == 5 and saved["last_epoch"] == 2
    resumed_opt = _optimizer()
    resumed = Warmup(resumed_opt, warmup=1)  # the saved state wins
    resumed_opt.load_state_dict(saved_opt)
    resumed.load_state_dict(saved)
    straight_opt = _optimizer()
    straight = Warmup(straight_opt, warmup=5)
    for _ in range(2):
        straight.step()
    assert warmup_lrs(resumed_opt, resumed, 4) == warmup_lrs(straight_opt, straight, 4)


def test_a_scheduler_subclass_drives_the_trainer_once_per_epoch():
    x = np.random.default_rng(0).standard_normal((40, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = mt.MLP(3, [4], 2)
    opt = optim.SGD(model.parameters(), lr=0.2)
    history = mt.Trainer(model, mt.CrossEntropyLoss(), opt, Warmup(opt, warmup=3), log=None).fit(
        mt.data.DataLoader((x, y), batch_size=10), epochs=5)
    assert history.lr == pytest.approx([0.2 / 3, 0.4 / 3, 0.2, 0.2, 0.2])


def test_the_base_class_says_what_a_subclass_must_implement():
    class Unfinished(lr_scheduler.LRScheduler):
        pass

    with pytest.raises(NotImplementedError, match=r"Unfinished must implement get_lr\(\)"):
        Unfinished(_optimizer())


def test_a_scheduler_subclass_matches_the_same_subclass_of_live_pytorch():
    torch = pytest.importorskip("torch")

    class TorchWarmup(torch.optim.lr_scheduler.LRScheduler):
        def __init__(self, optimizer, warmup, last_epoch=-1):
            self.warmup = warmup
            super().__init__(optimizer, last_epoch)

        get_lr = warmup_get_lr

    params = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    torch_opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, (0.1, 0.03))])
    opt = _optimizer((0.1, 0.03))
    assert warmup_lrs(opt, Warmup(opt, warmup=4)) == warmup_lrs(torch_opt, TorchWarmup(torch_opt, warmup=4))
