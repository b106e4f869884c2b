"""``NLLLoss``: negative log-likelihood of log-probabilities (e.g. ``LogSoftmax`` outputs)."""
from __future__ import annotations

import numpy as np

from .loss import Loss


class NLLLoss(Loss):
    """``loss_i = -w_{y_i} * input[i, y_i]``; 'mean' divides by ``sum_i w_{y_i}``, as PyTorch.

    Backward: dL/dinput[i, y_i] = -w_{y_i} (divided as the reduction says), 0 elsewhere.

    Shape: input ``(N, C)`` log-probabilities; target ``(N,)`` integers in [0, C).
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = None if weight is None else np.asarray(weight)
        self.ignore_index = ignore_index
        self._target_weight = None

    def forward(self, input: np.ndarray, target: np.ndarray):
        log_probs = self._check_scores(input)
        labels = self._check_class_targets(target, log_probs, self.ignore_index)
        weight = self._check_weight(self.weight, log_probs.shape[1], log_probs.dtype)
        kept = labels != self.ignore_index
        safe_labels = np.where(kept, labels, 0)
        target_weight = (np.ones(len(labels), log_probs.dtype) if weight is None else weight[safe_labels]) * kept
        picked = log_probs[np.arange(len(labels)), safe_labels]
        self._shape, self._labels, self._target_weight = log_probs.shape, safe_labels, target_weight
        self._denominator = float(np.sum(target_weight, dtype=np.float64))
        return self._reduce(-target_weight * picked, self._denominator)

    def backward(self, grad_output=1.0) -> np.ndarray:
        self._require_forward(self._target_weight)
        grad = np.zeros(self._shape, dtype=self._target_weight.dtype)
        grad[np.arange(len(self._labels)), self._labels] = -self._target_weight
        return self._scale_grad(grad, grad_output, self._denominator)
