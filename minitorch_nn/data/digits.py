"""``Digits``: the UCI 8x8 handwritten digits, shipped inside the package; works offline, no download."""
from __future__ import annotations

import hashlib
import pathlib

import numpy as np

from .dataset import ArrayDataset
from .errors import DatasetError
from .mnist import DIGIT_CLASSES

FILE = pathlib.Path(__file__).resolve().parent / "files" / "digits.npz"
SHA256 = "b2dab7b501728c22e9119ad76740b2e17c77a231e42d1e592380d90886f1a05e"


class Digits(ArrayDataset):
    """The 1,797 8x8 digit images of the UCI *Optical Recognition of Handwritten Digits* set,
    split 1,437 / 360.

    Source: E. Alpaydin and C. Kaynak (1998), UCI Machine Learning Repository,
    https://doi.org/10.24432/C50P49, licensed CC BY 4.0 (the test file ``optdigits.tes``, the
    same rows scikit-learn's ``load_digits`` gives). The images ship inside the package
    (``data/files/digits.npz``, written by ``scripts/make_digits_file.py``), so this data set needs
    no network and no scikit-learn: the default for quick experiments and tests. The file's
    sha256 is checked on load. The split is fixed: a permutation from
    ``numpy.random.default_rng(0)``, the last 360 images form the test set.

    Args:
        train: the training split (1,437 images) or the test split (360 images).

    Attributes:
        data: uint8 ``(N, 8, 8)``, the 0..16 pixel counts scaled to 0..255.
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
        images, labels = _load()
        images = np.rint(images * (255 / 16)).astype(np.uint8)
        order = np.random.default_rng(self.split_seed).permutation(len(images))
        self.train = bool(train)
        chosen = order[:-self.num_test] if self.train else order[-self.num_test:]
        super().__init__(images[chosen], labels[chosen].astype(np.int64), type(self).classes)

    def extra_repr(self) -> str:
        return f"split={'train' if self.train else 'test'}, N={len(self)}"


def _load() -> tuple[np.ndarray, np.ndarray]:
    """``(images (1797, 8, 8) in 0..16, labels (1797,))`` from the shipped file, checksum verified."""
    try:
        content = FILE.read_bytes()
    except OSError as error:
        raise DatasetError("the embedded Digits file cannot be read", path=FILE,
                           fix="reinstall minitorch_nn (pip install -e .)") from error
    if hashlib.sha256(content).hexdigest() != SHA256:
        raise DatasetError("the embedded Digits file does not match its checksum", path=FILE,
                           fix="reinstall minitorch_nn, or re-create it with scripts/make_digits_file.py")
    with np.load(FILE, allow_pickle=False) as archive:
        return archive["images"], archive["labels"]
