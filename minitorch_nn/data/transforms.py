"""Batch transforms: callables ``transform(x, rng) -> x`` applied to a whole batch at once.

Every transform works on the full batch with vectorised numpy (no Python loop over images),
never modifies its input in place, and takes the random generator to use as its second
argument (the ``DataLoader`` passes its per-epoch generator, which makes augmentation
reproducible and resumable; ``rng=None`` falls back to ``mt.random.default_generator()``).

Image batches are channels-last, ``(N, H, W, C)`` as ``CIFAR10.data``, or ``(N, H, W)`` for
grayscale as ``MNIST.data``; the spatial transforms accept ``channels_last=False`` for
``(N, C, H, W)``. A typical CIFAR-10 pipeline augments while still uint8 and NHWC, then
scales, normalises and finally moves channels first for a conv net::

    Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToFloat(),
             Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)), ToCHW()])
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..random import default_generator


class Transform:
    """Base class: subclasses implement ``__call__(x, rng=None)`` and ``extra_repr``.

    ``random`` says whether the transform draws from ``rng`` (a sharded ``DataLoader`` runs
    random transforms on the global batch, the others on its own slice only).
    """

    random = False

    def __call__(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class Compose(Transform):
    """Apply ``transforms`` in order, passing the same generator to each.

    Args:
        transforms: callables ``t(x, rng) -> x``.
    """

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)
        for t in self.transforms:
            if isinstance(t, type) or not callable(t):
                raise TypeError(f"Compose: {t!r} is not callable; give transforms like ToFloat() (with the brackets)")

    @property
    def random(self) -> bool:
        return any(getattr(t, "random", True) for t in self.transforms)

    def __call__(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        for t in self.transforms:
            x = t(x, rng)
        return x

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({lines}\n)"


class ToFloat(Transform):
    """uint8 images in 0..255 -> float32 in [0, 1] (``x / 255``); float input is only cast to float32.

    Shape: any; output has the input's shape.
    """

    def __call__(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        x = np.asarray(x)
        if x.dtype == np.uint8:
            return np.divide(x, 255, dtype=np.float32)
        if np.issubdtype(x.dtype, np.floating):
            return x.astype(np.float32)
        raise TypeError(f"ToFloat: expected uint8 images (0..255) or floats, got dtype {x.dtype}; "
                        f"convert with x.astype(np.uint8) if the values are 0..255 pixels")


class Normalize(Transform):
    """Per-channel standardisation ``(x - mean) / std``, float32 out.

    Args:
        mean, std: one value per channel, or a scalar for all values (use a scalar for flat
            ``(N, D)`` data and for grayscale ``(N, H, W)`` batches).
        channels_last: the channel axis is the last one (``(N, H, W, C)``, default) or
            axis 1 (``(N, C, H, W)``, after ``ToCHW``).

    Shape: any ``(N, ...)``; per-channel values need the channel axis described above.

    Example:
        >>> Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))   # CIFAR-10 after ToFloat
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float], channels_last: bool = True):
        mean_array, std_array = np.asarray(mean, dtype=np.float32), np.asarray(std, dtype=np.float32)
        if mean_array.ndim > 1 or std_array.ndim > 1 or (mean_array.ndim == std_array.ndim == 1
                                                         and mean_array.shape != std_array.shape):
            raise ValueError(f"Normalize: mean {mean!r} and std {std!r} must be scalars or equally long sequences")
        if np.any(std_array <= 0):
            raise ValueError(f"Normalize: std must be positive, got {std!r}")
        self.mean, self.std = (a.copy() for a in np.broadcast_arrays(mean_array, std_array))
        self.channels_last = bool(channels_last)

    def __call__(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        x = np.asarray(x)
        mean, std = self.mean, self.std
        if mean.ndim == 1:  # per-channel values
            axis = -1 if self.channels_last else 1
            if x.ndim < 2 or x.shape[axis] != len(mean):
                raise ValueError(
                    f"Normalize: {len(mean)} per-channel values, but the batch of shape {x.shape} has "
                    f"{x.shape[axis] if x.ndim >= 2 else 'no'} entries on the channel axis ({axis}); "
                    f"use channels_last={not self.channels_last} if the channels are on the other axis, "
                    f"or a scalar mean/std for flat or grayscale data"
                )
            if not self.channels_last:  # (C,) -> (C, 1, 1) so it broadcasts over axis 1
                shape = (len(mean),) + (1,) * (x.ndim - 2)
                mean, std = mean.reshape(shape), std.reshape(shape)
        return (x.astype(np.float32, copy=False) - mean) / std

    def extra_repr(self) -> str:
        def fmt(a: np.ndarray) -> str:
            return f"{a.item():.4g}" if a.ndim == 0 else "(" + ", ".join(f"{v:.4g}" for v in a) + ")"
        extra = "" if self.channels_last else ", channels_last=False"
        return f"mean={fmt(self.mean)}, std={fmt(self.std)}{extra}"


class Flatten(Transform):
    """``(N, *)`` -> ``(N, prod(*))``, e.g. MNIST ``(N, 28, 28)`` -> ``(N, 784)`` for an MLP."""

    def __call__(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        x = np.asarray(x)
        return x.reshape(len(x), -1)


class ToCHW(Transform):
    """Channels-last to channels-first, ``(N, H, W, C)`` -> ``(N, C, H, W)`` (C-contiguous), for conv nets."""

    def __call__(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"ToCHW: expected an (N, H, W, C) batch, got shape {x.shape}; "
                             f"add a channel axis to grayscale batches first with x[..., None]")
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


class RandomCrop(Transform):
    """Zero-pad each image by ``padding`` pixels on every side, then crop ``size`` at a random place.

    Every image in the batch gets its own offset; the crop is one fancy-indexing gather.

    Args:
        size: output height and width, an int or ``(h, w)``.
        padding: zero pixels added to each border before cropping (CIFAR-10: 4).
        channels_last: ``(N, H, W, C)`` / ``(N, H, W)`` batches (default) or ``(N, C, H, W)``.

    Shape: input ``(N, H, W[, C])``; output ``(N, h, w[, C])``, same dtype.
    """

    random = True

    def __init__(self, size: int | tuple[int, int], padding: int = 0, channels_last: bool = True):
        self.size = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        if len(self.size) != 2 or min(self.size) < 1:
            raise ValueError(f"RandomCrop: size must be a positive int or (h, w), got {size!r}")
        if padding < 0:
            raise ValueError(f"RandomCrop: padding must be >= 0, got {padding}")
        self.padding = int(padding)
        self.channels_last = bool(channels_last)

    def __call__(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        rng = default_generator() if rng is None else rng
        x = np.asarray(x)
        channels_first = x.ndim == 4 and not self.channels_last
        if x.ndim not in (3, 4):
            raise ValueError(f"RandomCrop: expected an (N, H, W) or (N, H, W, C) batch, got shape {x.shape}")
        if channels_first:  # crop in NHWC and move the channels back at the end
            x = x.transpose(0, 2, 3, 1)
        pad = self.padding
        if pad:
            x = np.pad(x, [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (x.ndim - 3))
        (h, w), (height, width) = self.size, x.shape[1:3]
        if h > height or w > width:
            raise ValueError(f"RandomCrop: crop {self.size} is larger than the padded images ({height}, {width})")
        n = len(x)
        top = rng.integers(0, height - h + 1, size=n)
        left = rng.integers(0, width - w + 1, size=n)
        rows = (top[:, None] + np.arange(h))[:, :, None]     # (N, h, 1)
        cols = (left[:, None] + np.arange(w))[:, None, :]    # (N, 1, w)
        out = x[np.arange(n)[:, None, None], rows, cols]     # (N, h, w[, C])
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2)) if channels_first else out

    def extra_repr(self) -> str:
        size = self.size[0] if self.size[0] == self.size[1] else self.size
        extra = "" if self.channels_last else ", channels_last=False"
        return f"size={size}, padding={self.padding}{extra}"


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability ``p`` (independently per image).

    Args:
        p: probability of flipping an image.
        channels_last: ``(N, H, W, C)`` / ``(N, H, W)`` batches (default) or ``(N, C, H, W)``.

    Shape: input ``(N, H, W[, C])`` or ``(N, C, H, W)``; output the same, same dtype.
    """

    random = True

    def __init__(self, p: float = 0.5, channels_last: bool = True):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = float(p)
        self.channels_last = bool(channels_last)

    def __call__(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        rng = default_generator() if rng is None else rng
        x = np.asarray(x)
        if x.ndim not in (3, 4):
            raise ValueError(f"RandomHorizontalFlip: expected an (N, H, W[, C]) batch, got shape {x.shape}")
        width_axis = 3 if (x.ndim == 4 and not self.channels_last) else 2
        flip = rng.random(len(x)) < self.p
        out = x.copy()
        out[flip] = np.flip(x[flip], axis=width_axis)
        return out

    def extra_repr(self) -> str:
        extra = "" if self.channels_last else ", channels_last=False"
        return f"p={self.p}{extra}"
