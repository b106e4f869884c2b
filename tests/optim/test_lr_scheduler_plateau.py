"""ReduceLROnPlateau at its edges, as PyTorch: a metric exactly at the threshold is no improvement,
a first metric of inf counts as bad, reductions smaller than eps are skipped, a parameter group
added later gets the scalar min_lr (or an error naming the fix), and last_epoch counts steps.

Each case is checked against the rule written out, and against live PyTorch when installed."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.optim.lr_scheduler import ReduceLROnPlateau

# (mode, threshold_mode, threshold, best, the first value that is no improvement)
# best 2: the relative and the absolute rule give different edges (1.0 against 1.5, 3.0 against 2.5)
EDGES = [("min", "rel", 0.5, 2.0, 1.0), ("min", "abs", 0.5, 2.0, 1.5),
         ("max", "rel", 0.5, 2.0, 3.0), ("max", "abs", 0.5, 2.0, 2.5)]


def lrs_of(metrics, make_scheduler, lr=1.0):
    opt = optim.SGD([mt.Parameter(np.zeros(1))], lr=lr)
    scheduler = make_scheduler(opt)
    rows = []
    for metric in metrics:
        scheduler.step(metric)
        rows.append(opt.param_groups[0]["lr"])
    return rows, scheduler


def torch_lrs_of(metrics, kwargs, lr=1.0):
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    rows = []
    for metric in metrics:
        scheduler.step(metric)
        rows.append(opt.param_groups[0]["lr"])
    return rows


def edge_case(mode, threshold_mode, threshold, best, edge):
    """Improve to ``best``, then sit exactly on the threshold: with patience 0 the lr halves."""
    kwargs = dict(mode=mode, threshold_mode=threshold_mode, threshold=threshold, factor=0.5, patience=0)
    return [best, edge, edge], kwargs


@pytest.mark.parametrize("mode, threshold_mode, threshold, best, edge", EDGES)
def test_a_metric_exactly_at_the_threshold_is_no_improvement(mode, threshold_mode, threshold, best, edge):
    metrics, kwargs = edge_case(mode, threshold_mode, threshold, best, edge)
    rows, scheduler = lrs_of(metrics, lambda opt: ReduceLROnPlateau(opt, **kwargs))
    assert rows == [1.0, 0.5, 0.25] and scheduler.best == best
    # a hair beyond the threshold is an improvement
    better = edge - 1e-9 if mode == "min" else edge + 1e-9
    rows, scheduler = lrs_of([best, better], lambda opt: ReduceLROnPlateau(opt, **kwargs))
    assert rows == [1.0, 1.0] and scheduler.best == better


@pytest.mark.parametrize("mode, threshold_mode, threshold, best, edge", EDGES)
def test_threshold_edges_match_live_pytorch(mode, threshold_mode, threshold, best, edge):
    metrics, kwargs = edge_case(mode, threshold_mode, threshold, best, edge)
    expected = torch_lrs_of(metrics, kwargs)
    assert lrs_of(metrics, lambda opt: ReduceLROnPlateau(opt, **kwargs))[0] == expected


PATIENCE_CASES = [  # metrics, kwargs, lrs
    ([math.inf, math.inf, 1.0], dict(patience=0, factor=0.5), [0.5, 0.25, 0.25]),
    ([math.inf, math.inf, math.inf], dict(patience=1, factor=0.5), [1.0, 0.5, 0.5]),
    ([math.inf, math.inf, math.inf, math.inf], dict(patience=0, cooldown=1, factor=0.5), [0.5, 0.5, 0.25, 0.25]),
]


@pytest.mark.parametrize("metrics, kwargs, expected", PATIENCE_CASES)
def test_counting_starts_at_zero_bad_epochs_and_no_cooldown(metrics, kwargs, expected):
    """inf is never better than the initial best (inf): the very first step already counts."""
    assert lrs_of(metrics, lambda opt: ReduceLROnPlateau(opt, **kwargs))[0] == expected


@pytest.mark.parametrize("metrics, kwargs, expected", PATIENCE_CASES)
def test_counting_matches_live_pytorch(metrics, kwargs, expected):
    assert torch_lrs_of(metrics, kwargs) == expected


def test_reductions_smaller_than_eps_are_skipped():
    # lr 1, factor 0.5: a reduction of exactly eps = 0.5 is skipped (PyTorch: only old - new > eps)
    rows, _ = lrs_of([1.0, 2.0], lambda opt: ReduceLROnPlateau(opt, patience=0, factor=0.5, eps=0.5))
    assert rows == [1.0, 1.0]
    rows, _ = lrs_of([1.0, 2.0], lambda opt: ReduceLROnPlateau(opt, patience=0, factor=0.5, eps=0.49))
    assert rows == [1.0, 0.5]
    rows, _ = lrs_of([1.0, 2.0], lambda opt: ReduceLROnPlateau(opt, patience=0, factor=0.5), lr=1e-8)
    assert rows == [1e-8, 1e-8]  # the default eps is 1e-8: 5e-9 is not worth it


def test_min_lr_bounds_each_group():
    opt = optim.SGD([{"params": [mt.Parameter(np.zeros(1))], "lr": 1.0},
                     {"params": [mt.Parameter(np.zeros(1))], "lr": 1.0}])
    scheduler = ReduceLROnPlateau(opt, patience=0, factor=0.1, min_lr=[0.05, 0.0])
    for metric in (1.0, 2.0, 2.0):
        scheduler.step(metric)
    assert scheduler.get_last_lr() == pytest.approx([0.05, 0.01])


def test_a_group_added_later_gets_the_scalar_min_lr():
    opt = optim.SGD([mt.Parameter(np.zeros(1))], lr=1.0)
    scheduler = ReduceLROnPlateau(opt, patience=0, factor=0.1, min_lr=0.2)
    opt.add_param_group({"params": [mt.Parameter(np.zeros(1))], "lr": 1.0})
    for metric in (1.0, 2.0, 2.0):
        scheduler.step(metric)
    assert scheduler.min_lrs == [0.2, 0.2] and scheduler.get_last_lr() == pytest.approx([0.2, 0.2])


def test_a_group_added_later_with_per_group_min_lrs_is_an_error_naming_the_fix():
    opt = optim.SGD([mt.Parameter(np.zeros(1))], lr=1.0)
    scheduler = ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    opt.add_param_group({"params": [mt.Parameter(np.zeros(1))], "lr": 1.0})
    scheduler.step(1.0)
    with pytest.raises(RuntimeError, match=r"^The number of param groups in the `optimizer` \(2\) differs from when "
                                           r"`ReduceLROnPlateau` was initialized \(1\), usually due to a new param group "
                                           r"being added to the optimizer\. Please modify the `min_lrs` field to match "
                                           r"the length of the `optimizer` param groups\.$"):
        scheduler.step(2.0)


def test_last_epoch_counts_the_steps():
    opt = optim.SGD([mt.Parameter(np.zeros(1))], lr=1.0)
    scheduler = ReduceLROnPlateau(opt)
    assert scheduler.last_epoch == 0
    for epoch in range(1, 4):
        scheduler.step(1.0)
        assert scheduler.last_epoch == epoch
