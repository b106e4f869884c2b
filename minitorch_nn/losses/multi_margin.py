"""``MultiMarginLoss``: the multiclass SVM hinge loss."""
from __future__ import annotations

import numpy as np

from .loss import Loss


class MultiMarginLoss(Loss):
    """Multiclass hinge loss, as ``torch.nn.MultiMarginLoss``:

    ``loss_i = sum_{j != y_i} w_{y_i} max(0, margin - x_{i,y_i} + x_{i,j})^p / C``; 'mean' averages over N.

    Note the division by C (PyTorch's definition); the classic course ``svm_loss`` omits it, so
    its value is C times this one for ``p=1``.
    Backward: each active margin adds ``p m^(p-1) w / C`` to dL/dx_j and subtracts it from dL/dx_{y_i}.

    Shape: scores ``(N, C)``; target ``(N,)`` integers in [0, C).
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got p={p}")
        self.p = p
        self.margin = margin
        self.weight = None if weight is None else np.asarray(weight)
        self._margins = None

    def forward(self, input: np.ndarray, target: np.ndarray):
        scores = self._check_scores(input)
        labels = self._check_class_targets(target, scores)
        n, num_classes = scores.shape
        rows = np.arange(n)
        margins = self.margin - scores[rows, labels][:, None] + scores
        margins[rows, labels] = 0
        np.maximum(margins, 0, out=margins)
        weight = self._check_weight(self.weight, num_classes, scores.dtype)
        sample_weight = np.ones(n, scores.dtype) if weight is None else weight[labels]
        self._margins, self._labels, self._sample_weight = margins, labels, sample_weight
        per_sample = (margins if self.p == 1 else margins * margins).sum(axis=1) * sample_weight / num_classes
        return self._reduce(per_sample, float(n))

    def backward(self, grad_output=1.0) -> np.ndarray:
        self._require_forward(self._margins)
        margins, labels = self._margins, self._labels
        n, num_classes = margins.shape
        # d/dx_j of max(0, m)^p is p m^(p-1) [m > 0]; the target column collects minus their sum.
        grad = (margins > 0).astype(margins.dtype) if self.p == 1 else 2 * margins
        grad *= (self._sample_weight / num_classes)[:, None]
        grad[np.arange(n), labels] = -grad.sum(axis=1)
        return self._scale_grad(grad, grad_output, float(n))

    def extra_repr(self) -> str:
        return f"p={self.p}, margin={self.margin}, reduction={self.reduction!r}"
