"""Hyper-parameter checks shared by every optimiser and scheduler.

One rule for all: a hyper-parameter is a real number (not a string, not a bool), finite, and in
its range. Out-of-range values get PyTorch's own message (``Invalid learning rate: -1``), so a
PyTorch user sees the words they know; a value that is not a finite number gets a message naming
the owner and the argument.
"""
from __future__ import annotations

import math
import numbers


def hyperparameter(owner: str, argument: str, value, *, minimum: float | None = 0.0,
                   below: float | None = None, at_most: float | None = None,
                   invalid: str | None = None) -> float:
    """``value`` as a float, after checking it.

    Args:
        owner: who asks, e.g. ``"SGD"``.  argument: the argument's name, e.g. ``"lr"``.
        minimum: the smallest allowed value (None: no lower bound).
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
    if below is not None:
        bounds.append((value < below, f"< {below:g}"))
    if at_most is not None:
        bounds.append((value <= at_most, f"<= {at_most:g}"))
    for ok, rule in bounds:
        if not ok:
            raise ValueError(invalid.format(given) if invalid else f"{owner}: {argument} must be {rule}, got {given}")
    return value


def integer(owner: str, argument: str, value, minimum: int = 1) -> int:
    """``value`` as an int, checked to be an integer (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{owner}: {argument} must be an integer >= {minimum}, got {value!r}")
    return int(value)
