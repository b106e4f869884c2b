"""``DataLoader``: shuffled, seeded, resumable mini-batches of ``(x float32, y int64)`` numpy arrays.

Randomness is organised per epoch so that training can be resumed exactly:

* the loader counts passes: ``epoch`` is the number the next pass will use; ``iter(loader)``
  takes it and adds one; ``set_epoch(e)`` sets it (as PyTorch's ``DistributedSampler``);
* with ``seed`` given, pass ``e`` uses ``np.random.default_rng([seed, e])`` for both its
  permutation and the random transforms, whatever happened before;
* with ``seed=None``, each pass seeds its generator with one draw from the global generator
  ``mt.random.default_generator()``, so ``mt.manual_seed`` makes shuffling reproducible and
  restoring ``mt.get_rng_state()`` restores it. A pass that needs no randomness (no shuffle,
  no transform) draws nothing.

Data-parallel training shards the loader: with ``rank`` and ``world_size`` given, every rank
walks through the same global batches in the same order (the one a single process sees,
hence the seed that shuffling then needs) and keeps its contiguous slice of each: rank r of N
gets the r-th of N nearly equal parts (``np.array_split``). ``len(loader)`` is the same on
every rank.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from ..checks import is_integer
from ..random import default_generator
from .split import Subset
from .transforms import Compose


class DataLoader:
    """Iterate over a data set in mini-batches, one pass per ``for`` loop.

    Args:
        dataset: a data set with ``data`` and ``targets`` arrays (``MNIST``, ``CIFAR10``,
            ``Digits``, ``ArrayDataset``), a ``Subset`` from ``random_split``, or a tuple
            ``(X, y)`` with ``X`` ``(N, ...)`` and integer labels ``y`` ``(N,)``.
        batch_size: samples per batch (the last one may be smaller unless ``drop_last``).
        shuffle: a new random order every pass.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        seed: makes every pass reproducible on its own (see the module docstring); None uses
            the global generator.
        transform: a batch transform ``transform(x, rng) -> x`` (see ``transforms.py``),
            given the pass's generator. Without one, ``x`` is converted with
            ``x.astype(np.float32)`` as is; use ``ToFloat()`` to scale uint8 images to [0, 1].
        rank, world_size: this process's share of every batch in data-parallel training
            (``mt.distributed.rank()``, ``mt.distributed.world_size()``); ``batch_size`` is the
            global batch. Random transforms see the whole global batch, so every image is
            augmented as in one process; the deterministic rest runs on this rank's slice only.

    Yields:
        ``(x, y)``: ``x`` float32 ``(B, ...)`` (shape as the transform makes it), ``y`` int64 ``(B,)``.
        Both are fresh arrays; changing them never changes the data set.

    Each batch is gathered with ``X[indices]`` from the permutation, so no pass copies the whole
    data set.

    Example:
        >>> loader = DataLoader(MNIST(), batch_size=64, shuffle=True, seed=0,
        ...                     transform=Compose([ToFloat(), Flatten()]))
        >>> for x, y in loader:      # x (64, 784) float32 in [0, 1], y (64,) int64
        ...     ...
    """

    def __init__(self, dataset, batch_size: int = 64, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, transform: Callable | None = None, rank: int = 0, world_size: int = 1):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be an integer >= 1, got {batch_size!r}")
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"DataLoader: seed must be None or a non-negative integer, got {seed!r}")
        if transform is not None and not callable(transform):
            raise TypeError(f"DataLoader: transform must be callable as transform(x, rng), got {transform!r}")
        if not is_integer(world_size) or world_size < 1 or not is_integer(rank) or not 0 <= rank < world_size:
            raise ValueError(f"DataLoader: rank must be in 0..world_size-1 and world_size >= 1, got rank={rank!r}, "
                             f"world_size={world_size!r}; pass mt.distributed.rank() and mt.distributed.world_size()")
        if world_size > 1 and shuffle and seed is None:
            raise ValueError(f"DataLoader(world_size={world_size}): shuffling needs a seed so that every rank "
                             f"draws the same order of the global batches; pass seed=<the run's seed>")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.transform = transform
        self.rank = int(rank)
        self.world_size = int(world_size)
        self.epoch = 0
        self._X, self._y, self._index_map = _arrays(dataset)

    @property
    def num_samples(self) -> int:
        """Items per pass (before ``drop_last``)."""
        return len(self._index_map) if self._index_map is not None else len(self._X)

    def __len__(self) -> int:
        """Batches per pass."""
        full, rest = divmod(self.num_samples, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass use ``epoch``'s order and augmentation (e.g. when resuming)."""
        if not isinstance(epoch, (int, np.integer)) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"DataLoader.set_epoch: epoch must be a non-negative integer, got {epoch!r}")
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        # The bookkeeping runs now, not at the first next(), so that the epoch counter and
        # the global generator advance exactly when the pass is created.
        epoch = self.epoch
        self.epoch += 1
        rng = self._generator(epoch) if (self.shuffle or self.transform is not None) else None
        order = self._index_map
        if self.shuffle:
            permutation = rng.permutation(self.num_samples)
            order = permutation if order is None else order[permutation]
        return self._batches(order, rng)

    def __repr__(self) -> str:
        shard = f", rank={self.rank}, world_size={self.world_size}" if self.world_size > 1 else ""
        return (f"DataLoader(N={self.num_samples}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, seed={self.seed}, transform={self.transform!r}{shard})")

    # ------------------------------------------------------------------ internals
    def _generator(self, epoch: int) -> np.random.Generator:
        if self.seed is not None:
            return np.random.default_rng([self.seed, epoch])
        return np.random.default_rng(default_generator().integers(2**63))

    def _batches(self, order: np.ndarray | None, rng) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield the batches of one pass; ``order`` None means the data set's own order."""
        stop = len(self) * self.batch_size if self.drop_last else self.num_samples
        for start in range(0, stop, self.batch_size):
            index = slice(start, start + self.batch_size) if order is None else order[start:start + self.batch_size]
            x = self._X[index]
            # np.array copies even a slice view, so the caller can never modify the data set.
            y = np.array(self._y[index], dtype=np.int64)
            if self.world_size > 1:
                x, y = self._shard(x, y, rng)
            elif self.transform is None:
                x = x.astype(np.float32)
            else:
                x = np.asarray(self.transform(x, rng)).astype(np.float32, copy=False)
            if np.may_share_memory(x, self._X):  # e.g. Flatten of a float32 slice: still a view
                x = x.copy()
            yield x, y

    def _shard(self, x: np.ndarray, y: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
        """This rank's slice of the global batch ``(x, y)``, transformed as in one process: the
        steps up to the last random one run on the global batch (each image gets the augmentation
        it gets in one process), the deterministic rest on the slice only."""
        steps = [] if self.transform is None else (
            self.transform.transforms if isinstance(self.transform, Compose) else [self.transform])
        # A callable that does not say otherwise may be random.
        global_steps = max((i + 1 for i, step in enumerate(steps) if getattr(step, "random", True)), default=0)
        for step in steps[:global_steps]:
            x = step(x, rng)
        part = shard_slice(len(y), self.rank, self.world_size)
        x, y = np.asarray(x)[part], y[part]
        for step in steps[global_steps:]:
            x = step(x, rng)
        return np.asarray(x).astype(np.float32, copy=False), y


def shard_slice(count: int, rank: int, world_size: int) -> slice:
    """Rank ``rank``'s part of ``count`` items split into ``world_size`` contiguous, nearly equal
    parts, the first ``count % world_size`` parts one longer (as ``np.array_split``)."""
    size, extra = divmod(count, world_size)
    start = rank * size + min(rank, extra)
    return slice(start, start + size + (1 if rank < extra else 0))


def _arrays(dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(X, y, index_map)``: the arrays to gather from and, for a Subset, the positions in them.

    Nested Subsets compose their indices, so batches are always gathered from the original
    arrays and a Subset's data is never materialised.
    """
    if isinstance(dataset, Subset):
        X, y, parent_map = _arrays(dataset.dataset)
        return X, y, dataset.indices if parent_map is None else parent_map[dataset.indices]
    if isinstance(dataset, (tuple, list)) and len(dataset) == 2:
        X, y = dataset
    elif hasattr(dataset, "data") and hasattr(dataset, "targets"):
        X, y = dataset.data, dataset.targets
    else:
        raise TypeError(f"DataLoader: expected a data set with .data and .targets, a Subset, or a tuple (X, y); "
                        f"got {type(dataset).__name__}")
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim != 1:
        raise ValueError(f"DataLoader: X must be (N, ...) and y (N,), got X {X.shape} and y {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"DataLoader: X has {len(X)} samples but y has {len(y)} labels; they must match")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"DataLoader: labels must be integers, got dtype {y.dtype}; "
                         f"convert them with y.astype(np.int64) (class indices 0..C-1)")
    return X, y, None
