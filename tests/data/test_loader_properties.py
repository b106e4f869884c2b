"""Property-based DataLoader and random_split tests (hypothesis): for any data set size, batch
size, shuffle / drop_last setting, seed and epoch, every pass yields each sample at most once
(exactly once without drop_last), in batches of the promised sizes, labels paired with their
samples, and the same pass again for the same (seed, epoch)."""
from __future__ import annotations

import math

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

import minitorch_nn as mt  # noqa: E402
from minitorch_nn.data import ArrayDataset, DataLoader, random_split  # noqa: E402


def numbered(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample i is the image filled with i; its label is i * 7 mod 10, so pairing can be checked."""
    x = np.repeat(np.arange(n, dtype=np.float64)[:, None, None], 2, axis=1).repeat(3, axis=2)
    return x, (np.arange(n) * 7) % 10


def one_pass(loader) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x.copy(), y.copy()) for x, y in loader]


settings_of_a_pass = dict(n=st.integers(1, 60), batch_size=st.integers(1, 25), shuffle=st.booleans(),
                          drop_last=st.booleans(), seed=st.one_of(st.none(), st.integers(0, 2**31 - 1)),
                          epoch=st.integers(0, 5))


@given(**settings_of_a_pass)
def test_a_pass_covers_the_data_in_batches_of_the_promised_sizes(n, batch_size, shuffle, drop_last, seed, epoch):
    mt.manual_seed(0)
    x, y = numbered(n)
    loader = DataLoader((x, y), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, seed=seed)
    loader.set_epoch(epoch)
    batches = one_pass(loader)
    expected_batches = n // batch_size if drop_last else math.ceil(n / batch_size)
    assert len(loader) == len(batches) == expected_batches and loader.num_samples == n
    sizes = [len(yb) for _, yb in batches]
    assert all(size == batch_size for size in sizes[:-1])
    if sizes:
        assert sizes[-1] == (batch_size if drop_last or n % batch_size == 0 else n % batch_size)
    ids = np.concatenate([xb[:, 0, 0] for xb, _ in batches]).astype(int) if batches else np.array([], int)
    assert len(set(ids.tolist())) == len(ids) == sum(sizes)  # no sample twice
    if not drop_last:
        assert sorted(ids.tolist()) == list(range(n))  # every sample once
    if not shuffle:
        assert ids.tolist() == list(range(len(ids)))  # in order
    for xb, yb in batches:
        assert xb.dtype == np.float32 and yb.dtype == np.int64 and xb.shape[1:] == (2, 3)
        np.testing.assert_array_equal(yb, (xb[:, 0, 0].astype(int) * 7) % 10)  # labels stay paired
        assert (xb == xb[:, :1, :1]).all()  # each image whole


@given(**settings_of_a_pass)
def test_the_same_seed_and_epoch_give_the_same_pass(n, batch_size, shuffle, drop_last, seed, epoch):
    x, y = numbered(n)
    passes = []
    for warm_up in (0, 3):  # what happened before (other passes, global draws) must not matter
        mt.manual_seed(11)
        loader = DataLoader((x, y), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, seed=seed)
        for _ in range(warm_up):
            one_pass(loader)
        if seed is not None:
            np.random.default_rng().random()  # unrelated draws from numpy
            mt.random.default_generator().random(warm_up)  # and from the global generator
        else:
            mt.manual_seed(11)  # without a seed, the global generator is what replays a pass
        loader.set_epoch(epoch)
        passes.append(one_pass(loader))
    for (xa, ya), (xb, yb) in zip(*passes, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


@given(n=st.integers(2, 60), batch_size=st.integers(1, 25), seed=st.integers(0, 2**31 - 1))
def test_shuffled_epochs_are_permutations_that_change(n, batch_size, seed):
    x, y = numbered(n)
    loader = DataLoader((x, y), batch_size=batch_size, shuffle=True, seed=seed)
    orders = [np.concatenate([xb[:, 0, 0] for xb, _ in loader]).astype(int) for _ in range(6)]
    assert all(sorted(order.tolist()) == list(range(n)) for order in orders)
    if n >= 6:  # six passes of at least 720 possible orders: not all the same
        assert len({tuple(order) for order in orders}) > 1


@given(n=st.integers(1, 80), parts=st.lists(st.integers(0, 30), min_size=1, max_size=4),
       seed=st.integers(0, 2**31 - 1), batch_size=st.integers(1, 16))
def test_random_split_partitions_and_its_subsets_load_from_the_parent(n, parts, seed, batch_size):
    total = sum(parts)
    hypothesis.assume(total > 0)
    counts = [p * n // total for p in parts]
    counts[0] += n - sum(counts)  # counts summing to n
    x, y = numbered(n)
    subsets = random_split(ArrayDataset(x, y), counts, seed=seed)
    assert [len(s) for s in subsets] == counts
    indices = np.concatenate([np.asarray(s.indices, dtype=int) for s in subsets])
    assert sorted(indices.tolist()) == list(range(n))  # disjoint and covering
    again = random_split(ArrayDataset(x, y), counts, seed=seed)
    assert all(np.array_equal(a.indices, b.indices) for a, b in zip(subsets, again))
    for subset in subsets:
        if len(subset):
            ids = np.concatenate([xb[:, 0, 0] for xb, _ in DataLoader(subset, batch_size=batch_size)]).astype(int)
            assert ids.tolist() == np.asarray(subset.indices, dtype=int).tolist()
