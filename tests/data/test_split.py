"""random_split and Subset: lengths or fractions, reproducible, disjoint, clear errors."""
import numpy as np
import pytest

from minitorch_nn.data import ArrayDataset, Subset, random_split

DATA = ArrayDataset(np.arange(100).reshape(100, 1), np.arange(100) % 10, classes=list("abcdefghij"))


def test_counts_split_is_disjoint_and_complete():
    parts = random_split(DATA, [70, 20, 10], seed=0)
    assert [len(p) for p in parts] == [70, 20, 10]
    everything = np.concatenate([p.indices for p in parts])
    assert sorted(everything) == list(range(100))


def test_same_seed_same_split_other_seed_other_split():
    a, b = random_split(DATA, [90, 10], seed=5), random_split(DATA, [90, 10], seed=5)
    np.testing.assert_array_equal(a[1].indices, b[1].indices)
    assert not np.array_equal(random_split(DATA, [90, 10], seed=6)[1].indices, a[1].indices)


def test_fractions_as_in_pytorch():
    assert [len(p) for p in random_split(DATA, [0.9, 0.1])] == [90, 10]
    small = ArrayDataset(np.zeros((10, 1)), np.zeros(10, dtype=int))
    assert [len(p) for p in random_split(small, [1 / 3, 1 / 3, 1 / 3])] == [4, 3, 3]


@pytest.mark.parametrize("lengths", [[50, 40], [60, 60], [0.5, 0.4]])
def test_wrong_lengths_name_sum_and_size(lengths):
    with pytest.raises(ValueError) as info:
        random_split(DATA, lengths)
    assert f"sum to {sum(lengths)}" in str(info.value) and "100 items" in str(info.value)


def test_negative_or_non_numeric_lengths():
    with pytest.raises(ValueError, match="negative"):
        random_split(DATA, [110, -10])
    with pytest.raises(ValueError, match="numbers"):
        random_split(DATA, ["90", "10"])


def test_subset_views_data_targets_classes_and_items():
    subset = Subset(DATA, [5, 3, 9])
    np.testing.assert_array_equal(subset.data[:, 0], [5, 3, 9])
    np.testing.assert_array_equal(subset.targets, [5, 3, 9])
    assert subset.classes == DATA.classes and len(subset) == 3
    x, y = subset[1]
    assert x[0] == 3 and y == 3 and isinstance(y, int)
    assert "N=3" in repr(subset)


def test_subset_of_subset_and_of_tuple():
    outer = Subset(DATA, [10, 20, 30, 40])
    inner = Subset(outer, [3, 0])
    np.testing.assert_array_equal(inner.targets, [0, 0])
    np.testing.assert_array_equal(inner.data[:, 0], [40, 10])
    parts = random_split((np.zeros((4, 2)), np.arange(4)), [2, 2])
    assert sorted(np.concatenate([p.targets for p in parts])) == [0, 1, 2, 3]


def test_subset_index_out_of_range():
    with pytest.raises(IndexError, match="100 items"):
        Subset(DATA, [100])
