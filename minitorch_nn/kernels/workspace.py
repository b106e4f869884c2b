"""``Workspace``: reusable scratch arrays with one owner.

A step of training makes the same temporaries every time (an optimiser's ``alpha * grad``, a
layer's intermediate products). Allocating them afresh costs the page faults of new memory on
every step; a ``Workspace`` keeps one buffer per purpose and shape instead. The object that
creates a workspace owns it (an optimiser, a layer) and is the only one that uses it; an array
it hands out is valid until the owner asks for the same purpose and shape again, so it must
never be returned to a caller or kept past the call that asked for it.
"""
from __future__ import annotations

import numpy as np


class Workspace:
    """Scratch arrays by purpose: ``workspace.array("denominator", shape, dtype)``.

    Equivalent to ``np.empty(shape, dtype)`` except that the memory is reused: asking twice for
    the same purpose, shape and dtype gives the same array. Different purposes never share memory.
    """

    def __init__(self) -> None:
        self._buffers: dict[tuple, np.ndarray] = {}

    def array(self, purpose: str, shape: tuple, dtype) -> np.ndarray:
        """An uninitialised C-contiguous ``shape`` array of ``dtype`` for ``purpose``."""
        key = (purpose, tuple(shape), np.dtype(dtype))
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = np.empty(shape, dtype=dtype)
        return buffer

    def like(self, purpose: str, array: np.ndarray) -> np.ndarray:
        """An uninitialised array of ``array``'s shape and dtype for ``purpose``."""
        key = (purpose, array.shape, array.dtype)
        buffer = self._buffers.get(key)  # the common case, without array()'s conversions: a hot path
        if buffer is None:
            buffer = self._buffers[key] = np.empty(array.shape, dtype=array.dtype)
        return buffer

    def clear(self) -> None:
        """Free every buffer (e.g. after a change of dtype)."""
        self._buffers.clear()

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return sum(buffer.nbytes for buffer in self._buffers.values())
