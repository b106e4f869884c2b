"""build_data: the documented ``[data]`` keys — ``normalize`` ("standardize" | "center" | "none"),
the split, the batch size and the augmentation — seen in the batches the loaders give; and under MPI
every loader is this rank's shard, the last training batch dropped only when it cannot give every
rank two samples."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch_nn.data import channel_stats
from minitorch_nn.data.dataset import ArrayDataset
from minitorch_nn.run.config import default_config, resolve_config
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


# ---------------------------------------------------------------------------- the documented [data] keys
def config_with(**changes) -> dict:
    """The default [data] table on Digits, without augmentation, with ``changes``."""
    config = default_config()["data"]
    config.update({"dataset": "digits", "augment": [], **changes})
    return config


def colour_splits(seed=0):
    """A CIFAR-like pair of data sets: uint8 (N, 6, 5, 3) images whose three channels have very
    different means and spreads, so a per-channel mistake shows."""
    rng = np.random.default_rng(seed)

    def images(n):
        x = np.stack([rng.integers(0, 60, (n, 6, 5)), rng.integers(100, 256, (n, 6, 5)),
                      rng.integers(20, 40, (n, 6, 5))], axis=-1)
        return ArrayDataset(x.astype(np.uint8), rng.integers(0, 10, n).astype(np.int64), classes=list("abcdefghij"))

    return images(200), images(50)


def all_training_images(bundle) -> np.ndarray:
    return np.concatenate([x for x, _ in bundle.train])


@pytest.mark.parametrize("splits", [load_splits("digits"), colour_splits()], ids=["grayscale", "colour"])
def test_standardize_gives_zero_mean_unit_std_per_channel_on_the_training_split(splits):
    bundle = build_data(config_with(normalize="standardize", val_size=0.2), seed=1, splits=splits, flatten=False)
    x = all_training_images(bundle)
    channels = x.shape[1]
    assert x.dtype == np.float32 and len(bundle.mean) == len(bundle.std) == channels
    per_channel = x.transpose(1, 0, 2, 3).reshape(channels, -1)
    np.testing.assert_allclose(per_channel.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(per_channel.std(axis=1), 1, rtol=1e-4)
    # the statistics are the training split's, not the whole training set's
    mean, std = channel_stats(splits[0].data, bundle.train.dataset.indices)
    np.testing.assert_allclose(bundle.mean, mean)
    np.testing.assert_allclose(bundle.std, std)


@pytest.mark.parametrize("splits", [load_splits("digits"), colour_splits()], ids=["grayscale", "colour"])
def test_center_subtracts_the_mean_and_keeps_the_pixel_scale(splits):
    bundle = build_data(config_with(normalize="center", val_size=0.2), seed=1, splits=splits, flatten=False)
    x = all_training_images(bundle)
    channels = x.shape[1]
    assert bundle.std == [1.0] * channels
    per_channel = x.transpose(1, 0, 2, 3).reshape(channels, -1)
    np.testing.assert_allclose(per_channel.mean(axis=1), 0, atol=1e-5)
    raw = splits[0].data[bundle.train.dataset.indices].astype(np.float64) / 255
    raw = raw.reshape(len(raw), -1, channels)
    np.testing.assert_allclose(per_channel.std(axis=1), raw.std(axis=(0, 1)), rtol=1e-4)  # the [0, 1] scale


@pytest.mark.parametrize("splits", [load_splits("digits"), colour_splits()], ids=["grayscale", "colour"])
def test_none_only_scales_pixels_to_the_unit_interval(splits):
    bundle = build_data(config_with(normalize="none", val_size=0.2), seed=1, splits=splits, flatten=True)
    assert bundle.mean is None and bundle.std is None
    x = all_training_images(bundle)
    images = splits[0].data[bundle.train.dataset.indices]
    expected = images.reshape(len(images), -1).astype(np.float32) / np.float32(255)

    def rows_in_order(a):  # the loader shuffles: compare the batches' rows as a sorted set
        return a[np.lexsort(a.T[::-1])]

    np.testing.assert_array_equal(rows_in_order(x), rows_in_order(expected))
    assert 0 <= x.min() and x.max() <= 1


def test_the_same_normalisation_is_applied_to_validation_and_test_batches():
    bundle = build_data(config_with(normalize="standardize", val_size=0.2), seed=1, splits=colour_splits(),
                        flatten=False)
    test_images = colour_splits()[1].data.astype(np.float64) / 255
    expected = ((test_images - bundle.mean) / bundle.std).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(np.concatenate([x for x, _ in bundle.test]), expected, rtol=1e-5, atol=1e-5)
    assert bundle.val.num_samples == 40 and bundle.train.num_samples == 160


@pytest.mark.parametrize("batch_size", [32, 50])
def test_batch_size_and_a_last_batch_of_one_dropped(batch_size):
    # 1437 digits less 144 for validation: 1293 = 40 x 32 + 13 = 25 x 50 + 43
    bundle = build_data(config_with(batch_size=batch_size), seed=0, splits=load_splits("digits"))
    sizes = [len(y) for _, y in bundle.train]
    assert sizes[:-1] == [batch_size] * (len(sizes) - 1) and sum(sizes) == 1293
    # a split that would leave a last batch of one sample drops it (BatchNorm needs two)
    bundle = build_data(config_with(batch_size=2, val_size=0.1), seed=0, splits=load_splits("digits"))
    assert [len(y) for _, y in bundle.train][-1] == 2 and bundle.train.num_samples == 1293


def test_augment_crop_and_flip_change_training_batches_only():
    plain = build_data(config_with(augment=[], normalize="none"), seed=0, splits=colour_splits(), flatten=False)
    augmented = build_data(config_with(augment=["crop", "flip"], crop_padding=2, normalize="none"), seed=0,
                           splits=colour_splits(), flatten=False)
    assert not np.array_equal(all_training_images(plain), all_training_images(augmented))
    for loader in ("val", "test"):
        np.testing.assert_array_equal(np.concatenate([x for x, _ in getattr(plain, loader)]),
                                      np.concatenate([x for x, _ in getattr(augmented, loader)]))
