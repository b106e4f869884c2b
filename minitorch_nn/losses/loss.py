"""The ``Loss`` base class: reduction handling and the input checks every loss shares."""
from __future__ import annotations

import math

import numpy as np

from ..module import Module

REDUCTIONS = ("mean", "sum", "none")


class Loss(Module):
    """A criterion: ``loss = criterion(scores, targets)`` then ``criterion.backward()``.

    ``forward`` returns a Python float for ``reduction`` ``'mean'``/``'sum'`` (an ``(N,)`` array
    for ``'none'``); ``backward(grad_output=1.0)`` returns d loss / d scores, shaped like the scores.
    """

    _grad_shape_checked = False  # grad_output is d(outer)/d loss: a scalar (or one per sample for 'none')

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def forward(self, input: np.ndarray, target: np.ndarray):
        raise NotImplementedError

    def _check_finite(self, scores: np.ndarray) -> None:
        if not np.isfinite(scores).all():
            bad = "NaN" if np.isnan(scores).any() else "inf"
            raise ValueError(
                f"{type(self).__name__}: the input scores contain {bad}; the model diverged "
                "(lower the learning rate, check the data for NaN, or clip gradients)"
            )

    def _check_scores(self, scores) -> np.ndarray:
        scores = np.asarray(scores)
        if scores.ndim != 2 or not np.issubdtype(scores.dtype, np.floating):
            raise ValueError(
                f"{type(self).__name__}: expected float scores of shape (N, C), got "
                f"{scores.dtype} array of shape {scores.shape}"
            )
        self._check_finite(scores)
        return scores

    def _check_class_targets(self, targets, scores: np.ndarray, ignore_index: int | None = None) -> np.ndarray:
        """Integer labels of shape (N,) in [0, C) (``ignore_index`` allowed too)."""
        name = type(self).__name__
        n, num_classes = scores.shape
        targets = np.asarray(targets)
        if targets.shape != (n,):
            raise ValueError(f"{name}: expected {n} targets (shape ({n},)) for scores of shape {scores.shape}, "
                             f"got targets of shape {targets.shape}")
        if not np.issubdtype(targets.dtype, np.integer):
            raise ValueError(f"{name}: class targets must be integers, got dtype {targets.dtype} "
                             "(convert with targets.astype(np.int64))")
        if targets.size and (targets.min() < 0 or targets.max() >= num_classes):
            valid = targets if ignore_index is None else targets[targets != ignore_index]
            if valid.size and (valid.min() < 0 or valid.max() >= num_classes):
                bad = valid.min() if valid.min() < 0 else valid.max()
                raise ValueError(f"{name}: target {bad} is out of range for {num_classes} classes "
                                 f"(labels must be in [0, {num_classes - 1}])")
        return targets

    def _check_weight(self, weight, num_classes: int, dtype) -> np.ndarray | None:
        if weight is None:
            return None
        weight = np.asarray(weight, dtype=dtype)
        if weight.shape != (num_classes,):
            raise ValueError(f"{type(self).__name__}: weight must have shape ({num_classes},), got {weight.shape}")
        return weight

    def _reduce(self, per_sample: np.ndarray, denominator: float):
        """Apply the reduction to per-sample losses; ``denominator`` is what 'mean' divides by.

        A mean over nothing (an empty batch, every target ignored) is NaN, as PyTorch's."""
        if self.reduction == "none":
            return per_sample
        total = float(np.sum(per_sample, dtype=np.float64))
        if self.reduction == "sum":
            return total
        return total / denominator if denominator else math.nan

    def _scale_grad(self, grad: np.ndarray, grad_output, denominator: float) -> np.ndarray:
        """Turn per-sample gradients (N, ...) into gradients of the reduced loss."""
        if self.reduction == "none":
            grad_output = np.asarray(grad_output, dtype=grad.dtype)
            return grad * grad_output.reshape((-1,) + (1,) * (grad.ndim - 1))
        if self.reduction == "mean" and not denominator:
            return grad  # nothing counted: every coefficient, hence the gradient, is 0 (PyTorch: zeros)
        scale = float(grad_output) / (denominator if self.reduction == "mean" else 1.0)
        if scale != 1.0:
            grad *= grad.dtype.type(scale)
        return grad

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"
