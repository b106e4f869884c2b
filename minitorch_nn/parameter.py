"""`Parameter`: a trainable array and the gradient accumulated for it."""
from __future__ import annotations

import numpy as np

from .kernels.inplace import matmul_into

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

    __slots__ = ("data", "_grad", "_grad_pending_zero", "requires_grad")

    def __init__(self, data, requires_grad: bool = True):
        if isinstance(data, Parameter):
            data = data.data
        if not (isinstance(data, np.ndarray) and np.issubdtype(data.dtype, np.floating)):
            data = np.asarray(data, dtype=DEFAULT_DTYPE)
        self.data = data
        self._grad = None
        self._grad_pending_zero = False
        self.requires_grad = requires_grad

    @property
    def grad(self) -> np.ndarray | None:
        if self._grad_pending_zero:
            self._grad.fill(0)
            self._grad_pending_zero = False
        return self._grad

    @grad.setter
    def grad(self, value: np.ndarray | None) -> None:
        self._grad = value
        self._grad_pending_zero = False

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
        if self._grad is None:
            self.grad = grad if grad.dtype == self.data.dtype else grad.astype(self.data.dtype)
        elif self._grad_pending_zero:
            np.copyto(self._grad, grad)
            self._grad_pending_zero = False
        else:
            self._grad += grad

    def accumulate_grad_matmul(self, a: np.ndarray, b: np.ndarray) -> None:
        """Add ``a @ b`` into ``.grad`` (e.g. ``dL/dW = dL/dy.T @ x``); when a gradient
        buffer exists (``zero_grad(set_to_none=False)``) the product is written straight into it."""
        if self._grad is not None and self._grad.dtype == a.dtype == b.dtype:
            matmul_into(a, b, self._grad, accumulate=not self._grad_pending_zero)
            self._grad_pending_zero = False
        elif a.shape[1] == 1:
            # An outer product: broadcasting beats a K=1 GEMM.
            self.accumulate_grad(a * b)
        else:
            self.accumulate_grad(a @ b)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop the gradient (``None``), or zero it in place. Zeroing is deferred: the next
        backward overwrites the buffer instead of adding to it, saving a pass over memory;
        reading ``.grad`` before that returns zeros, as expected."""
        if set_to_none:
            self.grad = None
        elif self._grad is not None:
            self._grad_pending_zero = True

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"

    def __deepcopy__(self, memo):
        copy = Parameter(self.data.copy(), self.requires_grad)
        grad = self.grad
        copy.grad = None if grad is None else grad.copy()
        memo[id(self)] = copy
        return copy
