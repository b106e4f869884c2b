"""Real MNIST and CIFAR-10 from $MINITORCH_DATA: counts, label histograms, pixels vs an independent parse.

Skipped, with the reason, when $MINITORCH_DATA is not set or lacks the data set. The files are
only read; the independent parses use gzip/struct and plain ``pickle.load`` on the trusted
shared copy.
"""
import gzip
import pickle
import struct

import numpy as np
import pytest

from minitorch_nn.data import CIFAR10, MNIST, Compose, DataLoader, DatasetError, Flatten, ToFloat, random_split

MNIST_TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_HISTOGRAM = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist_train(mnist_real_root):
    return MNIST(mnist_real_root, train=True, download=False)


@pytest.fixture(scope="module")
def cifar_train(cifar_real_root):
    return CIFAR10(cifar_real_root, train=True, download=False)


def test_mnist_counts_and_label_histograms(mnist_train, mnist_real_root):
    assert mnist_train.data.shape == (60_000, 28, 28) and mnist_train.data.dtype == np.uint8
    assert np.bincount(mnist_train.targets).tolist() == MNIST_TRAIN_HISTOGRAM
    test = MNIST(mnist_real_root, train=False, download=False)
    assert len(test) == 10_000 and np.bincount(test.targets).tolist() == MNIST_TEST_HISTOGRAM


def test_mnist_pixels_match_a_hand_parse_of_the_idx_bytes(mnist_train, mnist_real_root):
    raw = gzip.decompress((mnist_real_root / "mnist" / "train-images-idx3-ubyte.gz").read_bytes())
    magic, count, rows, cols = struct.unpack(">IIII", raw[:16])
    assert (magic, count, rows, cols) == (2051, 60_000, 28, 28)
    index, row, col = 31_337, 14, 13
    assert mnist_train.data[index, row, col] == raw[16 + index * 784 + row * 28 + col]
    image = np.frombuffer(raw, np.uint8, count=784, offset=16 + index * 784).reshape(28, 28)
    np.testing.assert_array_equal(mnist_train.data[index], image)
    labels = gzip.decompress((mnist_real_root / "mnist" / "train-labels-idx1-ubyte.gz").read_bytes())
    assert struct.unpack(">II", labels[:8]) == (2049, 60_000)
    assert mnist_train.targets[index] == labels[8 + index]


def test_mnist_files_match_the_published_md5s(mnist_real_root):
    assert len(MNIST(mnist_real_root, train=False, download=False, verify=True)) == 10_000


def test_cifar_counts_and_classes(cifar_train, cifar_real_root):
    assert cifar_train.data.shape == (50_000, 32, 32, 3) and cifar_train.data.dtype == np.uint8
    assert np.bincount(cifar_train.targets).tolist() == [5_000] * 10
    test = CIFAR10(cifar_real_root, train=False, download=False)
    assert test.data.shape == (10_000, 32, 32, 3) and np.bincount(test.targets).tolist() == [1_000] * 10
    assert cifar_train.classes[3] == "cat"


def test_cifar_pixels_match_plain_pickle(cifar_train, cifar_real_root):
    with open(cifar_real_root / "cifar-10-batches-py" / "data_batch_3", "rb") as file:
        batch = pickle.load(file, encoding="bytes")  # the trusted shared copy, independent of our loader
    row, (y, x) = 5_000, (16, 21)
    index = 2 * 10_000 + row  # batch 3 follows batches 1 and 2
    expected = [batch[b"data"][row][channel * 1024 + y * 32 + x] for channel in range(3)]
    assert cifar_train.data[index, y, x].tolist() == expected
    assert cifar_train.targets[index] == batch[b"labels"][row]


def test_cifar_repacked_batches_fail_verify_but_load_without_it(cifar_real_root):
    with pytest.raises(DatasetError, match="re-packed"):
        CIFAR10(cifar_real_root, train=False, download=False, verify=True)


def test_train_validation_splits(mnist_train, cifar_train):
    train, val = random_split(mnist_train, [54_000, 6_000])
    assert (len(train), len(val)) == (54_000, 6_000)
    assert not np.intersect1d(train.indices, val.indices).size
    train, val = random_split(cifar_train, [49_000, 1_000])
    assert val.data.shape == (1_000, 32, 32, 3)


def test_one_shuffled_mnist_epoch(mnist_train):
    loader = DataLoader(mnist_train, batch_size=64, shuffle=True, seed=0, transform=Compose([ToFloat(), Flatten()]))
    counts = np.zeros(10, dtype=int)
    for x, y in loader:
        counts += np.bincount(y, minlength=10)
    assert len(loader) == 938 and x.shape == (60_000 % 64, 784) and x.dtype == np.float32
    assert counts.tolist() == MNIST_TRAIN_HISTOGRAM
