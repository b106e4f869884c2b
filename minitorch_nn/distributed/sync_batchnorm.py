"""``SyncBatchNorm``: batch normalisation over the global batch of a data-parallel job.

Under data parallelism each rank sees only its share of every batch, so a plain ``BatchNorm``
normalises with the statistics of that share (PyTorch's DDP does the same; it is the default
here). ``SyncBatchNorm`` all-reduces the statistics instead, so the layer computes exactly what
it computes in one process over the whole batch: the same outputs, gradients and running
statistics, for any number of ranks. The price is two small ``Allreduce``s per layer and step
(2·C + 1 numbers forward, 2·C backward).

With n_r values per channel on rank r and n = Σ n_r::

    μ = Σ_r Σ x / n        σ² = Σ_r Σ x² / n - μ²        (summed in float64)
    x̂ = (x - μ) / sqrt(σ² + eps)        y = weight · x̂ + bias

Backward, with g = dL_r/dy the gradient of rank r's own mean loss and w_r = n_r / n the
weight ``all_reduce_gradients`` gives that rank (so the global loss is L = Σ_r w_r · L_r)::

    S1 = Σ_r w_r Σ g,   S2 = Σ_r w_r Σ g · x̂             (one Allreduce)
    dL_r/dx = weight / (n · sqrt(σ² + eps)) · (n · g - S1 / w_r - x̂ · S2 / w_r)

which is 1/w_r times the global dL/dx, as every other gradient on the rank (the allreduce of
the parameter gradients multiplies it back by w_r).
"""
from __future__ import annotations

import numpy as np

from ..functional.normalization import BatchNormCache, channel_shape, sum_over_channels
from ..layers import BatchNorm1d, BatchNorm2d
from ..module import Module
from .world import communicator


class SyncBatchNorm(BatchNorm2d):
    """Batch norm whose training statistics are those of the global batch, over every rank.

    Arguments, parameters, buffers and ``state_dict`` are those of ``BatchNorm1d`` /
    ``BatchNorm2d`` (checkpoints load into either); in eval mode and in a single process it
    computes exactly what they compute. See the module docstring for the formulas.

    Shape: ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``; output the same.
    """

    _accepted_ranks = (2, 3, 4)

    def forward(self, x: np.ndarray) -> np.ndarray:
        comm = communicator()
        if not self.training or comm is None or comm.Get_size() == 1:
            return super().forward(x)
        x = np.asarray(x, dtype=self.weight.dtype if self.affine else self.running_mean.dtype)
        self._check_input(x)
        shape = channel_shape(x)
        axes = (0,) + tuple(range(2, x.ndim))
        n_local = x.size // self.num_features
        subscripts = "nc" + "lhw"[:x.ndim - 2]
        sums = np.concatenate([x.sum(axis=axes, dtype=np.float64),                            # Σ x
                               np.einsum(f"{subscripts},{subscripts}->c", x, x, dtype=np.float64),  # Σ x²
                               [n_local]])
        comm.Allreduce(_in_place(), sums)
        C, n = self.num_features, int(sums[-1])
        if n <= 1:
            raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel over all ranks when training, "
                             f"got {n}; use a larger batch or call .eval()")
        mean = sums[:C] / n
        var = np.maximum(sums[C:2 * C] / n - mean * mean, 0.0)
        mean, var = mean.astype(x.dtype), var.astype(x.dtype)
        centered = x - mean.reshape(shape)
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype)
        self._cache = BatchNormCache(centered, inv_std, self.weight.data if self.affine else None, mean, var, True)
        self._local_share = (n_local, n)
        if self.track_running_stats:
            self._update_running_stats(mean, var, n)
        scale = inv_std if not self.affine else self.weight.data * inv_std
        out = centered * scale.reshape(shape)
        if self.affine:
            out += self.bias.data.reshape(shape)
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        comm = communicator()
        if comm is None or comm.Get_size() == 1 or not self._cache.used_batch_stats:
            return super().backward(grad_output)
        self._require_forward(self._cache)
        centered, inv_std = self._cache.centered, self._cache.inv_std
        shape = channel_shape(centered)
        axes = (0,) + tuple(range(2, centered.ndim))
        n_local, n = self._local_share
        sum_grad = grad_output.sum(axis=axes)
        sum_grad_centered = sum_over_channels(grad_output, centered)  # Σ g · x̂ = this · inv_std
        if self.affine:
            self.weight.accumulate_grad(sum_grad_centered * inv_std)
            self.bias.accumulate_grad(sum_grad)
        share = n_local / n  # w_r
        sums = np.concatenate([sum_grad, sum_grad_centered]).astype(np.float64) * share
        comm.Allreduce(_in_place(), sums)
        C = self.num_features
        global_sum_grad = (sums[:C] / share).astype(centered.dtype)                  # S1 / w_r
        global_sum_grad_centered = (sums[C:] / share).astype(centered.dtype)         # S2 / (w_r · inv_std)
        scale = self.weight.data * inv_std if self.affine else inv_std
        grad_x = grad_output * scale.reshape(shape)
        grad_x -= centered * (scale * inv_std * inv_std * global_sum_grad_centered / n).reshape(shape)
        grad_x -= (scale * global_sum_grad / n).reshape(shape)
        return grad_x


def convert_sync_batchnorm(module: Module) -> Module:
    """Replace every ``BatchNorm1d`` / ``BatchNorm2d`` inside ``module`` by a ``SyncBatchNorm``
    holding the same ``Parameter`` objects and buffer arrays (so an optimiser built before the
    conversion still updates them). Returns ``module``, or its replacement if it is a BatchNorm
    itself, as PyTorch's ``SyncBatchNorm.convert_sync_batchnorm``.
    """
    if isinstance(module, (BatchNorm1d, BatchNorm2d)) and not isinstance(module, SyncBatchNorm):
        synced = SyncBatchNorm.__new__(SyncBatchNorm)
        synced.__dict__.update(module.__dict__)  # parameters, buffers, settings, mode: the same objects
        return synced
    for name, child in list(module.named_children()):
        converted = convert_sync_batchnorm(child)
        if converted is not child:
            module.add_module(name, converted)  # in place: the child keeps its position
    return module


def _in_place():
    from mpi4py import MPI

    return MPI.IN_PLACE
