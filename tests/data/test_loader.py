"""DataLoader: batches, dtypes, per-epoch seeded order, resumability, inputs and validation."""
import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.data import (ArrayDataset, Compose, DataLoader, Flatten, RandomHorizontalFlip, ToFloat,
                               random_split)

X = np.arange(10 * 2 * 2, dtype=np.uint8).reshape(10, 2, 2)
Y = np.arange(10) % 3


def collect(loader):
    """All batches of one pass as lists of arrays."""
    return [(x.copy(), y.copy()) for x, y in loader]


def order_of(loader):
    """The sample order of one pass (X[i, 0, 0] == 4 * i)."""
    return np.concatenate([x[:, 0, 0] for x, _ in loader]).astype(int) // 4


def test_batches_dtypes_and_len():
    loader = DataLoader((X, Y), batch_size=4)
    batches = collect(loader)
    assert len(loader) == 3 and [len(x) for x, _ in batches] == [4, 4, 2]
    x, y = batches[0]
    assert x.dtype == np.float32 and y.dtype == np.int64 and x.shape == (4, 2, 2)
    np.testing.assert_array_equal(x, X[:4])  # no transform: converted as is, not scaled
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), Y)


def test_drop_last():
    loader = DataLoader((X, Y), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(x) for x, _ in loader] == [4, 4]
    assert len(DataLoader((X, Y), batch_size=20, drop_last=True)) == 0


def test_shuffle_visits_every_sample_once_in_a_new_order_each_epoch():
    loader = DataLoader((X, Y), batch_size=3, shuffle=True, seed=0)
    first, second = order_of(loader), order_of(loader)
    assert sorted(first) == list(range(10)) and sorted(second) == list(range(10))
    assert list(first) != list(second)
    assert loader.epoch == 2


def test_same_seed_same_sequence_and_set_epoch_replays_an_epoch():
    a = DataLoader((X, Y), batch_size=3, shuffle=True, seed=7)
    b = DataLoader((X, Y), batch_size=3, shuffle=True, seed=7)
    epochs = [order_of(a) for _ in range(3)]
    assert all(np.array_equal(order_of(b), e) for e in epochs)
    b.set_epoch(1)
    np.testing.assert_array_equal(order_of(b), epochs[1])
    assert not np.array_equal(order_of(DataLoader((X, Y), batch_size=3, shuffle=True, seed=8)), epochs[0])


def test_epoch_generator_is_seed_and_epoch():
    loader = DataLoader((X, Y), batch_size=10, shuffle=True, seed=3)
    loader.set_epoch(5)
    np.testing.assert_array_equal(order_of(loader), np.random.default_rng([3, 5]).permutation(10))


def test_seed_none_follows_manual_seed_and_rng_state():
    loader = DataLoader((X, Y), batch_size=4, shuffle=True)
    mt.manual_seed(123)
    first = order_of(loader)
    mt.manual_seed(123)
    np.testing.assert_array_equal(order_of(loader), first)
    state = mt.get_rng_state()
    expected = order_of(loader)
    mt.set_rng_state(state)
    np.testing.assert_array_equal(order_of(loader), expected)


def test_no_randomness_needed_draws_nothing_from_global_generator():
    mt.manual_seed(0)
    state = mt.get_rng_state()
    collect(DataLoader((X, Y), batch_size=4))
    assert mt.get_rng_state() == state


def test_iter_draws_eagerly_so_epoch_advances_before_the_first_batch():
    loader = DataLoader((X, Y), batch_size=4, shuffle=True, seed=0)
    iterator = iter(loader)
    assert loader.epoch == 1
    next(iterator)


def test_transform_gets_the_epoch_generator():
    seen = []

    def record(x, rng):
        seen.append(rng.integers(1_000_000))
        return x

    loader = DataLoader((X, Y), batch_size=5, seed=4, transform=record)
    collect(loader)
    expected_rng = np.random.default_rng([4, 0])
    assert seen == [expected_rng.integers(1_000_000) for _ in range(2)]


def test_random_transforms_are_reproducible_per_epoch():
    transform = Compose([RandomHorizontalFlip(), ToFloat(), Flatten()])
    a = DataLoader((X, Y), batch_size=4, shuffle=True, seed=1, transform=transform)
    b = DataLoader((X, Y), batch_size=4, shuffle=True, seed=1, transform=transform)
    collect(a)
    b.set_epoch(1)
    for (xa, ya), (xb, yb) in zip(collect(a), collect(b)):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    x, _ = next(iter(a))
    assert x.shape == (4, 4) and x.dtype == np.float32 and x.max() <= 1.0


def test_batches_are_copies():
    data = ArrayDataset(X.copy(), Y.copy())
    for x, y in DataLoader(data, batch_size=4):
        x[:] = 99
        y[:] = 99
    np.testing.assert_array_equal(data.data, X)
    np.testing.assert_array_equal(data.targets, Y)


def test_batches_are_copies_even_when_the_transform_returns_a_view():
    data = np.zeros((4, 2, 2), dtype=np.float32)
    for x, _ in DataLoader((data, np.zeros(4, dtype=int)), batch_size=2, transform=Flatten()):
        x[:] = 1
    assert not data.any()


def test_subset_batches_are_gathered_from_the_parent():
    class CountingDataset(ArrayDataset):
        pass

    parent = CountingDataset(X, Y)
    train, _ = random_split(parent, [6, 4], seed=0)
    inner, _ = random_split(train, [4, 2], seed=1)
    x = np.concatenate([x for x, _ in DataLoader(inner, batch_size=3)])
    np.testing.assert_array_equal(x, X[train.indices[inner.indices]])
    assert len(DataLoader(inner, batch_size=3)) == 2


def test_subset_data_is_never_materialised(monkeypatch):
    from minitorch_nn.data import Subset

    def forbidden(self):
        raise AssertionError("DataLoader must not materialise Subset.data")

    monkeypatch.setattr(Subset, "data", property(forbidden))
    train, _ = random_split((X, Y), [8, 2])
    assert sum(len(x) for x, _ in DataLoader(train, batch_size=3, shuffle=True, seed=0)) == 8


@pytest.mark.parametrize("dataset, batch_size, expected", [
    ((X, Y[:9]), 4, "10 samples but y has 9 labels"),
    ((X, Y.astype(np.float32)), 4, "labels must be integers"),
    ((X, Y.reshape(5, 2)), 4, r"y \(N,\)"),
    ((X, Y), 0, "batch_size must be an integer >= 1"),
    ((X, Y), 2.5, "batch_size must be an integer >= 1"),
])
def test_validation_errors(dataset, batch_size, expected):
    with pytest.raises(ValueError, match=expected):
        DataLoader(dataset, batch_size=batch_size)


def test_wrong_input_type_and_seed():
    with pytest.raises(TypeError, match="data and .targets"):
        DataLoader([1, 2, 3])
    with pytest.raises(ValueError, match="seed"):
        DataLoader((X, Y), seed=-1)
    with pytest.raises(ValueError, match="epoch"):
        DataLoader((X, Y)).set_epoch(-1)


def test_repr_mentions_settings():
    text = repr(DataLoader((X, Y), batch_size=4, shuffle=True, seed=2, transform=ToFloat()))
    assert "batch_size=4" in text and "shuffle=True" in text and "seed=2" in text and "ToFloat()" in text


# ---------------------------------------------------------------------------- sharding (data parallel)
def shards_of(world_size, **kwargs):
    """One pass of each rank's loader: ``[[(x, y) per batch] per rank]``."""
    return [collect(DataLoader((X, Y), rank=r, world_size=world_size, **kwargs)) for r in range(world_size)]


@pytest.mark.parametrize("world_size", [2, 3])
def test_the_ranks_slices_make_up_every_global_batch_in_order(world_size):
    kwargs = dict(batch_size=4, shuffle=True, seed=5)
    whole = collect(DataLoader((X, Y), **kwargs))
    shards = shards_of(world_size, **kwargs)
    assert all(len(rank_batches) == len(whole) for rank_batches in shards)  # len(loader) is the same on every rank
    for batch, (x, y) in enumerate(whole):
        np.testing.assert_array_equal(np.concatenate([shards[r][batch][0] for r in range(world_size)]), x)
        np.testing.assert_array_equal(np.concatenate([shards[r][batch][1] for r in range(world_size)]), y)
    # nearly equal parts, the first ones longer: the last batch of 2 over 3 ranks is 1, 1, 0
    assert [len(shards[r][-1][1]) for r in range(world_size)] == ([1, 1] if world_size == 2 else [1, 1, 0])


def test_random_transforms_see_the_global_batch_so_augmentation_matches_one_process():
    images = np.random.default_rng(0).integers(0, 255, size=(12, 4, 4), dtype=np.uint8)
    transform = Compose([RandomHorizontalFlip(), ToFloat(), Flatten()])
    kwargs = dict(batch_size=6, shuffle=True, seed=1, transform=transform)
    whole = collect(DataLoader((images, np.arange(12)), **kwargs))
    halves = [collect(DataLoader((images, np.arange(12)), rank=r, world_size=2, **kwargs)) for r in range(2)]
    for batch, (x, _) in enumerate(whole):
        np.testing.assert_array_equal(np.concatenate([halves[0][batch][0], halves[1][batch][0]]), x)


def test_deterministic_steps_run_on_the_slice_only():
    seen = []

    class Recording(mt.data.Transform):  # deterministic: random = False
        def __call__(self, x, rng=None):
            seen.append(len(x))
            return x

    list(DataLoader((X, Y), batch_size=4, transform=Compose([Recording(), ToFloat()]), rank=1, world_size=2))
    assert seen == [2, 2, 1]


def test_sharding_arguments_are_checked():
    with pytest.raises(ValueError, match="rank must be in 0..world_size-1"):
        DataLoader((X, Y), rank=2, world_size=2)
    with pytest.raises(ValueError, match="world_size >= 1"):
        DataLoader((X, Y), world_size=0)
    with pytest.raises(ValueError, match="shuffling needs a seed"):
        DataLoader((X, Y), shuffle=True, rank=0, world_size=2)
    assert "rank=1, world_size=2" in repr(DataLoader((X, Y), rank=1, world_size=2))
