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
        self._centered = None
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
            var = _sum_of_products(centered, centered) / n
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, var, n)
        else:
            mean, var = self.running_mean, self.running_var
            centered = x - mean.reshape(shape)
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype, copy=False)
        # Kept for backward; x̂ = centered * inv_std is never stored, its per-channel factor is folded in.
        self._centered, self._inv_std, self._used_batch_stats = centered, inv_std, use_batch_stats
        if not self.affine:
            return centered * inv_std.reshape(shape)
        # y = x̂ * weight + bias = centered * (weight * inv_std) + bias: two passes over the batch
        out = centered * (self.weight.data * inv_std).reshape(shape)
        out += self.bias.data.reshape(shape)
        return out

    def _update_running_stats(self, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        self.num_batches_tracked += 1
        factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        unbiased_var = var * (n / (n - 1))
        self.running_mean *= 1 - factor
        self.running_mean += factor * mean
        self.running_var *= 1 - factor
        self.running_var += factor * unbiased_var

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._centered)
        centered, inv_std = self._centered, self._inv_std
        shape = self._channel_shape(centered)
        axes = (0,) + tuple(range(2, centered.ndim))
        sum_grad = grad_output.sum(axis=axes)
        sum_grad_centered = _sum_of_products(grad_output, centered)  # sum(g * x̂) = this * inv_std
        if self.affine:
            self.weight.accumulate_grad(sum_grad_centered * inv_std)
            self.bias.accumulate_grad(sum_grad)
            scale = self.weight.data * inv_std
        else:
            scale = inv_std
        grad_input = grad_output * scale.reshape(shape)
        if not self._used_batch_stats:
            return grad_input  # running statistics are constants
        # dL/dx = scale * (g - sum(g) / n - centered * inv_std² * sum(g * centered) / n)
        # (the docstring's formula with x̂ = centered * inv_std, and g taken before weight)
        n = centered.size // self.num_features
        grad_input -= centered * (scale * inv_std * inv_std * sum_grad_centered / n).reshape(shape)
        grad_input -= (scale * sum_grad / n).reshape(shape)
        return grad_input

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


def _sum_of_products(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a * b).sum`` over every axis but the channel axis 1, without the product array."""
    axes = "nc" + "lhw"[:a.ndim - 2]
    return np.einsum(f"{axes},{axes}->c", a, b)


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
