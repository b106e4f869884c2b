"""``Workspace``: reusable scratch arrays with one owner.

A step of training makes the same temporaries every time (an optimiser's ``alpha * grad``, a
convolution's column buffer). Allocating them afresh costs the page faults of new memory on
every step; a ``Workspace`` keeps one grow-only buffer per purpose instead. The object that
creates a workspace owns it (an optimiser, a layer) and is the only one that uses it; an
array it hands out is valid until the owner asks for the same purpose again, so it must never
be returned to a caller or kept past the call that asked for it.
"""
from __future__ import annotations

import math

import numpy as np


class Workspace:
    """Scratch arrays by purpose: ``workspace.array("denominator", shape, dtype)``.

    Equivalent to ``np.empty(shape, dtype)`` except that the memory is reused: the array for a
    purpose shares its storage with the previous array of that purpose (grown when too small).
    """

    def __init__(self) -> None:
        self._storage: dict[str, np.ndarray] = {}

    def array(self, purpose: str, shape: tuple, dtype) -> np.ndarray:
        """An uninitialised ``shape`` array of ``dtype`` for ``purpose``."""
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        storage = self._storage.get(purpose)
        if storage is None or storage.nbytes < nbytes:
            self._storage.pop(purpose, None)  # release the old buffer before allocating the new one
            storage = self._storage[purpose] = np.empty(max(nbytes, 1), dtype=np.uint8)
        return storage[:nbytes].view(dtype).reshape(shape)

    def like(self, purpose: str, array: np.ndarray) -> np.ndarray:
        """An uninitialised array of ``array``'s shape and dtype for ``purpose``."""
        return self.array(purpose, array.shape, array.dtype)

    def clear(self) -> None:
        """Free every buffer (e.g. after a change of dtype)."""
        self._storage.clear()

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return sum(storage.nbytes for storage in self._storage.values())
