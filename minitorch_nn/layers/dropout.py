"""Inverted dropout: ``Dropout`` (element-wise) and ``Dropout2d`` (whole channels)."""
from __future__ import annotations

import math

import numpy as np

from ..module import Module
from ..random import default_generator


class Dropout(Module):
    """Zeroes each element with probability ``p`` in training and scales the rest by 1/(1-p).

    ``y = x * m / (1 - p)`` with ``m ~ Bernoulli(1 - p)``, so eval mode (the identity) needs no
    rescaling. Masks come from the global generator (``mt.manual_seed`` makes them reproducible).
    Backward: dL/dx = dL/dy * m / (1 - p).

    Shape: any; output has the input's shape.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self._scaled_mask = None

    def _mask_shape(self, x: np.ndarray) -> tuple[int, ...]:
        return x.shape

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if not self.training or self.p == 0.0:
            self._scaled_mask = 1.0
            return x
        dtype = np.dtype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32)
        if self.p == 1.0:
            self._scaled_mask = np.zeros(self._mask_shape(x), dtype=dtype)
        else:
            keep = _bernoulli_mask(self._mask_shape(x), 1.0 - self.p)
            self._scaled_mask = keep * dtype.type(1.0 / (1.0 - self.p))  # m / (1 - p), in x's dtype
        return x * self._scaled_mask

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._scaled_mask)
        return grad_output * self._scaled_mask

    def extra_repr(self) -> str:
        return f"p={self.p}"


_FULL_64_BIT_GENERATORS = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64)


def _bernoulli_mask(shape: tuple[int, ...], keep_probability: float) -> np.ndarray:
    """A boolean array, each element True with probability ``keep_probability``.

    Compares 32-bit random integers with the threshold: the generator's raw 64-bit output
    gives two per draw, about twice as fast as ``random()``; P(True) is exact to 2**-32.
    """
    generator = default_generator()
    size = int(np.prod(shape))
    drop_threshold = min(math.ceil((1.0 - keep_probability) * 2.0**32), 2**32 - 1)
    if isinstance(generator.bit_generator, _FULL_64_BIT_GENERATORS):
        bits = generator.bit_generator.random_raw((size + 1) // 2).view(np.uint32)[:size]
    else:  # e.g. MT19937, whose raw output has 32 random bits only
        bits = generator.integers(0, 2**32, size=size, dtype=np.uint32)
    return (bits >= np.uint32(drop_threshold)).reshape(shape)


class Dropout2d(Dropout):
    """Zeroes whole channels of an ``(N, C, H, W)`` input with probability ``p`` (scaled by 1/(1-p))."""

    def _mask_shape(self, x: np.ndarray) -> tuple[int, ...]:
        if x.ndim != 4:
            raise ValueError(f"Dropout2d: expected a 4-D (N, C, H, W) input, got shape {x.shape}")
        return x.shape[:2] + (1, 1)
