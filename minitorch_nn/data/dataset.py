"""``ArrayDataset``: images and labels held as two numpy arrays; the base of every data set here."""
from __future__ import annotations

from typing import Sequence

import numpy as np


class ArrayDataset:
    """A data set held in memory as ``data`` and ``targets`` arrays (like ``TensorDataset``).

    Args:
        data: ``(N, ...)`` array of samples (uint8 images for the built-in data sets).
        targets: ``(N,)`` integer labels.
        classes: optional class names; ``classes[k]`` names label ``k``.

    Indexing with an integer gives ``(sample, label)`` with ``label`` a Python int; indexing
    with a slice or an index array gives ``(samples, labels)`` arrays.

    Example:
        >>> ds = ArrayDataset(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
        >>> len(ds), ds[1][1]
        (4, 1)
    """

    def __init__(self, data: np.ndarray, targets: np.ndarray, classes: Sequence[str] | None = None):
        data, targets = np.asarray(data), np.asarray(targets)
        if data.ndim == 0 or targets.ndim != 1 or len(data) != len(targets):
            raise ValueError(
                f"{type(self).__name__}: data {data.shape} and targets {targets.shape} must have the same "
                f"first dimension N, with targets of shape (N,)"
            )
        self.data = data
        self.targets = targets
        self.classes = list(classes) if classes is not None else None

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self.data[index], int(self.targets[index])
        return self.data[index], self.targets[index]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        """The details shown inside ``repr``; subclasses add e.g. the split and the folder."""
        return f"N={len(self)}, data={self.data.shape} {self.data.dtype}"
