"""`Parameter`: a trainable array and the gradient accumulated for it."""
from __future__ import annotations

import numpy as np

DEFAULT_DTYPE = np.float32


class Parameter:
    """A trainable array owned by a `Module`.

    Args:
        data: array-like; stored as ``float32`` unless it already is a floating
            numpy array (a float64 model stays float64, e.g. for gradient checks).

    Attributes:
        data: the values, an ``ndarray`` updated in place by the optimisers.
        grad: ``None`` or an ``ndarray`` of ``data``'s shape and dtype. ``backward``
            passes *add* into it; ``None`` counts as zero.
    """

    __slots__ = ("data", "grad", "requires_grad")

    def __init__(self, data, requires_grad: bool = True):
        if isinstance(data, Parameter):
            data = data.data
        if not (isinstance(data, np.ndarray) and np.issubdtype(data.dtype, np.floating)):
            data = np.asarray(data, dtype=DEFAULT_DTYPE)
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def numel(self) -> int:
        return self.data.size

    def accumulate_grad(self, grad: np.ndarray) -> None:
        """Add ``grad`` into ``.grad``; takes ``grad`` as the gradient when none exists.

        ``grad`` must be a fresh array that nothing else holds: it is adopted, not copied.
        """
        if self.grad is None:
            self.grad = grad if grad.dtype == self.data.dtype else grad.astype(self.data.dtype)
        else:
            self.grad += grad

    def zero_grad(self, set_to_none: bool = True) -> None:
        if set_to_none:
            self.grad = None
        elif self.grad is not None:
            self.grad.fill(0)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"
