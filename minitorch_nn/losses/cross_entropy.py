"""``CrossEntropyLoss``: log-softmax and negative log-likelihood fused into one stable step."""
from __future__ import annotations

import numpy as np

from ..functional.activations import log_softmax
from .loss import Loss


class CrossEntropyLoss(Loss):
    """Cross entropy on raw scores, as ``torch.nn.CrossEntropyLoss``.

    With class-index targets y, weights w (default 1) and label smoothing ε over C classes:
    ``loss_i = -sum_c q_ic log softmax(x_i)_c`` with ``q_ic = (1 - ε) w_y [c = y_i] + ε w_c / C``;
    'mean' divides by ``sum_i w_{y_i}`` (N without weights). Targets may also be class
    probabilities of shape (N, C), then ``q_ic = w_c ((1 - ε) t_ic + ε / C)`` and 'mean' divides by N.
    Backward: dL/dx_i = softmax(x_i) * sum_c q_ic - q_i (divided as the reduction says).

    Args:
        weight: optional (C,) class weights.  ignore_index: a label whose samples are skipped.
        reduction: 'mean' | 'sum' | 'none'.  label_smoothing: ε in [0, 1].

    Shape: scores ``(N, C)``; targets ``(N,)`` integers in [0, C) or ``(N, C)`` probabilities.
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.weight = None if weight is None else np.asarray(weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self._log_probs = None

    def forward(self, input: np.ndarray, target: np.ndarray):
        scores = self._check_scores(input)
        n, num_classes = scores.shape
        weight = self._check_weight(self.weight, num_classes, scores.dtype)
        target = np.asarray(target)
        log_probs = log_softmax(scores, axis=1)
        self._log_probs = log_probs
        if weight is None and self.label_smoothing == 0 and target.ndim == 1:
            # The common case: q is one-hot, so the loss picks one log-probability per row.
            labels = self._check_class_targets(target, scores, self.ignore_index)
            if not np.any(labels == self.ignore_index):
                self._labels, self._coefficients, self._denominator = labels, None, float(n)
                return self._reduce(-log_probs[np.arange(n), labels], float(n))
        coefficients, denominator = self._target_coefficients(target, scores, weight)
        per_sample = -np.einsum("nc,nc->n", coefficients, log_probs)
        self._labels, self._coefficients, self._denominator = None, coefficients, denominator
        return self._reduce(per_sample, denominator)

    def _target_coefficients(self, target: np.ndarray, scores: np.ndarray, weight):
        """The (N, C) matrix q of the docstring and the 'mean' denominator."""
        n, num_classes = scores.shape
        smoothing = self.label_smoothing
        if target.shape == scores.shape and np.issubdtype(target.dtype, np.floating):
            q = target.astype(scores.dtype) * (1 - smoothing) + smoothing / num_classes
            if weight is not None:
                q *= weight
            return q, float(n)
        labels = self._check_class_targets(target, scores, self.ignore_index)
        kept = labels != self.ignore_index
        safe_labels = np.where(kept, labels, 0)
        target_weight = (np.ones(n, scores.dtype) if weight is None else weight[safe_labels]) * kept
        rows = np.flatnonzero(kept)
        q = np.zeros_like(scores)
        q[rows, labels[rows]] = (1 - smoothing) * target_weight[rows]
        if smoothing:
            class_weight = np.ones(num_classes, dtype=scores.dtype) if weight is None else weight
            q[rows] += (smoothing / num_classes) * class_weight
        return q, float(np.sum(target_weight, dtype=np.float64))

    def backward(self, grad_output=1.0) -> np.ndarray:
        self._require_forward(self._log_probs)
        grad = np.exp(self._log_probs)
        if self._coefficients is None:  # one-hot targets: softmax - onehot
            grad[np.arange(len(grad)), self._labels] -= 1
        else:
            q = self._coefficients
            grad *= q.sum(axis=1, keepdims=True)
            grad -= q
        return self._scale_grad(grad, grad_output, self._denominator)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, label_smoothing={self.label_smoothing}"
