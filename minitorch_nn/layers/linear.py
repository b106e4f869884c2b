"""Fully connected layers and the shape-only layers ``Identity`` and ``Flatten``."""
from __future__ import annotations

import math

import numpy as np

from .. import init
from ..checks import positive_int
from ..module import Module
from ..parameter import DEFAULT_DTYPE, Parameter


class Linear(Module):
    """Affine map ``y = x @ W.T + b`` with PyTorch's layout and default initialisation.

    Args:
        in_features: size of each input sample, ``H_in``.
        out_features: size of each output sample, ``H_out``.
        bias: learn an additive bias ``b`` (default True).
        dtype: parameter dtype (float32 by default).

    Shape:
        Input ``(N, *, H_in)``; output ``(N, *, H_out)``.

    Attributes:
        weight: ``(out_features, in_features)``, initialised U(-k, k) with k = 1/sqrt(in_features)
            (``kaiming_uniform_(a=sqrt(5))``, as PyTorch).
        bias: ``(out_features,)``, U(-k, k).

    Backward: dL/dx = dL/dy @ W;  dL/dW = dL/dy.T @ x;  dL/db = sum over samples of dL/dy.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=DEFAULT_DTYPE):
        super().__init__()
        self.in_features = positive_int("Linear", "in_features", in_features)
        self.out_features = positive_int("Linear", "out_features", out_features)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()
        self._input = None

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=self.weight.dtype)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}): input has "
                f"{x.shape[-1] if x.ndim else 0} features (shape {x.shape}); "
                f"expected shape (N, {self.in_features})"
            )
        self._input = x
        out = x @ self.weight.data.T
        if self.bias is not None:
            out += self.bias.data
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self.backward_without_input_grad(grad_output)
        return grad_output @ self.weight.data  # dL/dx = dL/dy W

    def backward_without_input_grad(self, grad_output: np.ndarray) -> None:
        self._require_forward(self._input)
        grad_2d = grad_output.reshape(-1, self.out_features)
        # dL/dW += dL/dyᵀ x (summed over the batch);  dL/db += Σ_n dL/dy
        self.weight.accumulate_grad_matmul(grad_2d.T, self._input.reshape(-1, self.in_features))
        if self.bias is not None:
            self.bias.accumulate_grad(grad_2d.sum(axis=0))

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged; a placeholder, e.g. for an optional layer."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return grad_output


class Flatten(Module):
    """Flattens dimensions ``start_dim..end_dim`` into one (PyTorch's defaults: 1 and -1).

    Shape: input ``(N, *dims)``; output ``(N, prod(dims))``. Backward reshapes the gradient back.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim
        self._input_shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        self._input_shape = x.shape
        start = self.start_dim % x.ndim
        end = self.end_dim % x.ndim
        return x.reshape(x.shape[:start] + (-1,) + x.shape[end + 1:])

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._input_shape)
        return grad_output.reshape(self._input_shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
