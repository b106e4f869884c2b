"""build_data: under MPI every loader is this rank's shard, and the last training batch is dropped
only when it cannot give every rank two samples."""
from __future__ import annotations

import pytest

from minitorch_nn.run.config import resolve_config
from minitorch_nn.run.data_pipeline import build_data
from minitorch_nn.run.datasets import load_splits


@pytest.fixture(scope="module")
def digits():
    return load_splits("digits")  # 1,437 training images


def data_config(val_size: int, batch_size: int = 64) -> dict:
    return resolve_config({"data": {"dataset": "digits", "val_size": val_size, "batch_size": batch_size}})["data"]


def test_every_loader_is_this_ranks_shard(digits):
    data = build_data(data_config(137), seed=0, splits=digits, rank=1, world_size=2)
    for loader in (data.train, data.val, data.test):
        assert (loader.rank, loader.world_size) == (1, 2)
    assert data.train.num_samples == 1300  # the global counts: describe() is the same on every rank
    assert len(data.train) == 21 and len(next(iter(data.train))[1]) == 32


@pytest.mark.parametrize("left_over, world_size, dropped", [
    (1, 1, True), (2, 1, False), (3, 2, True), (4, 2, False), (0, 2, False)])
def test_the_last_batch_is_dropped_only_when_a_rank_would_get_fewer_than_two(digits, left_over, world_size,
                                                                             dropped):
    train_images = 64 * 20 + left_over
    data = build_data(data_config(1437 - train_images), seed=0, splits=digits, rank=0, world_size=world_size)
    assert data.train.drop_last == dropped
