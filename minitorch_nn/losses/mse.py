"""``MSELoss``: mean squared error."""
from __future__ import annotations

import numpy as np

from .loss import Loss


class MSELoss(Loss):
    """``loss = mean((x - y)²)`` over every element ('sum': the sum; 'none': element-wise).

    Backward: dL/dx = 2 (x - y) / numel for 'mean'.

    Shape: input and target of the same shape.
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._difference = None

    def forward(self, input: np.ndarray, target: np.ndarray):
        input = np.asarray(input)
        target = np.asarray(target)
        if input.shape != target.shape:
            raise ValueError(f"MSELoss: input shape {input.shape} and target shape {target.shape} differ; "
                             "pass targets shaped like the predictions")
        if not np.issubdtype(input.dtype, np.floating):
            raise ValueError(f"MSELoss: expected float predictions, got dtype {input.dtype}")
        self._check_finite(input)
        self._difference = input - target.astype(input.dtype, copy=False)
        squared = self._difference * self._difference
        if self.reduction == "none":
            return squared
        return self._reduce(squared, float(squared.size))

    def backward(self, grad_output=1.0) -> np.ndarray:
        self._require_forward(self._difference)
        grad = 2 * self._difference
        if self.reduction == "none":
            return grad * np.asarray(grad_output, dtype=grad.dtype)
        scale = float(grad_output) / (max(grad.size, 1) if self.reduction == "mean" else 1.0)  # an empty batch: 0
        return grad * grad.dtype.type(scale)
