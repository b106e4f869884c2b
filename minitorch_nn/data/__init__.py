"""``minitorch_nn.data``: data sets, safe downloading, a seeded batch loader and batch transforms.

Data sets (``MNIST``, ``FashionMNIST``, ``CIFAR10``; ``Digits`` works offline) hold uint8
``data`` and int64 ``targets``. Files live under a root folder: the ``root`` argument, else
``$MINITORCH_DATA``, else ``~/.cache/minitorch_nn``. Anything wrong with them raises
``DatasetError``, naming the file, the problem and the fix.

Example:
    >>> from minitorch_nn.data import MNIST, DataLoader, Compose, ToFloat, Flatten, random_split
    >>> train, val = random_split(MNIST(train=True), [54_000, 6_000])
    >>> loader = DataLoader(train, batch_size=64, shuffle=True, transform=Compose([ToFloat(), Flatten()]))
"""
from .cifar10 import CIFAR10
from .dataset import ArrayDataset
from .digits import Digits
from .errors import DataRootError, DatasetError
from .loader import DataLoader
from .mnist import MNIST, FashionMNIST
from .paths import resolve_root
from .preprocess import Preprocess
from .split import Subset, random_split
from .statistics import channel_stats
from .transforms import (Compose, Flatten, Normalize, RandomCrop, RandomHorizontalFlip, ToCHW, ToFloat,
                         Transform)

__all__ = [
    "MNIST", "FashionMNIST", "CIFAR10", "Digits", "ArrayDataset",
    "DataLoader", "Subset", "random_split", "DatasetError", "DataRootError", "resolve_root", "channel_stats",
    "Preprocess",
    "Transform", "Compose", "ToFloat", "Normalize", "Flatten", "ToCHW", "RandomCrop", "RandomHorizontalFlip",
]
