"""`Parameter`: a trainable array and the gradient accumulated for it."""
from __future__ import annotations

import sys

import numpy as np

from .kernels.inplace import add_matmul_, set_matmul_

DEFAULT_DTYPE = np.float32


class Parameter:
    """A trainable array owned by a `Module`.

    Args:
        data: array-like; stored as ``float32`` unless it already is a floating
            numpy array (a float64 model stays float64, e.g. for gradient checks).
        requires_grad: whether the parameter is trained. A frozen parameter
            (``requires_grad=False``) gets no gradient from ``backward`` and no update
            from any optimiser (see ``Module.requires_grad_``).

    Attributes:
        data: the values, an ``ndarray`` updated in place by the optimisers.
        grad: ``None`` or an ``ndarray`` of ``data``'s shape and dtype. ``backward``
            passes *add* into it; ``None`` counts as zero. A plain attribute: reading it
            never changes it.
    """

    __slots__ = ("data", "grad", "requires_grad", "_released_grad")

    def __init__(self, data, requires_grad: bool = True):
        if isinstance(data, Parameter):
            data = data.data
        if not (isinstance(data, np.ndarray) and np.issubdtype(data.dtype, np.floating)):
            data = np.asarray(data, dtype=DEFAULT_DTYPE)
        self.data = data
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._released_grad: np.ndarray | None = None

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        """Number of elements (PyTorch's name for ``size``)."""
        return self.data.size

    def accumulate_grad(self, grad: np.ndarray) -> None:
        """``.grad += grad`` (a copy of ``grad`` when ``.grad`` is None); nothing for a frozen parameter."""
        if not self.requires_grad:
            return
        if self.grad is None:
            buffer = self._free_grad_buffer()
            self.grad = np.array(grad, dtype=self.data.dtype, copy=True) if buffer is None else buffer
            if buffer is not None:
                np.copyto(buffer, grad)
        else:
            self.grad += grad

    def accumulate_grad_matmul(self, a: np.ndarray, b: np.ndarray) -> None:
        """``.grad += a @ b`` (e.g. ``dL/dW += dL/dyᵀ x``); nothing for a frozen parameter.

        The product is written straight into ``.grad`` (into a free buffer when ``.grad`` is
        None): the weight gradient of a ``Linear`` never exists twice in memory.
        """
        if not self.requires_grad:
            return
        if self.grad is not None:
            add_matmul_(self.grad, a, b)
            return
        buffer = self._free_grad_buffer()
        if buffer is None:
            buffer = np.empty(self.data.shape, dtype=self.data.dtype)
        self.grad = set_matmul_(buffer, a, b)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop the gradient (``None``, PyTorch's default) or fill it with zeros."""
        if set_to_none:
            self._released_grad, self.grad = self.grad, None
        elif self.grad is not None:
            self.grad.fill(0)

    def _free_grad_buffer(self) -> np.ndarray | None:
        """The array ``zero_grad()`` released, if nothing else holds it; else None.

        The one place where memory is recycled: writing the next gradient into the released
        array saves allocating (and page-faulting) a fresh one every step, which dominates a
        batch-of-one step. It is reused only when its reference count shows that no one kept it
        (``g = p.grad`` before ``zero_grad()``, or a view of it): such an array is never written.
        """
        buffer, self._released_grad = self._released_grad, None
        # References: ``buffer`` here and getrefcount's argument; any more belong to someone else.
        if buffer is None or sys.getrefcount(buffer) > 2 or buffer.shape != self.data.shape \
                or buffer.dtype != self.data.dtype:
            return None
        return buffer

    def requires_grad_(self, requires_grad: bool = True) -> "Parameter":
        """Freeze (``False``) or unfreeze the parameter, in place; returns it."""
        self.requires_grad = bool(requires_grad)
        return self

    def __repr__(self) -> str:
        frozen = "" if self.requires_grad else ", requires_grad=False"
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype}{frozen})"

    def __getstate__(self):
        return {"data": self.data, "grad": self.grad, "requires_grad": self.requires_grad}

    def __setstate__(self, state):
        self.data, self.grad, self.requires_grad = state["data"], state["grad"], state["requires_grad"]
        self._released_grad = None

    def __deepcopy__(self, memo):
        copy = Parameter(self.data.copy(), self.requires_grad)
        copy.grad = None if self.grad is None else self.grad.copy()
        memo[id(self)] = copy
        return copy
