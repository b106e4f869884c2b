"""``evaluate`` and ``predict``: run a model over a loader in eval mode, no gradients kept.

A sharded loader (``DataLoader(..., rank=r, world_size=N)``, data-parallel training) gives each
rank part of every batch; both functions then combine the ranks' parts, so every rank gets the
answer over the whole data set (call them on every rank).
"""
from __future__ import annotations

import numpy as np

from ..distributed import all_gather, all_reduce_sum
from ..module import Module


def predict(model: Module, loader) -> tuple[np.ndarray, np.ndarray]:
    """``(y_true, y_pred)`` over every batch of ``loader``, in eval mode (int64 ``(N,)`` each).

    The model's train/eval mode is restored afterwards. With a sharded loader every rank gets
    the whole data set's arrays, in the order of a single process.
    """
    labels, predictions = [], []
    for y, scores in _scores(model, loader):
        labels.append(y)
        predictions.append(scores.argmax(axis=1))
    if _is_sharded(loader):
        labels, predictions = _in_global_order(labels), _in_global_order(predictions)
    return np.concatenate(labels).astype(np.int64), np.concatenate(predictions).astype(np.int64)


def evaluate(model: Module, loader, loss_fn=None) -> tuple[float | None, float]:
    """Average loss and accuracy of ``model`` over ``loader``, in eval mode.

    Dropout is off and BatchNorm uses its running statistics; the model's mode is restored
    afterwards. The loss is averaged over samples (batches weighted by their size) and is
    None without a ``loss_fn``.

    Args:
        model: maps ``x`` batches to ``(N, C)`` scores.
        loader: yields ``(x, y)`` batches, ``y`` int class labels ``(N,)``.
        loss_fn: e.g. ``mt.CrossEntropyLoss()`` (reduction ``'mean'`` or ``'sum'``).

    Returns:
        ``(loss, accuracy)`` with accuracy the fraction in [0, 1].
    """
    total_loss = 0.0
    correct = seen = 0
    for y, scores in _scores(model, loader):
        if loss_fn is not None:
            loss = loss_fn(scores, y)
            total_loss += loss if getattr(loss_fn, "reduction", "mean") == "sum" else loss * len(y)
        correct += int(np.count_nonzero(scores.argmax(axis=1) == y))
        seen += len(y)
    if _is_sharded(loader):  # the totals over every rank's share
        total_loss, correct, seen = all_reduce_sum([total_loss, correct, seen])
    return (total_loss / seen if loss_fn is not None else None), correct / seen


def _scores(model: Module, loader):
    """Yield ``(y, scores)`` per batch in eval mode; restore the mode even on errors."""
    was_training = model.training
    model.eval()
    try:
        empty = True
        for x, y in loader:
            empty = False
            if len(y) or not _is_sharded(loader):  # a rank's share of a small last batch may be empty
                yield np.asarray(y), np.asarray(model(x))
        if empty:
            raise ValueError(f"evaluate: the loader {loader!r} yielded no batches")
    finally:
        model.train(was_training)


def _is_sharded(loader) -> bool:
    return getattr(loader, "world_size", 1) > 1


def _in_global_order(parts: list[np.ndarray]) -> list[np.ndarray]:
    """Every rank's per-batch arrays, put back in the single-process order: batch by batch,
    rank 0's slice first."""
    by_rank = all_gather(parts)
    ordered = []
    for batch in range(max(len(rank_parts) for rank_parts in by_rank)):
        # Only the last batch can be missing on a rank (its share of a small last batch is empty).
        ordered += [rank_parts[batch] for rank_parts in by_rank if batch < len(rank_parts)]
    return ordered
