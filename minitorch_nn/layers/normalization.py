"""Batch normalisation over the channel axis 1: ``BatchNorm1d`` and ``BatchNorm2d``."""
from __future__ import annotations

import numpy as np

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
        if not isinstance(num_features, (int, np.integer)) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive integer, got {num_features!r}")
        self.num_features = num_features
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
        self._normalized = None
        self._inv_std = None

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

    def _channel_shape(self, x: np.ndarray) -> tuple[int, ...]:
        """(1, C, 1, ...) so per-channel vectors broadcast against x."""
        return (1, self.num_features) + (1,) * (x.ndim - 2)

    def forward(self, x: np.ndarray) -> np.ndarray:
        dtype = self.weight.dtype if self.affine else (self.running_mean.dtype if self.track_running_stats else None)
        x = np.asarray(x, dtype=dtype)
        self._check_input(x)
        axes = (0,) + tuple(range(2, x.ndim))
        shape = self._channel_shape(x)
        use_batch_stats = self.training or not self.track_running_stats
        if use_batch_stats:
            n = x.size // self.num_features
            if n <= 1 and self.training:
                raise ValueError(
                    f"{type(self).__name__}: expected more than 1 value per channel when training, "
                    f"got input of shape {x.shape}; use a batch of at least 2 or call .eval()"
                )
            mean = x.mean(axis=axes)
            centered = x - mean.reshape(shape)
            var = np.mean(centered * centered, axis=axes)
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, var, n)
        else:
            mean, var = self.running_mean, self.running_var
            centered = x - mean.reshape(shape)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        normalized = centered * inv_std.reshape(shape).astype(x.dtype, copy=False)
        self._normalized, self._inv_std, self._used_batch_stats = normalized, inv_std, use_batch_stats
        if not self.affine:
            return normalized.copy()
        return normalized * self.weight.data.reshape(shape) + self.bias.data.reshape(shape)

    def _update_running_stats(self, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        self.num_batches_tracked += 1
        factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        unbiased_var = var * (n / (n - 1))
        self.running_mean *= 1 - factor
        self.running_mean += factor * mean
        self.running_var *= 1 - factor
        self.running_var += factor * unbiased_var

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._normalized)
        normalized = self._normalized
        shape = self._channel_shape(normalized)
        axes = (0,) + tuple(range(2, normalized.ndim))
        if self.affine:
            self.weight.accumulate_grad((grad_output * normalized).sum(axis=axes))
            self.bias.accumulate_grad(grad_output.sum(axis=axes))
            grad_normalized = grad_output * self.weight.data.reshape(shape)
        else:
            grad_normalized = grad_output
        inv_std = self._inv_std.reshape(shape).astype(normalized.dtype, copy=False)
        if not self._used_batch_stats:
            return grad_normalized * inv_std  # running statistics are constants
        n = normalized.size // self.num_features
        sum_grad = grad_normalized.sum(axis=axes).reshape(shape)
        sum_grad_dot = (grad_normalized * normalized).sum(axis=axes).reshape(shape)
        return (inv_std / n) * (n * grad_normalized - sum_grad - normalized * sum_grad_dot)

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
