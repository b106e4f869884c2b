"""Hyper-parameter checks shared by every optimiser and scheduler.

One rule for all: a hyper-parameter is a real number (not a string, not a bool), finite, and in
its range; a flag is a bool; a count is an integer; a choice is one of its words. Out-of-range
values get PyTorch's own message (``Invalid learning rate: -1``), so a PyTorch user sees the
words they know; anything else gets a message naming the owner and the argument::

    SGD: lr must be a number, got '0.1' (str)          (TypeError)
    SGD: lr must be a finite number, got nan           (ValueError)

Each optimiser declares its rules once, as the class attribute ``hyperparameters``
(``{"lr": Number(invalid="Invalid learning rate: {}"), ...}``), and ``Optimizer`` checks them for
the constructor's arguments, for every parameter group added, and for every state loaded.
Schedulers call ``check_hyperparameters`` with their rules in their constructors.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np


def hyperparameter(owner: str, argument: str, value, *, minimum: float | None = 0.0,
                   above: float | None = None, below: float | None = None, at_most: float | None = None,
                   invalid: str | None = None) -> float:
    """``value`` as a float, after checking it.

    Args:
        owner: who asks, e.g. ``"SGD"``.  argument: the argument's name, e.g. ``"lr"``.
        minimum: the smallest allowed value (None: no lower bound).
        above: values must be strictly greater than this.
        below: values must be strictly less than this (e.g. 1 for a decay rate).
        at_most: values must be at most this.
        invalid: the message for an out-of-range value, with ``{}`` for the value (PyTorch's
            wording); by default ``"<owner>: <argument> must be ..."``.

    Raises:
        TypeError: ``value`` is not a real number.
        ValueError: it is NaN or infinite, or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {argument} must be a number, got {value!r} ({type(value).__name__})")
    given, value = value, float(value)
    if not math.isfinite(value):
        raise ValueError(f"{owner}: {argument} must be a finite number, got {given}")
    bounds = []
    if minimum is not None:
        bounds.append((value >= minimum, f">= {minimum:g}"))
    if above is not None:
        bounds.append((value > above, f"> {above:g}"))
    if below is not None:
        bounds.append((value < below, f"< {below:g}"))
    if at_most is not None:
        bounds.append((value <= at_most, f"<= {at_most:g}"))
    for ok, rule in bounds:
        if not ok:
            raise ValueError(invalid.format(given) if invalid else f"{owner}: {argument} must be {rule}, got {given}")
    return value


def integer(owner: str, argument: str, value, minimum: int = 1, invalid: str | None = None) -> int:
    """``value`` as an int: not a number (a string, a bool) is a ``TypeError``; a number that is not
    whole, or below ``minimum``, a ``ValueError`` (``invalid``: PyTorch's words, ``{}`` the value)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {argument} must be an integer, got {value!r} ({type(value).__name__})")
    if not isinstance(value, numbers.Integral):
        raise ValueError(invalid.format(value) if invalid else f"{owner}: {argument} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(invalid.format(value) if invalid
                         else f"{owner}: {argument} must be an integer >= {minimum}, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Number:
    """A finite real number in range (see ``hyperparameter`` for the arguments)."""

    minimum: float | None = 0.0
    above: float | None = None
    below: float | None = None
    at_most: float | None = None
    invalid: str | None = None

    def check(self, owner: str, argument: str, value) -> None:
        hyperparameter(owner, argument, value, minimum=self.minimum, above=self.above, below=self.below,
                       at_most=self.at_most, invalid=self.invalid)


@dataclass(frozen=True)
class Integer:
    """An integer of at least ``minimum`` (see ``integer``)."""

    minimum: int = 1
    invalid: str | None = None

    def check(self, owner: str, argument: str, value) -> None:
        integer(owner, argument, value, self.minimum, self.invalid)


@dataclass(frozen=True)
class Flag:
    """``True`` or ``False``."""

    def check(self, owner: str, argument: str, value) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{owner}: {argument} must be True or False, got {value!r} ({type(value).__name__})")


@dataclass(frozen=True)
class Choice:
    """One of ``choices``; ``invalid`` is PyTorch's message for another value (``{}``: the value)."""

    choices: tuple[str, ...]
    invalid: str | None = None

    def check(self, owner: str, argument: str, value) -> None:
        if value not in self.choices or not isinstance(value, str):
            if self.invalid and isinstance(value, str):
                raise ValueError(self.invalid.format(value))
            raise ValueError(f"{owner}: {argument} must be one of {', '.join(map(repr, self.choices))}, "
                             f"got {value!r}")


@dataclass(frozen=True)
class Pair:
    """A tuple or list of two values, each checked by ``item``; ``invalid`` is PyTorch's message for an
    out-of-range item, with ``{index}`` and ``{}``."""

    item: Number
    invalid: str | None = None

    def check(self, owner: str, argument: str, value) -> None:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TypeError(f"{owner}: {argument} must be a pair (a tuple of two numbers), got {value!r}")
        for index, item in enumerate(value):
            invalid = self.invalid.replace("{index}", str(index)) if self.invalid else None
            hyperparameter(owner, f"{argument}[{index}]", item, minimum=self.item.minimum, above=self.item.above,
                           below=self.item.below, at_most=self.item.at_most, invalid=invalid)


@dataclass(frozen=True)
class OneOrEach:
    """One value for every parameter group, or a list or tuple of one per group, each checked by ``item``."""

    item: Number

    def check(self, owner: str, argument: str, value) -> None:
        items: Sequence = value if isinstance(value, (list, tuple)) else [value]
        for index, item in enumerate(items):
            self.item.check(owner, argument if items is not value else f"{argument}[{index}]", item)


def check_hyperparameters(owner: str, rules: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Check each of ``values`` that has a rule; raise ``TypeError`` / ``ValueError`` naming the first bad one."""
    for argument, rule in rules.items():
        if argument in values:
            rule.check(owner, argument, values[argument])
