"""MNIST and Fashion-MNIST: 28x28 grayscale images in IDX files, gzipped or not.

Layout under the data root (see ``paths.py``)::

    mnist/            train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
                      t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
    fashion-mnist/    the same four names

Each file may also be present uncompressed (the same name without ``.gz``).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .dataset import ArrayDataset
from .download import NotWritableError, download as download_file, file_digest
from .errors import DatasetError, check_root_is_not_the_folder
from .idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from .paths import describe_root, is_file, resolve_root

DIGIT_CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
                 "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
_REDOWNLOAD = "delete it and run again with download=True"


class MNIST(ArrayDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images.

    Args:
        root: data root; ``None`` means ``$MINITORCH_DATA``, else ``~/.cache/minitorch_nn``.
            The files live in ``<root>/mnist/``.
        train: the training split (True) or the test split (False).
        download: fetch missing files from the mirrors (checked against the published md5s).
            Files already in place are never downloaded again.
        verify: also check files already in place against the published md5s. Off by
            default: files in place are checked by structure (IDX magic numbers, dimensions,
            exact lengths), which catches truncation and corruption, not re-packing.

    Attributes:
        data: uint8 ``(N, 28, 28)``, 0 = background, 255 = ink.
        targets: int64 ``(N,)`` labels in 0..9.
        classes: the 10 class names.
        root, folder: the data root and this data set's folder in it.

    Raises:
        DatasetError: a file is missing (and cannot be downloaded), truncated, corrupt, or fails
            verification; the message names the file and the fix.

    Example:
        >>> train = MNIST(train=True)
        >>> image, label = train[0]          # (28, 28) uint8, int
    """

    folder_name = "mnist"
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
    # file name without .gz -> (published md5 of the .gz, published md5 of the uncompressed file)
    resources = {
        "train-images-idx3-ubyte": ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "6bbc9ace898e44ae57da46a324031adb"),
        "train-labels-idx1-ubyte": ("d53e105ee54ea40749a09fcbcd1e9432", "a25bea736e30d166cdddb491f175f624"),
        "t10k-images-idx3-ubyte": ("9fb629c4189551a2d022fa330f9573f3", "2646ac647ad5339dbf082846283269ea"),
        "t10k-labels-idx1-ubyte": ("ec29112dd5afa0611ce80d1b7f02629c", "27ae3e4e09519cfbb04c329615203637"),
    }
    classes = DIGIT_CLASSES
    image_size = (28, 28)

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 download: bool = True, verify: bool = False):
        self.root = resolve_root(root)
        self.folder = self.root / self.folder_name
        self.train = bool(train)
        prefix = "train" if self.train else "t10k"
        paths = [self._locate(f"{prefix}-{kind}", root, download)
                 for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")]
        if verify:
            for path in paths:
                self._verify(path)
        images = read_idx(paths[0], IMAGES_MAGIC)
        labels = read_idx(paths[1], LABELS_MAGIC)
        self._check(images, labels, paths)
        super().__init__(images, labels.astype(np.int64), type(self).classes)

    def extra_repr(self) -> str:
        return f"split={'train' if self.train else 'test'}, N={len(self)}, folder={str(self.folder)!r}"

    # ------------------------------------------------------------------ internals
    def _locate(self, stem: str, root_argument, download: bool) -> Path:
        """The path of ``stem.gz`` or ``stem`` in the folder, downloading the .gz if allowed."""
        for name in (f"{stem}.gz", stem):
            if is_file(self.folder / name):
                return self.folder / name
        check_root_is_not_the_folder(self.root, self.folder_name, type(self).__name__,
                                     [f"{file}{gz}" for file in self.resources for gz in (".gz", "")])
        name = type(self).__name__
        where = f"{name}: {stem}.gz (or {stem}) is not in this folder ({describe_root(root_argument)})"
        copy_files = (f"copy the four {name} IDX files (train-/t10k- images and labels, .gz or not) into "
                      f"{self.folder}, or pass root= / set $MINITORCH_DATA to a folder that has {self.folder_name}/")
        if not download:
            raise DatasetError(where, self.folder, f"run with download=True, or {copy_files}")
        try:
            return download_file([mirror + stem + ".gz" for mirror in self.mirrors], self.folder / f"{stem}.gz",
                                 md5=self.resources[stem][0])
        except NotWritableError as exc:
            raise DatasetError(f"{where}, and it cannot be downloaded there: {exc.problem}", exc.path,
                               exc.fix) from None
        except DatasetError as exc:
            raise DatasetError(f"{where}, and it {exc.problem}", self.folder,
                               f"connect to the network and retry, or {copy_files}") from exc

    def _verify(self, path: Path) -> None:
        """Compare ``path`` with the published md5 of the .gz or of the uncompressed file."""
        compressed = path.name.endswith(".gz")
        gz_md5, raw_md5 = self.resources[path.name.removesuffix(".gz")]
        published = gz_md5 if compressed else raw_md5
        if published is None:
            raise DatasetError("verify=True, but there is no published md5 for the uncompressed file", path,
                               "keep the official .gz file instead, or load with verify=False")
        actual = file_digest(path, "md5")
        if actual != published:
            raise DatasetError(f"md5 {actual} is not the published {published}: not the official file", path,
                               f"{_REDOWNLOAD}, or load with verify=False if it was re-packed on purpose")

    def _check(self, images: np.ndarray, labels: np.ndarray, paths: list[Path]) -> None:
        """Shapes, counts and label range beyond what the IDX header itself guarantees."""
        if images.ndim != 3 or images.shape[1:] != self.image_size:
            raise DatasetError(f"images must be (N, {self.image_size[0]}, {self.image_size[1]}), got {images.shape}",
                               paths[0], _REDOWNLOAD)
        if len(labels) != len(images):
            raise DatasetError(f"{len(labels)} labels for {len(images)} images in {paths[0].name}",
                               paths[1], _REDOWNLOAD)
        if len(labels) and labels.max() >= len(self.classes):
            raise DatasetError(f"label {labels.max()} is out of range 0..{len(self.classes) - 1}",
                               paths[1], _REDOWNLOAD)


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): 28x28 grayscale clothing images, MNIST's format and sizes.

    Same arguments and attributes as ``MNIST``; files live in ``<root>/fashion-mnist/``.
    ``verify=True`` needs the ``.gz`` files (only their md5s are published).
    """

    folder_name = "fashion-mnist"
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
               "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/")
    resources = {
        "train-images-idx3-ubyte": ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", None),
        "train-labels-idx1-ubyte": ("25c81989df183df01b3e8a0aad5dffbe", None),
        "t10k-images-idx3-ubyte": ("bef4ecab320f06d8554ea6380940ec79", None),
        "t10k-labels-idx1-ubyte": ("bb300cfdad3c16e7a12a480ee83cd310", None),
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
