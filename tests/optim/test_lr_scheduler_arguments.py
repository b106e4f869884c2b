"""Scheduler arguments at their edges: every message in full (PyTorch's words where it has them),
the smallest values allowed, construction to resume at a later epoch, the attributes and state
entries PyTorch users look for, and SequentialLR's nesting and first part — against PyTorch live
when it is installed."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.optim import lr_scheduler as schedulers


def sgd(groups=1, cls=optim.SGD, **kwargs):
    return cls([{"params": [mt.Parameter(np.zeros(1))], "lr": 0.1} for _ in range(groups)], **kwargs)


def lrs(scheduler, opt, steps):
    rows = [scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        rows.append(scheduler.get_last_lr())
    return np.array(rows)


MESSAGES = [
    (lambda: schedulers.CosineAnnealingWarmRestarts(sgd(), T_0=0), ValueError, "Expected positive integer T_0, but got 0"),
    (lambda: schedulers.CosineAnnealingWarmRestarts(sgd(), T_0=2, T_mult=0), ValueError,
     "Expected integer T_mult >= 1, but got 0"),
    (lambda: schedulers.LinearLR(sgd(), start_factor=0), ValueError,
     "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."),
    (lambda: schedulers.LinearLR(sgd(), start_factor=1.5), ValueError,
     "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."),
    (lambda: schedulers.LinearLR(sgd(), end_factor=1.5), ValueError,
     "Ending multiplicative factor expected to be between 0 and 1."),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr=1, total_steps=0), ValueError,
     "Expected positive integer total_steps, but got 0"),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr=1), ValueError,
     "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr=1, epochs=2), ValueError,
     "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr=1, total_steps=10, pct_start=1.5), ValueError,
     "Expected float between 0 and 1 pct_start, but got 1.5"),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr=1, total_steps=10, anneal_strategy="x"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear', instead got x"),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr=1, total_steps=10, div_factor=0), ValueError,
     "OneCycleLR: div_factor and final_div_factor must be > 0"),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr=1, total_steps=10, final_div_factor=0), ValueError,
     "OneCycleLR: div_factor and final_div_factor must be > 0"),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr=1, total_steps=10, final_div_factor="x"), TypeError,
     "OneCycleLR: final_div_factor must be a number, got 'x' (str)"),
    (lambda: schedulers.OneCycleLR(sgd(2), max_lr=[1, "x"], total_steps=10), TypeError,
     "OneCycleLR: max_lr must be a number, got 'x' (str)"),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr="x", total_steps=10), TypeError,
     "OneCycleLR: max_lr must be a number, got 'x' (str)"),
    (lambda: schedulers.OneCycleLR(sgd(2), max_lr=1, total_steps=10, max_momentum=[0.9, "x"]), TypeError,
     "OneCycleLR: max_momentum must be a number, got 'x' (str)"),
    (lambda: schedulers.OneCycleLR(sgd(), max_lr=1, total_steps=10, max_momentum="x"), TypeError,
     "OneCycleLR: max_momentum must be a number, got 'x' (str)"),
    (lambda: schedulers.OneCycleLR(sgd(cls=optim.Adagrad), max_lr=1, total_steps=10), ValueError,
     "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"),
    (lambda: schedulers.ReduceLROnPlateau(sgd(), mode="x"), ValueError, "mode x is unknown!"),
    (lambda: schedulers.ReduceLROnPlateau(sgd(), threshold_mode="x"), ValueError, "threshold mode x is unknown!"),
    (lambda: schedulers.SequentialLR(sgd(), [], milestones=[]), ValueError,
     "SequentialLR expects at least one scheduler, but got no scheduler."),
    (lambda: schedulers.SequentialLR(sgd(), [object()], milestones=[]), TypeError,
     "SequentialLR at index 0 should have `optimizer` as its attribute."),
]


@pytest.mark.parametrize("make, error, message", MESSAGES, ids=range(len(MESSAGES)))
def test_every_argument_message_in_full(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == message


def test_sequential_messages_in_full():
    opt = sgd()
    parts = [schedulers.ExponentialLR(opt, 0.9), schedulers.StepLR(opt, 1)]
    with pytest.raises(ValueError) as info:
        schedulers.SequentialLR(opt, parts, milestones=[1, 2])
    assert str(info.value) == ("Sequential Schedulers expects number of schedulers provided to be one more than the "
                               "number of milestone points, but got number of schedulers 2 and the number of "
                               "milestones to be equal to 2")
    with pytest.raises(ValueError) as info:
        schedulers.SequentialLR(opt, [schedulers.ReduceLROnPlateau(opt), schedulers.StepLR(opt, 1)], milestones=[1])
    assert str(info.value) == ("SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires additional "
                               "kwargs to be specified when calling `step`, but got one at index 0 in the given "
                               "schedulers sequence.")
    with pytest.raises(ValueError) as info:
        schedulers.SequentialLR(sgd(), parts, milestones=[1])
    assert str(info.value) == ("SequentialLR expects all schedulers to belong to the same optimizer, but got "
                               "scheduler ExponentialLR at index 0 with another optimizer")
    with pytest.raises(ValueError) as info:
        schedulers.SequentialLR(opt, parts, milestones=[-1])
    assert str(info.value) == "SequentialLR: milestones must be an integer >= 0, got -1"


def test_the_smallest_allowed_values_are_allowed():
    assert schedulers.CosineAnnealingWarmRestarts(sgd(), T_0=1, T_mult=1).T_0 == 1
    assert schedulers.LinearLR(sgd(), start_factor=1.0, end_factor=1.0).start_factor == 1.0
    one = schedulers.OneCycleLR(sgd(), max_lr=1.0, total_steps=1, div_factor=1.0, final_div_factor=1.0)
    assert one.total_steps == 1 and one.get_last_lr() == [1.0]  # div_factor 1: it starts at max_lr
    opt = sgd()
    assert schedulers.SequentialLR(opt, [schedulers.ExponentialLR(opt, 0.9), schedulers.StepLR(opt, 1)],
                                   milestones=[0]).get_last_lr() == [0.1]
    assert schedulers.ReduceLROnPlateau(sgd()).patience == 10  # PyTorch's default


@pytest.mark.parametrize("make", [
    lambda opt, last: schedulers.LambdaLR(opt, lambda e: 0.9 ** e, last_epoch=last),
    lambda opt, last: schedulers.LinearLR(opt, total_iters=8, last_epoch=last),
    lambda opt, last: schedulers.MultiStepLR(opt, milestones=[2, 6], last_epoch=last),
    lambda opt, last: schedulers.CosineAnnealingWarmRestarts(opt, T_0=3, last_epoch=last),
    lambda opt, last: schedulers.OneCycleLR(opt, max_lr=0.5, total_steps=20, last_epoch=last),
], ids=["LambdaLR", "LinearLR", "MultiStepLR", "CosineAnnealingWarmRestarts", "OneCycleLR"])
def test_built_to_resume_at_a_later_epoch(make):
    """As PyTorch: ``last_epoch=k`` counts the construction step, so ``last_epoch`` is k + 1."""
    opt = sgd()
    scheduler = make(opt, -1)
    for _ in range(4):
        opt.step()
        scheduler.step()
    state = opt.state_dict()
    resumed_opt = sgd()
    resumed_opt.load_state_dict(state)
    resumed = make(resumed_opt, 3)
    assert resumed.last_epoch == 4 == scheduler.last_epoch


def test_one_cycle_sets_momentum_and_beta1_to_their_start_as_pytorch():
    opt = sgd(momentum=0.5)
    schedulers.OneCycleLR(opt, max_lr=1.0, total_steps=10, max_momentum=0.9)
    assert opt.param_groups[0]["momentum"] == 0.9
    adam = sgd(cls=optim.Adam)
    schedulers.OneCycleLR(adam, max_lr=1.0, total_steps=10, max_momentum=0.8)
    assert adam.param_groups[0]["betas"] == (0.8, 0.999)


def test_schedulers_keep_their_optimizer_and_state_names():
    opt = sgd()
    for scheduler in (schedulers.OneCycleLR(opt, max_lr=1.0, total_steps=10),
                      schedulers.SequentialLR(opt, [schedulers.ExponentialLR(opt, 0.9), schedulers.StepLR(opt, 1)],
                                              milestones=[2])):
        assert scheduler.optimizer is opt
    multi = schedulers.MultiStepLR(sgd(), milestones=[5, 2, 5])
    assert multi.state_dict()["milestones"] == [2, 5, 5]


def test_multistep_loads_pytorch_s_counter_of_milestones():
    opt = sgd()
    scheduler = schedulers.MultiStepLR(opt, milestones=[1])
    state = scheduler.state_dict()
    state["milestones"] = collections.Counter({2: 1, 3: 2})  # how PyTorch keeps them
    scheduler.load_state_dict(state)
    assert sorted(scheduler.milestones.elements()) == [2, 3, 3]
    rows = lrs(scheduler, opt, 4)
    np.testing.assert_allclose(rows[:, 0], [0.1, 0.1, 0.01, 0.0001, 0.0001], rtol=1e-12)


def test_lambda_lr_keeps_its_functions_when_a_state_names_them():
    opt = sgd()
    scheduler = schedulers.LambdaLR(opt, lambda e: 0.5 ** e)
    state = scheduler.state_dict()
    state["lr_lambdas"] = [None]  # PyTorch saves a function as None
    scheduler.load_state_dict(state)
    np.testing.assert_allclose(lrs(scheduler, opt, 2)[:, 0], [0.1, 0.05, 0.025], rtol=1e-12)


def sequential_case(name, module, opt):
    """One SequentialLR: nested ones, a first milestone at 1, LinearLR parts (each built alone: a
    scheduler's construction changes its optimiser's lr)."""
    cases = {
        "milestone-1": lambda: module.SequentialLR(opt, [module.ExponentialLR(opt, 0.5), module.StepLR(opt, 1, gamma=0.1)],
                                           milestones=[1]),
        "linear-part": lambda: module.SequentialLR(opt, [module.ExponentialLR(opt, 0.5),
                                                 module.LinearLR(opt, start_factor=0.5, total_iters=2)],
                                           milestones=[2]),
        "linear-first": lambda: module.SequentialLR(opt, [module.LinearLR(opt, start_factor=0.5, total_iters=2),
                                                  module.ExponentialLR(opt, 0.9)], milestones=[1]),
        "nested-step": lambda: module.SequentialLR(opt, [module.SequentialLR(opt, [module.StepLR(opt, 2, gamma=0.5),
                                                                           module.ExponentialLR(opt, 0.9)],
                                                                     milestones=[3]),
                                                 module.ExponentialLR(opt, 0.8)], milestones=[5]),
        "nested": lambda: module.SequentialLR(opt, [module.SequentialLR(opt, [module.ExponentialLR(opt, 0.5),
                                                                      module.StepLR(opt, 1, gamma=0.1)],
                                                                milestones=[2]),
                                            module.ExponentialLR(opt, 0.9)], milestones=[4]),
    }
    return cases[name]()


# PyTorch 2.13's sequences (the live test below recomputes them). A part that is not first starts
# at its own epoch 0 when its milestone comes; a nested sequence restarts its parts the same way.
EXPECTED = {
    "milestone-1": [0.1, 0.1, 0.01, 0.001, 0.0001, 1e-05],
    "linear-part": [0.1, 0.05, 0.05, 0.075, 0.1, 0.1],
    "linear-first": [0.05, 0.1, 0.09, 0.081, 0.0729, 0.06561],
    "nested": [0.05, 0.1, 0.01, 0.001, 0.1, 0.09],
    "nested-step": [0.1, 0.1, 0.1, 0.09, 0.081, 0.1],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sequential_lr_sequences(name):
    opt = sgd()
    scheduler = sequential_case(name, schedulers, opt)
    np.testing.assert_allclose(lrs(scheduler, opt, 5)[:, 0], EXPECTED[name], rtol=1e-12)


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch's own SequentialLR calls step(epoch), which it deprecates
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sequential_lr_sequences_match_live_pytorch(name):
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = sequential_case(name, torch.optim.lr_scheduler, opt)
    np.testing.assert_allclose(lrs(scheduler, opt, 5)[:, 0], EXPECTED[name], rtol=1e-12)
