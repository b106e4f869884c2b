"""Parameter initialisation (``mt.init``), with PyTorch's names, fan computation and gains.

Every function fills its argument in place (a ``Parameter`` or an ``ndarray``) and returns it.
Random draws come from the global generator, so ``mt.manual_seed`` makes them reproducible.
"""
from __future__ import annotations

import math

import numpy as np

from .parameter import Parameter
from .random import default_generator


def _array(tensor) -> np.ndarray:
    array = tensor.data if isinstance(tensor, Parameter) else tensor
    if not isinstance(array, np.ndarray):
        raise TypeError(f"init: expected a Parameter or ndarray, got {type(tensor).__name__}")
    return array


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(array: np.ndarray) -> tuple[int, int]:
    """fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field (PyTorch's rule)."""
    if array.ndim < 2:
        raise ValueError(f"fan in and fan out need at least 2 dimensions, got shape {array.shape}")
    receptive_field = int(np.prod(array.shape[2:])) if array.ndim > 2 else 1
    return array.shape[1] * receptive_field, array.shape[0] * receptive_field


def _fan(array: np.ndarray, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(array)
    return fan_in if mode == "fan_in" else fan_out


def constant_(tensor, val: float):
    _array(tensor)[...] = val
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def uniform_(tensor, a: float = 0.0, b: float = 1.0):
    array = _array(tensor)
    array[...] = default_generator().uniform(a, b, size=array.shape)
    return tensor


def normal_(tensor, mean: float = 0.0, std: float = 1.0):
    array = _array(tensor)
    array[...] = default_generator().normal(mean, std, size=array.shape)
    return tensor


def xavier_uniform_(tensor, gain: float = 1.0):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(_array(tensor))
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain: float = 1.0):
    """N(0, std²) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(_array(tensor))
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"):
    """U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(_array(tensor), mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"):
    """N(0, std²) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(_array(tensor), mode))
    return normal_(tensor, 0.0, std)
