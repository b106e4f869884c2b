"""Learning-rate schedules: change ``group["lr"]`` of an optimiser's groups once per epoch.

The same sequences as ``torch.optim.lr_scheduler``: build the scheduler after the
optimiser, call ``optimizer.step()`` every batch and ``scheduler.step()`` once per epoch
(``ReduceLROnPlateau``: ``scheduler.step(val_loss)``)::

    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...)
        scheduler.step()
"""
from __future__ import annotations

import bisect
import copy
import math
from collections import Counter
from typing import Any, Callable, Sequence

from .hyperparameters import (Choice, Flag, Integer, Number, OneOrEach, check_hyperparameters, hyperparameter,
                              integer)
from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "LinearLR",
           "OneCycleLR", "CosineAnnealingWarmRestarts", "SequentialLR", "ReduceLROnPlateau"]


def _check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class of the schedulers. Subclasses implement ``get_lr``.

    Args:
        optimizer: the ``Optimizer`` whose ``param_groups``' ``lr`` is scheduled.
        last_epoch: index of the last epoch; -1 (default) starts a new schedule. A
            scheduler built with ``last_epoch >= 0`` needs ``initial_lr`` in every group.

    Attributes:
        base_lrs: each group's ``initial_lr`` (stored in the groups on construction, as PyTorch).
        last_epoch: number of ``step()`` calls so far (0 right after construction).

    Constructing a scheduler performs its first step, which sets ``last_epoch`` to 0.
    Every argument is checked (``hyperparameters.py``): a string, NaN or an out-of-range value
    raises ``TypeError`` / ``ValueError`` naming it.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        check_hyperparameters(type(self).__name__, {"last_epoch": Integer(minimum=-1)}, {"last_epoch": last_epoch})
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        f"scheduler with last_epoch >= 0; load the optimizer's state_dict first"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The step construction performs (``SequentialLR`` repeats it when a scheduler takes over)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for the epoch ``last_epoch`` (called by ``step``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def step(self) -> None:
        """Advance one epoch and write the new learning rates into the optimiser."""
        self._step_count += 1
        self._update_lr()

    def _update_lr(self, epoch: int | None = None) -> None:
        """Write the learning rates of the next epoch, or of ``epoch`` (from the closed form where
        the scheduler has one, as PyTorch; ``SequentialLR`` restarts a scheduler at epoch 0 so)."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._closed_form_lr() if hasattr(self, "_closed_form_lr") else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step`` (one per parameter group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimiser, as plain data (numbers, lists, strings)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from ``state_dict``."""
        self.__dict__.update(copy.deepcopy(state_dict))

    def _group_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


class StepLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every ``step_size`` epochs.

    ``lr = initial_lr * gamma ** (epoch // step_size)``

    Args:
        optimizer: wrapped optimiser.
        step_size: period of the decay, in epochs.
        gamma: multiplicative factor (default 0.1).
        last_epoch: index of the last epoch (default -1: start).
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        check_hyperparameters("StepLR", {"step_size": Integer(minimum=1), "gamma": Number()},
                              {"step_size": step_size, "gamma": gamma})
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every epoch (the classic Solver's ``lr_decay``).

    ``lr = initial_lr * gamma ** epoch``

    Args:
        optimizer: wrapped optimiser.
        gamma: multiplicative factor per epoch.
        last_epoch: index of the last epoch (default -1: start).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        check_hyperparameters("ExponentialLR", {"gamma": Number()}, {"gamma": gamma})
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._group_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from ``initial_lr`` down to ``eta_min`` over ``T_max`` epochs.

    ``lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``,
    computed recursively from the current lr exactly as PyTorch does (so an lr changed by
    hand keeps being annealed); past ``T_max`` the cosine continues back up.

    Args:
        optimizer: wrapped optimiser.
        T_max: number of epochs of one half cosine period.
        eta_min: minimum learning rate (default 0).
        last_epoch: index of the last epoch (default -1: start).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        check_hyperparameters("CosineAnnealingLR", {"T_max": Number(minimum=None, above=0), "eta_min": Number()},
                              {"T_max": T_max, "eta_min": eta_min})
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:  # construction (also when resuming with last_epoch >= 0) keeps the lr
            return self._group_lrs()
        if self._step_count == 1 and self.last_epoch > 0:  # a first step far into the schedule: the closed form
            return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
                    for base_lr in self.base_lrs]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            # the last epoch was at the minimum, where the ratio below would divide by zero
            return [
                group["lr"] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups)
            ]
        return [
            (1 + math.cos(math.pi * self.last_epoch / self.T_max))
            / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
            * (group["lr"] - self.eta_min)
            + self.eta_min
            for group in self.optimizer.param_groups
        ]

    def _closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric has stopped improving for ``patience`` epochs.

    Call ``step(metric)`` once per epoch with e.g. the validation loss.

    Args:
        optimizer: wrapped optimiser.
        mode: ``"min"`` (the metric should decrease) or ``"max"``.
        factor: ``new_lr = lr * factor`` (must be < 1; default 0.1).
        patience: number of epochs without improvement tolerated before reducing (default 10).
        threshold: minimum change that counts as an improvement (default 1e-4).
        threshold_mode: ``"rel"`` (better than ``best * (1 -/+ threshold)``) or ``"abs"``
            (better than ``best -/+ threshold``).
        cooldown: epochs to wait after a reduction before counting bad epochs again (default 0).
        min_lr: lower bound on the lr, one number or one per group (default 0).
        eps: a reduction smaller than ``eps`` is skipped (default 1e-8).
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | list[float] = 0, eps: float = 1e-8):
        _check_optimizer(optimizer)
        check_hyperparameters("ReduceLROnPlateau", {
            "mode": Choice(("min", "max"), invalid="mode {} is unknown!"),
            "factor": Number(),
            "patience": Integer(minimum=0),
            "threshold": Number(),
            "threshold_mode": Choice(("rel", "abs"), invalid="threshold mode {} is unknown!"),
            "cooldown": Integer(minimum=0),
            "min_lr": OneOrEach(Number()),
            "eps": Number(),
        }, dict(mode=mode, factor=factor, patience=patience, threshold=threshold, threshold_mode=threshold_mode,
                cooldown=cooldown, min_lr=min_lr, eps=eps))
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics) -> None:  # type: ignore[override]
        """Record this epoch's ``metrics`` (a number) and reduce the lr if it has plateaued."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._group_lrs()

    def _reduce_lr(self) -> None:
        if len(self.optimizer.param_groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the `optimizer` ({len(self.optimizer.param_groups)}) "
                    f"differs from when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually "
                    "due to a new param group being added to the optimizer. Please modify the `min_lrs` "
                    "field to match the length of the `optimizer` param groups."
                )
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for i, group in enumerate(self.optimizer.param_groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold
        if self.mode == "max" and self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in {"min", "max"}:
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode)


class MultiStepLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` at every milestone epoch.

    ``lr = initial_lr * gamma ** (number of milestones <= epoch)`` (a milestone given twice
    multiplies by ``gamma**2``).

    Args:
        optimizer: wrapped optimiser.
        milestones: epoch indices, e.g. ``[30, 80]``.
        gamma: multiplicative factor (default 0.1).
        last_epoch: index of the last epoch (default -1: start).
    """

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1, last_epoch: int = -1):
        milestones = list(milestones)
        for milestone in milestones:
            integer("MultiStepLR", "milestones", milestone, minimum=0)
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = hyperparameter("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._group_lrs()
        return [group["lr"] * self.gamma ** self.milestones[self.last_epoch] for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect.bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["milestones"] = sorted(self.milestones.elements())  # a list survives JSON; a Counter's int keys do not
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self.milestones = Counter(int(m) for m in (state_dict["milestones"].elements()
                                                   if isinstance(state_dict["milestones"], Counter)
                                                   else state_dict["milestones"]))


class LambdaLR(LRScheduler):
    """Each group's lr is its initial lr times a function of the epoch.

    ``lr = initial_lr * lr_lambda(epoch)``

    Args:
        optimizer: wrapped optimiser.
        lr_lambda: a function ``epoch -> factor``, or a list of them, one per parameter group
            (e.g. ``lambda epoch: min(1.0, (epoch + 1) / 5)`` warms up over 5 epochs).
        last_epoch: index of the last epoch (default -1: start).

    ``state_dict`` leaves the functions out (they are code, not state): build the scheduler
    with the same functions before loading it, as in PyTorch.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1):
        _check_optimizer(optimizer)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        for function in self.lr_lambdas:
            if not callable(function):
                raise TypeError(f"LambdaLR: lr_lambda must be a function of the epoch, got {function!r}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base_lr * function(self.last_epoch) for function, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(copy.deepcopy({k: v for k, v in state_dict.items() if k != "lr_lambdas"}))


class LinearLR(LRScheduler):
    """Scale each group's lr by a factor that moves linearly from ``start_factor`` to
    ``end_factor`` over ``total_iters`` epochs (a warm-up when ``start_factor < 1``).

    ``lr = initial_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters)``,
    computed recursively from the current lr as PyTorch does.

    Args:
        optimizer: wrapped optimiser.
        start_factor: factor at epoch 0, in (0, 1] (default 1/3).
        end_factor: factor from epoch ``total_iters`` on, in [0, 1] (default 1).
        total_iters: epochs of the ramp (default 5).
        last_epoch: index of the last epoch (default -1: start).
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        self.start_factor = hyperparameter(
            "LinearLR", "start_factor", start_factor, minimum=None, at_most=1.0,
            invalid="Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if not self.start_factor > 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        self.end_factor = hyperparameter("LinearLR", "end_factor", end_factor, at_most=1.0,
                                         invalid="Ending multiplicative factor expected to be between 0 and 1.")
        self.total_iters = integer("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._group_lrs()
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor)
                           * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing that restarts from the initial lr every ``T_i`` epochs (SGDR), with
    ``T_0`` epochs in the first cycle and each cycle ``T_mult`` times longer than the last.

    ``lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``, with ``T_cur``
    the epochs since the last restart.

    Args:
        optimizer: wrapped optimiser.
        T_0: epochs of the first cycle (a positive integer).
        T_mult: growth factor of the cycle length (an integer >= 1, default 1).
        eta_min: minimum learning rate (default 0).
        last_epoch: index of the last epoch (default -1: start).
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1):
        check_hyperparameters("CosineAnnealingWarmRestarts", {
            "T_0": Integer(minimum=1, invalid="Expected positive integer T_0, but got {}"),
            "T_mult": Integer(minimum=1, invalid="Expected integer T_mult >= 1, but got {}"),
        }, {"T_0": T_0, "T_mult": T_mult})
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = hyperparameter("CosineAnnealingWarmRestarts", "eta_min", eta_min)
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base_lr in self.base_lrs]

    def step(self) -> None:
        """Advance one epoch; a cycle that has run ``T_i`` epochs restarts."""
        if self.last_epoch < 0:
            epoch = 0
            self.T_i, self.T_cur = self.T_0, 0
        else:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        self.last_epoch = epoch
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._group_lrs()


class OneCycleLR(LRScheduler):
    """The 1cycle policy: the lr rises from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start`` of the steps, then anneals to ``max_lr / (div_factor * final_div_factor)``;
    the momentum (or Adam's beta1) moves the opposite way between ``max_momentum`` and
    ``base_momentum``.

    PyTorch steps it after every batch; ``train.py`` steps schedules once per epoch, so there a
    step is an epoch. Each phase anneals with ``cos`` (``end + (start - end) / 2 * (1 + cos(pi * pct))``)
    or ``linear``, ``pct`` being the fraction of the phase done.

    Args:
        optimizer: wrapped optimiser (its lr is replaced by the schedule's).
        max_lr: peak learning rate, one number or one per group.
        total_steps: number of steps of the cycle; or give ``epochs`` and ``steps_per_epoch``.
        pct_start: fraction of the steps spent rising (default 0.3).
        anneal_strategy: ``"cos"`` (default) or ``"linear"``.
        cycle_momentum: cycle the momentum too (default True; the optimiser needs ``momentum``
            or ``betas``).
        base_momentum, max_momentum: the momentum's range (default 0.85 and 0.95).
        div_factor: initial lr = ``max_lr / div_factor`` (default 25).
        final_div_factor: final lr = initial lr / ``final_div_factor`` (default 1e4).
        three_phase: rise, fall back to the initial lr, then anneal to the final lr.
        last_epoch: index of the last step (default -1: start).
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.85, max_momentum: float | Sequence[float] = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        given = {name: value for name, value in (("total_steps", total_steps), ("epochs", epochs),
                                                  ("steps_per_epoch", steps_per_epoch)) if value is not None}
        check_hyperparameters("OneCycleLR", {
            **{name: Integer(minimum=1, invalid=f"Expected positive integer {name}, but got {{}}") for name in given},
            "pct_start": Number(at_most=1.0, invalid="Expected float between 0 and 1 pct_start, but got {}"),
            "anneal_strategy": Choice(("cos", "linear"),
                                      invalid="anneal_strategy must be one of 'cos' or 'linear', instead got {}"),
            "cycle_momentum": Flag(),
            "three_phase": Flag(),
        }, dict(given, pct_start=pct_start, anneal_strategy=anneal_strategy, cycle_momentum=cycle_momentum,
                three_phase=three_phase))
        if total_steps is not None:
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        div_factor = hyperparameter("OneCycleLR", "div_factor", div_factor)
        final_div_factor = hyperparameter("OneCycleLR", "final_div_factor", final_div_factor)
        if div_factor == 0 or final_div_factor == 0:
            raise ValueError("OneCycleLR: div_factor and final_div_factor must be > 0")
        self.anneal_strategy = anneal_strategy
        rise = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                _phase(rise, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                       "max_momentum"),
                _phase(self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(rise, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for peak, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for top, bottom, group in zip(max_momentums, base_momentums, optimizer.param_groups):
                    if self.use_beta1:
                        group["betas"] = (top, *group["betas"][1:])
                    else:
                        group["momentum"] = top
                    group["max_momentum"] = top
                    group["base_momentum"] = bottom
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct) \
                        if self.cycle_momentum else None
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs


def _phase(end_step: float, start_lr: str, end_lr: str, start_momentum: str, end_momentum: str) -> dict:
    """One phase of ``OneCycleLR``: where it ends and the group entries it moves between."""
    return {"end_step": end_step, "start_lr": start_lr, "end_lr": end_lr,
            "start_momentum": start_momentum, "end_momentum": end_momentum}


def _per_group(name: str, optimizer: Optimizer, value) -> list[float]:
    """``value`` for every parameter group: one number for all, or a list with one per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. optimizer.param_groups "
                             f"has {len(optimizer.param_groups)} values, {name} has {len(value)}.")
        return [hyperparameter("OneCycleLR", name, v) for v in value]
    return [hyperparameter("OneCycleLR", name, value)] * len(optimizer.param_groups)


class SequentialLR(LRScheduler):
    """Run schedulers one after the other, switching at the milestone epochs.

    ``schedulers[i]`` drives the lr from ``milestones[i - 1]`` on; at each milestone the next
    scheduler starts again from its epoch 0 (its closed form), as PyTorch does. The typical
    use is a warm-up followed by a decay::

        warmup = LinearLR(optimizer, start_factor=0.1, total_iters=5)
        decay = CosineAnnealingLR(optimizer, T_max=45)
        scheduler = SequentialLR(optimizer, [warmup, decay], milestones=[5])

    Args:
        optimizer: the optimiser all the schedulers were built for.
        schedulers: the schedulers, in order (not ``ReduceLROnPlateau``).
        milestones: ``len(schedulers) - 1`` epochs at which the next scheduler takes over.
        last_epoch: index of the last epoch (default -1: start).
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int],
                 last_epoch: int = -1):
        _check_optimizer(optimizer)
        schedulers = list(schedulers)
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler.")
        for index, scheduler in enumerate(schedulers):
            if not hasattr(scheduler, "optimizer"):
                raise TypeError(f"SequentialLR at index {index} should have `optimizer` as its attribute.")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError("SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires "
                                 "additional kwargs to be specified when calling `step`, but got one at index "
                                 f"{index} in the given schedulers sequence.")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the same optimizer, but got "
                                 f"scheduler {type(scheduler).__name__} at index {index} with another optimizer")
        milestones = [integer("SequentialLR", "milestones", m, minimum=0) for m in milestones]
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                             f"number of milestones to be equal to {len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Building each scheduler took its first step; undo them all, then let the first one start.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:
            _undo_construction_step(scheduler)
        first = schedulers[bisect.bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        """Advance one epoch with the scheduler whose turn it is."""
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(copy.deepcopy({k: v for k, v in state_dict.items() if k != "_schedulers"}))
        for scheduler, state in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(state)


def _undo_construction_step(scheduler) -> None:
    """Take back the epoch a scheduler's construction counted (nested sequences too)."""
    if hasattr(scheduler, "_schedulers"):
        for inner in scheduler._schedulers:
            _undo_construction_step(inner)
    elif hasattr(scheduler, "last_epoch"):
        scheduler.last_epoch -= 1
