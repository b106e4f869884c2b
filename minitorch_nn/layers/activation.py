"""Element-wise activations and (log-)softmax. Each keeps its output for backward."""
from __future__ import annotations

import numpy as np

from ..functional.activations import log_softmax, relu_backward, relu_forward, sigmoid, softmax
from ..module import Module


class ReLU(Module):
    """``y = max(x, 0)``.  Backward: dL/dx = dL/dy where y > 0, else 0 (0 at x = 0, as PyTorch).

    Shape: any; output has the input's shape.
    """

    def __init__(self) -> None:
        super().__init__()
        self._output = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self._output = relu_forward(x)
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._output)
        return relu_backward(grad_output, self._output)


class LeakyReLU(Module):
    """``y = x if x > 0 else negative_slope * x``.  Backward: dL/dx = dL/dy * (1 or negative_slope)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self._input = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._input = np.asarray(x)
        return np.where(self._input > 0, self._input, self._input * self.negative_slope)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._input)
        return np.where(self._input > 0, grad_output, grad_output * self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """``y = 1 / (1 + exp(-x))``.  Backward: dL/dx = dL/dy * y * (1 - y)."""

    def __init__(self) -> None:
        super().__init__()
        self._output = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._output = sigmoid(np.asarray(x))
        return self._output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._output)
        y = self._output
        return grad_output * y * (1 - y)


class Tanh(Module):
    """``y = tanh(x)``.  Backward: dL/dx = dL/dy * (1 - y²)."""

    def __init__(self) -> None:
        super().__init__()
        self._output = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._output = np.tanh(x)
        return self._output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._output)
        return grad_output * (1 - self._output * self._output)


class Softmax(Module):
    """``y_i = exp(x_i) / sum_j exp(x_j)`` along ``dim``.

    Backward: dL/dx = y * (dL/dy - sum(dL/dy * y, dim)).
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim
        self._output = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._output = softmax(np.asarray(x), axis=self.dim)
        return self._output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._output)
        y = self._output
        return y * (grad_output - (grad_output * y).sum(axis=self.dim, keepdims=True))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``y_i = x_i - log(sum_j exp(x_j))`` along ``dim``, computed stably.

    Backward: dL/dx = dL/dy - softmax(x) * sum(dL/dy, dim), with softmax(x) = exp(y).
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim
        self._output = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._output = log_softmax(np.asarray(x), axis=self.dim)
        return self._output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._output)
        return grad_output - np.exp(self._output) * grad_output.sum(axis=self.dim, keepdims=True)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
