"""Argument checks shared across the package, each raising one message that names the owner,
the argument, what was given and what is expected.

    >>> positive_int("Linear", "in_features", 0)
    Traceback (most recent call last):
    ValueError: Linear: in_features must be a positive integer, got 0
"""
from __future__ import annotations

import numpy as np


def is_integer(value) -> bool:
    """True for Python and numpy integers, False for ``bool`` (which ``int`` would accept)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def positive_int(owner: str, name: str, value) -> int:
    """``value`` as an ``int`` if it is an integer >= 1, else ``ValueError``."""
    if not is_integer(value) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


def non_negative_int(owner: str, name: str, value) -> int:
    """``value`` as an ``int`` if it is an integer >= 0, else ``ValueError``."""
    if not is_integer(value) or value < 0:
        raise ValueError(f"{owner}: {name} must be a non-negative integer, got {value!r}")
    return int(value)


def int_pair(owner: str, name: str, value, minimum: int = 1) -> tuple[int, int]:
    """``3 -> (3, 3)``; ``(3, 2)`` stays; anything else, or a value below ``minimum``, is a ``ValueError``.

    The convention of PyTorch's ``kernel_size``, ``stride`` and ``padding`` arguments.
    """
    pair = (value, value) if is_integer(value) else value
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2
            or not all(is_integer(v) and v >= minimum for v in pair)):
        kind = "positive" if minimum >= 1 else "non-negative"
        raise ValueError(f"{owner}: {name} must be a {kind} int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def as_float_array(x, dtype=None) -> np.ndarray:
    """``x`` as an ndarray: of ``dtype`` if given, else unchanged when floating, else float32."""
    if dtype is not None:
        return np.asarray(x, dtype=dtype)
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float32)


def check_images(owner: str, x: np.ndarray, channels: int | None = None) -> None:
    """``ValueError`` unless ``x`` is a 4-D ``(N, C, H, W)`` batch (with ``channels`` channels, if given)."""
    if x.ndim != 4:
        hint = " (add a batch axis with x[None])" if x.ndim == 3 else ""
        raise ValueError(f"{owner}: expected a 4-D input (N, C, H, W), got shape {x.shape}{hint}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{owner}: input has {x.shape[1]} channels (shape {x.shape}); "
                         f"expected shape (N, {channels}, H, W)")


def check_grad_shape(owner: str, grad_output, expected: tuple) -> np.ndarray:
    """``grad_output`` as a float array if its shape is ``expected`` (the forward output's), else ``ValueError``."""
    grad_output = as_float_array(grad_output)
    if grad_output.shape != tuple(expected):
        raise ValueError(f"{owner}.backward: grad_output has shape {grad_output.shape}, "
                         f"expected the output's shape {tuple(expected)}")
    return grad_output
