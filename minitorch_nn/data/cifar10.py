"""CIFAR-10: 32x32 colour images of 10 classes, from the standard "python version" pickle batches.

Layout under the data root (what ``cifar-10-python.tar.gz`` extracts to)::

    cifar-10-batches-py/    data_batch_1 ... data_batch_5   test_batch   (batches.meta, readme.html)
"""
from __future__ import annotations

import contextlib
import os

import numpy as np

from .cifar_pickle import load_cifar_batch
from .dataset import ArrayDataset
from .download import NotWritableError, download as download_file, extract_tar, file_digest
from .errors import DatasetError, check_root_is_not_the_folder
from .paths import describe_root, is_file, resolve_root

_REDOWNLOAD = "delete it and run again with download=True"


class CIFAR10(ArrayDataset):
    """CIFAR-10: 50,000 training and 10,000 test images, 5,000 / 1,000 per class.

    Args:
        root: data root; ``None`` means ``$MINITORCH_DATA``, else ``~/.cache/minitorch_nn``.
            The batches live in ``<root>/cifar-10-batches-py/``.
        train: the five training batches (True) or the test batch (False).
        download: if a batch is missing, fetch ``cifar-10-python.tar.gz`` (md5-checked) into the
            root, extract it safely to ``<root>/cifar-10-batches-py/`` and delete the archive.
            An archive already in the root is extracted without downloading.
        verify: also check the batches against their published md5s. Batches that were
            re-packed (e.g. the shared copy, whose image order differs from the original) fail
            this check although their pixels and labels are exact, so it is off by default;
            the batches are always checked by structure (see ``cifar_pickle.py``).

    Attributes:
        data: uint8 ``(N, 32, 32, 3)`` (HWC, RGB), C-contiguous.
        targets: int64 ``(N,)`` labels in 0..9.
        classes: ``["airplane", "automobile", ..., "truck"]``.
        root, folder: the data root and this data set's folder in it.

    Raises:
        DatasetError: a batch is missing (and cannot be downloaded), truncated, corrupt,
            malicious (a pickle that would run code is refused, never executed), or fails
            verification; the message names the file and the fix.

    Example:
        >>> train = CIFAR10(train=True)
        >>> train.data.shape
        (50000, 32, 32, 3)
    """

    folder_name = "cifar-10-batches-py"
    archive_name = "cifar-10-python.tar.gz"
    archive_md5 = "c58f30108f718f92721af3b95e74349a"
    mirrors = ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",)
    train_batches = {
        "data_batch_1": "c99cafc152244af753f735de768cd75f",
        "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
        "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
        "data_batch_4": "634d18415352ddfa80567beed471001a",
        "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    }
    test_batches = {"test_batch": "40351d587109b95175f43aff81a1287e"}
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 download: bool = True, verify: bool = False):
        self.root = resolve_root(root)
        self.folder = self.root / self.folder_name
        self.train = bool(train)
        batches = self.train_batches if self.train else self.test_batches
        missing = [name for name in batches if not is_file(self.folder / name)]
        if missing:
            check_root_is_not_the_folder(self.root, self.folder_name, "CIFAR-10",
                                         [*self.train_batches, *self.test_batches])
            self._fetch(missing, root, download)
        if verify:
            for name, published in batches.items():
                self._verify(name, published)
        loaded = [load_cifar_batch(self.folder / name) for name in batches]
        # Each row is 1024 R, 1024 G, 1024 B values: (n, 3072) -> (n, 3, 32, 32) -> HWC.
        # Writing each batch's transposed view into one preallocated array is the only copy.
        data = np.empty((sum(len(rows) for rows, _ in loaded), 32, 32, 3), dtype=np.uint8)
        start = 0
        for rows, _ in loaded:
            data[start:start + len(rows)] = rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            start += len(rows)
        targets = np.concatenate([labels for _, labels in loaded])
        super().__init__(data, targets, type(self).classes)

    def extra_repr(self) -> str:
        return f"split={'train' if self.train else 'test'}, N={len(self)}, folder={str(self.folder)!r}"

    # ------------------------------------------------------------------ internals
    def _fetch(self, missing: list[str], root_argument, download: bool) -> None:
        """Get the missing batches from the archive (downloaded if needed), or explain."""
        where = (f"CIFAR10: {', '.join(missing)} not in this folder "
                 f"({describe_root(root_argument)})")
        copy_files = (f"copy the CIFAR-10 python batches (data_batch_1..5, test_batch) into {self.folder}, "
                      f"or pass root= / set $MINITORCH_DATA to a folder that has {self.folder_name}/")
        if not download:
            raise DatasetError(where, self.folder, f"run with download=True, or {copy_files}")
        archive = self.root / self.archive_name
        downloaded = not is_file(archive)
        if downloaded:
            try:
                download_file(self.mirrors, archive, md5=self.archive_md5)
            except NotWritableError as exc:
                raise DatasetError(f"{where}, and {archive.name} cannot be downloaded there: {exc.problem}",
                                   exc.path, exc.fix) from None
            except DatasetError as exc:
                raise DatasetError(f"{where}, and {archive.name} {exc.problem}", self.folder,
                                   f"connect to the network and retry, or {copy_files}") from exc
        # Extract every member, not only the missing ones, so the batches come from one source.
        extract_tar(archive, self.root)
        if downloaded:
            with contextlib.suppress(OSError):  # the batches are out; a leftover archive is harmless
                archive.unlink()
        still_missing = [name for name in missing if not (self.folder / name).is_file()]
        if still_missing:
            raise DatasetError(f"{', '.join(still_missing)} not found in {self.folder} after extracting the archive",
                               archive, "delete the archive and run again with download=True")

    def _verify(self, name: str, published: str) -> None:
        path = self.folder / name
        actual = file_digest(path, "md5")
        if actual != published:
            raise DatasetError(
                f"md5 {actual} is not the published {published}: not the original batch "
                f"(re-packed batches legitimately fail this check)", path,
                f"load with verify=False if the batches were re-packed on purpose; otherwise {_REDOWNLOAD}",
            )
