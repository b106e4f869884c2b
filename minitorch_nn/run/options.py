"""``Option``: one key of a run config — its default, type, accepted values and help line —
and the range checks options share."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .planned_cosine import plans_problem


@dataclass(frozen=True)
class Option:
    """One config key: its default, its type, and what values it accepts.

    Args:
        default: the value when neither the file nor a flag sets it.
        help: one line for the comments in a written ``config.toml`` and for ``--help``.
        type: ``"bool"``, ``"int"``, ``"float"``, ``"str"``, ``"ints"``, ``"floats"``, ``"strs"``
            (lists), ``"int_pairs"`` (a list of ``[int, int]``), or ``"size"`` (an item count, or a
            fraction in (0, 1)).
        choices: the valid values of a ``"str"`` option (or the valid items of a ``"strs"`` list).
        check: ``check(value) -> problem or None`` for range checks, e.g. ``positive``.
    """

    default: Any
    help: str
    type: str
    choices: tuple[str, ...] | None = None
    check: Callable[[Any], str | None] | None = None


def positive(value) -> str | None:
    items = value if isinstance(value, list) else [value]
    return None if all(v > 0 for v in items) else "must be > 0"


def non_negative(value) -> str | None:
    return None if value >= 0 else "must be >= 0"


def probability(value) -> str | None:
    return None if 0 <= value < 1 else "must be in [0, 1)"


def two_sizes(value) -> str | None:
    return None if len(value) == 2 and min(value) > 0 else "must be two positive channel counts, e.g. [32, 16]"


def betas(value) -> str | None:
    if len(value) != 2 or not all(0 <= b < 1 for b in value):
        return "must be two numbers in [0, 1), e.g. [0.9, 0.999]"
    return None


def val_size(value) -> str | None:
    if isinstance(value, float) and not 0 < value < 1:
        return "must be an item count (e.g. 5000) or a fraction in (0, 1) (e.g. 0.1)"
    return None if value > 0 else "must be > 0"


def plain_name(value) -> str | None:
    """A run name becomes a folder name: letters, digits, ``-``, ``_`` and ``.``, no ``..``."""
    if len(value) > 100:
        return "is too long (at most 100 characters)"
    if any(not (c.isascii() and (c.isalnum() or c in "-_.")) for c in value) or ".." in value:
        return "must be a plain name: letters, digits, '-', '_' and '.', no folders and no '..' (e.g. \"mnist_mlp\")"
    return None


def plans(value) -> str | None:
    """``[schedule] plans``: see ``planned_cosine.plans_problem``."""
    return plans_problem(value)


class ConfigError(ValueError):
    """A config file or a command-line override has an unknown key or an invalid value."""
