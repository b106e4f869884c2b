"""``Subset`` and ``random_split``: train/validation splits that index into a data set, no copies."""
from __future__ import annotations

import math
import numbers
from typing import Sequence

import numpy as np

from ..random import default_generator
from .dataset import ArrayDataset


class Subset:
    """The items of ``dataset`` at ``indices``, in that order (PyTorch's ``Subset``).

    Args:
        dataset: a data set with ``data`` / ``targets`` (or an ``(X, y)`` tuple), or a Subset.
        indices: positions in ``dataset``.

    Attributes:
        dataset, indices: as given (``indices`` as an int64 array).
        classes: the parent's class names (None if it has none).

    ``data`` and ``targets`` are computed on access as ``dataset.data[indices]`` (a copy);
    ``DataLoader`` does not use them but gathers each batch straight from the parent.
    """

    def __init__(self, dataset, indices: Sequence[int] | np.ndarray):
        if isinstance(dataset, (tuple, list)):
            dataset = ArrayDataset(*dataset)
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        size = len(dataset)
        if len(self.indices) and (self.indices.min() < -size or self.indices.max() >= size):
            raise IndexError(f"Subset: indices must be in [0, {size}) for a data set of {size} items")

    @property
    def data(self) -> np.ndarray:
        return np.asarray(self.dataset.data)[self.indices]

    @property
    def targets(self) -> np.ndarray:
        return np.asarray(self.dataset.targets)[self.indices]

    @property
    def classes(self):
        return getattr(self.dataset, "classes", None)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self.dataset[int(self.indices[index])]
        return self.dataset[self.indices[index]]

    def __repr__(self) -> str:
        return f"Subset(N={len(self)}, dataset={self.dataset!r})"


def random_split(dataset, lengths: Sequence[int | float], seed: int | None = 0) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    Args:
        dataset: anything with ``len`` (a data set, a Subset, or an ``(X, y)`` tuple).
        lengths: item counts summing to ``len(dataset)``, e.g. ``[49_000, 1_000]``; or fractions
            summing to 1, e.g. ``[0.9, 0.1]`` (each gets ``floor(frac * N)`` items and the
            remainder goes one by one to the first subsets, as in PyTorch).
        seed: seed of the shuffle, so the split is the same every run; ``None`` draws from
            the global generator (``mt.manual_seed``).

    Returns:
        One ``Subset`` per length.

    Raises:
        ValueError: negative lengths, or lengths that sum neither to ``len(dataset)`` nor to 1.

    Example:
        >>> train, val = random_split(MNIST(), [54_000, 6_000])
    """
    if isinstance(dataset, (tuple, list)):
        dataset = ArrayDataset(*dataset)
    size = len(dataset)
    counts = _counts(list(lengths), size)
    rng = np.random.default_rng(seed) if seed is not None else np.random.default_rng(
        default_generator().integers(2**63))
    order = rng.permutation(size)
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, order[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:])]


def _counts(lengths: list, size: int) -> list[int]:
    """Item counts from ``lengths`` (counts or fractions), validated against ``size``."""
    if not lengths or not all(isinstance(n, numbers.Real) and not isinstance(n, bool) for n in lengths):
        raise ValueError(f"random_split: lengths must be a non-empty list of numbers, got {lengths!r}")
    if any(n < 0 for n in lengths):
        raise ValueError(f"random_split: lengths must not be negative, got {lengths!r}")
    total = sum(lengths)
    if all(isinstance(n, numbers.Integral) for n in lengths) and total == size:
        return [int(n) for n in lengths]
    if math.isclose(total, 1.0) and all(n <= 1 for n in lengths):
        counts = [math.floor(size * n) for n in lengths]
        for i in range(size - sum(counts)):  # the rounding remainder, one each, round-robin
            counts[i % len(counts)] += 1
        return counts
    raise ValueError(
        f"random_split: lengths {lengths!r} sum to {total}, but the data set has {size} items; "
        f"give counts that sum to {size} or fractions that sum to 1"
    )
