"""The data sets ``train.py`` can train on, by name: ``[data] dataset = "mnist"``.

Each is one ``DatasetKind`` entry: ``build(root, train, download)`` returns a split (``.data``
uint8 images ``(N, H, W)`` or ``(N, H, W, C)``, ``.targets``, ``.classes``); ``title`` is its
usual name and ``mirrors`` the addresses it downloads from (empty for an embedded set).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..data import CIFAR10, MNIST, Digits, FashionMNIST
from .registry import Entry, Registry


@dataclass(frozen=True)
class DatasetKind(Entry):
    """A data-set ``Entry`` with its usual name, download mirrors, and where its files go under a
    data root (``folder``, ``files``; empty for an embedded set)."""

    title: str = ""
    mirrors: tuple[str, ...] = ()
    folder: str = ""
    files: tuple[str, ...] = ()


DATASETS = Registry("data set", "data", key="dataset")

DATASETS.add(DatasetKind(
    name="mnist", title="MNIST", summary="MNIST handwritten digits, 28x28 grayscale (60,000 + 10,000)",
    build=lambda root, train, download: MNIST(root=root, train=train, download=download), mirrors=MNIST.mirrors,
    folder=MNIST.folder_name, files=tuple(f"{name}.gz" for name in MNIST.resources)))
DATASETS.add(DatasetKind(
    name="fashion_mnist", title="Fashion-MNIST", summary="Zalando's clothing images, 28x28 grayscale",
    build=lambda root, train, download: FashionMNIST(root=root, train=train, download=download),
    mirrors=FashionMNIST.mirrors, folder=FashionMNIST.folder_name,
    files=tuple(f"{name}.gz" for name in FashionMNIST.resources)))
DATASETS.add(DatasetKind(
    name="cifar10", title="CIFAR-10", summary="10 classes of 32x32 colour images (50,000 + 10,000)",
    build=lambda root, train, download: CIFAR10(root=root, train=train, download=download), mirrors=CIFAR10.mirrors,
    folder=CIFAR10.folder_name, files=(*CIFAR10.train_batches, *CIFAR10.test_batches)))
DATASETS.add(DatasetKind(
    name="digits", title="Digits", summary="the 8x8 handwritten digits shipped in the package (works offline)",
    build=lambda root, train, download: Digits(train=train)))


def load_splits(name: str, root=None, download: bool = True):
    """``(train_set, test_set)`` of data set ``name``; raises ``DatasetError`` as the data sets do."""
    kind = DATASETS[name]
    return kind.build(root, True, download), kind.build(root, False, download)
