"""``Digits``: the 8x8 handwritten digits scikit-learn ships; works offline, no download."""
from __future__ import annotations

import numpy as np

from .dataset import ArrayDataset
from .mnist import DIGIT_CLASSES


class Digits(ArrayDataset):
    """The 1,797 8x8 digit images of ``sklearn.datasets.load_digits``, split 1,437 / 360.

    The images are embedded in scikit-learn, so this data set needs no network and no files:
    the default for quick experiments and tests. The split is fixed: a permutation from
    ``numpy.random.default_rng(0)``, the last 360 images form the test set.

    Args:
        train: the training split (1,437 images) or the test split (360 images).

    Attributes:
        data: uint8 ``(N, 8, 8)``, scikit-learn's 0..16 intensities scaled to 0..255.
        targets: int64 ``(N,)`` labels in 0..9.
        classes: the 10 digit names (as ``MNIST.classes``).

    Example:
        >>> Digits(train=False).data.shape
        (360, 8, 8)
    """

    num_test = 360
    split_seed = 0
    classes = DIGIT_CLASSES

    def __init__(self, train: bool = True):
        from sklearn.datasets import load_digits  # imported lazily: scikit-learn is slow to import

        bunch = load_digits()
        images = np.rint(bunch.images * (255 / 16)).astype(np.uint8)
        order = np.random.default_rng(self.split_seed).permutation(len(images))
        self.train = bool(train)
        chosen = order[:-self.num_test] if self.train else order[-self.num_test:]
        super().__init__(images[chosen], bunch.target[chosen].astype(np.int64), type(self).classes)

    def extra_repr(self) -> str:
        return f"split={'train' if self.train else 'test'}, N={len(self)}"
