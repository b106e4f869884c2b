"""Batch normalisation over the channel axis 1: ``BatchNorm1d`` and ``BatchNorm2d``."""
from __future__ import annotations

import numpy as np

from ..checks import positive_int
from ..functional.normalization import batch_norm_backward, batch_norm_forward
from ..module import Module
from ..parameter import DEFAULT_DTYPE, Parameter


class _BatchNorm(Module):
    """Shared batch-norm math; subclasses fix which input ranks they accept.

    Training: ``y = weight * (x - mean_B) / sqrt(var_B + eps) + bias`` with the batch mean and
    *biased* batch variance over every axis but the channel axis 1; the running statistics
    are updated as ``running = (1 - momentum) * running + momentum * batch_stat`` using the
    *unbiased* variance (``var_B * n / (n - 1)``), exactly as PyTorch. ``momentum=None`` gives
    the cumulative average (factor ``1 / num_batches_tracked``). Evaluation normalises with
    the running statistics.

    Backward (training), with x̂ the normalised input and n the values per channel:
    dL/dx = (1 / (n * sqrt(var_B + eps))) * (n * g - sum(g) - x̂ * sum(g * x̂)),  g = dL/dy * weight.
    """

    _accepted_ranks: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, dtype=DEFAULT_DTYPE):
        super().__init__()
        self.num_features = positive_int(type(self).__name__, "num_features", num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.weight = Parameter(np.ones(num_features, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype=dtype)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None
        self._cache = None

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.fill(0)
            self.running_var.fill(1)
            self.num_batches_tracked.fill(0)

    def _check_input(self, x: np.ndarray) -> None:
        if x.ndim not in self._accepted_ranks or x.shape[1] != self.num_features:
            ranks = " or ".join(f"{r}-D" for r in self._accepted_ranks)
            raise ValueError(
                f"{type(self).__name__}(num_features={self.num_features}): expected {ranks} input with "
                f"{self.num_features} channels on axis 1, got shape {x.shape}"
            )

    def forward(self, x: np.ndarray) -> np.ndarray:
        dtype = self.weight.dtype if self.affine else (self.running_mean.dtype if self.track_running_stats else None)
        x = np.asarray(x, dtype=dtype)
        self._check_input(x)
        use_batch_stats = self.training or not self.track_running_stats
        if self.training and x.size // self.num_features <= 1:
            raise ValueError(
                f"{type(self).__name__}: expected more than 1 value per channel when training, "
                f"got input of shape {x.shape}; use a batch of at least 2 or call .eval()"
            )
        out, self._cache = batch_norm_forward(
            x, self.weight.data if self.affine else None, self.bias.data if self.affine else None,
            running_mean=None if use_batch_stats else self.running_mean,
            running_var=None if use_batch_stats else self.running_var, training=use_batch_stats, eps=self.eps)
        if self.training and self.track_running_stats:
            self._update_running_stats(self._cache.mean, self._cache.var, x.size // self.num_features)
        return out

    def _update_running_stats(self, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        """running = (1 - momentum) · running + momentum · batch statistic, with the unbiased variance."""
        self.num_batches_tracked += 1
        factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        unbiased_var = var * (n / (n - 1))
        self.running_mean *= 1 - factor
        self.running_mean += factor * mean
        self.running_var *= 1 - factor
        self.running_var += factor * unbiased_var

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._cache)
        grad_x, grad_weight, grad_bias = batch_norm_backward(grad_output, self._cache)
        if self.affine:
            self.weight.accumulate_grad(grad_weight)
            self.bias.accumulate_grad(grad_bias)
        return grad_x

    def _reset_dtype_caches(self) -> None:
        self._cache = None

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over ``(N, C)`` or ``(N, C, L)`` inputs (statistics per channel C).

    Args:
        num_features: C.  eps: added to the variance.  momentum: running-stat update factor
        (None: cumulative average).  affine: learn ``weight`` (γ, ones) and ``bias`` (β, zeros).
        track_running_stats: keep ``running_mean``/``running_var`` buffers for eval mode.

    Shape: input ``(N, C)`` or ``(N, C, L)``; output the same.
    """

    _accepted_ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over ``(N, C, H, W)`` inputs, statistics per channel; arguments as ``BatchNorm1d``."""

    _accepted_ranks = (4,)
