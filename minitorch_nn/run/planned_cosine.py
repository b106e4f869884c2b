"""The cosine schedule of a run whose length changed: ``[schedule] plans`` and ``PlannedCosineLR``.

A run's cosine (``t_max = 0``) anneals the learning rate to ``eta_min`` at ``train.epochs``.
Extending a run (``train.py --resume CKPT --epochs N``) makes a new plan at the epoch it was
resumed after: from the learning rate that epoch trained with, anneal to ``eta_min`` at epoch
N. The learning rate goes on falling smoothly — never an epoch at ``eta_min`` too early, never
climbing back up, as the old plan's cosine would past its end. The config records every
plan, so the run folder's ``config.toml`` says what was used and replays it::

    [schedule]
    name = "cosine"
    t_max = 0
    plans = [[0, 20], [20, 30]]    # planned for 20 epochs, re-planned after epoch 20 for 30

Plan ``[start, total]`` covers the epochs after ``start`` (the first plan: from epoch 1) up to
the next plan's start: epoch ``e`` trains with

    lr(e) = eta_min + (lr(first) - eta_min) * (1 + cos(pi * (e - first) / (total - first + 1))) / 2

with ``first = max(start, 1)``, computed by the same recursion as PyTorch's
``CosineAnnealingLR`` (so the first plan is exactly ``CosineAnnealingLR(T_max=total)``).
"""
from __future__ import annotations

import math

from ..optim.lr_scheduler import CosineAnnealingLR


class PlannedCosineLR(CosineAnnealingLR):
    """Cosine annealing under a list of plans (see the module docstring).

    Args:
        optimizer: wrapped optimiser.
        plans: ``[[0, total_0], [start_1, total_1], ...]``, starts increasing, each below its total.
        eta_min: the lowest learning rate.
        last_epoch: index of the last epoch (default -1: start).
    """

    def __init__(self, optimizer, plans, eta_min: float = 0.0, last_epoch: int = -1):
        self.plans = [[int(start), int(total)] for start, total in plans]
        super().__init__(optimizer, T_max=self.plans[0][1], eta_min=eta_min, last_epoch=last_epoch)

    @classmethod
    def after_epoch(cls, optimizer, plans, eta_min: float, epoch: int) -> "PlannedCosineLR":
        """The schedule as it stands after ``epoch``, whose plan starts there: the groups' ``lr`` must be
        the one ``epoch`` trained with; the next epoch's is set (the step that ends ``epoch``)."""
        scheduler = cls(optimizer, plans, eta_min)
        scheduler.last_epoch = epoch - 1
        scheduler.step()
        return scheduler

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._group_lrs()
        start, total = [plan for plan in self.plans if plan[0] <= self.last_epoch][-1]
        first = max(start, 1)
        periods = total - first + 1     # epochs first .. total
        k = self.last_epoch + 1 - first  # the next epoch's position in the plan (epoch `first` is 0)
        if k >= periods:
            return [self.eta_min for _ in self.optimizer.param_groups]  # the plan is over: stay at the minimum
        return [
            (1 + math.cos(math.pi * k / periods)) / (1 + math.cos(math.pi * (k - 1) / periods))
            * (group["lr"] - self.eta_min) + self.eta_min
            for group in self.optimizer.param_groups
        ]


def plans_problem(plans: list) -> str | None:
    """Why ``plans`` (``[[start, total], ...]``) is not a list of plans, or None."""
    if not plans:
        return None
    if plans[0][0] != 0:
        return "must start with the run's first plan, [0, total]"
    for (start, total), following in zip(plans, plans[1:] + [None]):
        if not 0 <= start < total:
            return f"has [{start}, {total}]: a plan starts before its total"
        if following is not None and not start < following[0] <= total:
            return f"has [{following[0]}, {following[1]}] after [{start}, {total}]: a plan starts within the one before"
    return None


def extend_cosine(optimizer, scheduler, schedule: dict, done: int, old_total: int, new_total: int,
                  last_lr: float | None):
    """The cosine schedule of a run resumed after ``done`` epochs with a new total; updates
    ``schedule["plans"]`` and returns the scheduler to train on with.

    An explicit ``t_max`` is the user's period and is kept (the cosine continues as PyTorch's).
    """
    if schedule["t_max"]:
        return scheduler
    plans = [list(plan) for plan in schedule["plans"]] or [[0, old_total]]
    if new_total == done:  # nothing left to train: the plans that were used stay on record
        schedule["plans"] = plans if plans != [[0, new_total]] else []
        return scheduler
    if plans[-1][0] == done:
        plans[-1][1] = new_total  # the last plan trained nothing yet: it is replaced
    else:
        plans.append([done, new_total])
    schedule["plans"] = [] if plans == [[0, new_total]] else plans
    if done == 0:
        return CosineAnnealingLR(optimizer, T_max=new_total, eta_min=schedule["eta_min"])
    for group in optimizer.param_groups:
        group["lr"] = last_lr  # the rate epoch `done` trained with: the new plan starts from it
    return PlannedCosineLR.after_epoch(optimizer, plans, schedule["eta_min"], done)


def build_cosine(optimizer, schedule: dict, epochs: int):
    """``[schedule] name = "cosine"``: ``CosineAnnealingLR`` over ``t_max`` (0: ``epochs``), or the
    recorded ``plans`` of an extended run."""
    if schedule["plans"]:
        return PlannedCosineLR(optimizer, schedule["plans"], eta_min=schedule["eta_min"])
    return CosineAnnealingLR(optimizer, T_max=schedule["t_max"] or epochs, eta_min=schedule["eta_min"])


def describe_cosine(schedule: dict) -> str:
    plans = schedule["plans"]
    if not plans:
        return "cosine"
    return "cosine, re-planned " + ", ".join(f"after epoch {start} for {total} epochs" for start, total in plans[1:])
