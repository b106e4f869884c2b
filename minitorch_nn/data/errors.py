"""``DatasetError``: a data file is missing, truncated, corrupt, unsafe or fails its checksum.

Every message names the file (or folder), says what is wrong, and ends with a ``fix:`` line
telling the user what to do, e.g.::

    /data/mnist/train-images-idx3-ubyte.gz: truncated: the header promises 60000 x 28 x 28
    bytes of data but the file holds 1000.
      fix: delete the file and run again with download=True (or copy an intact file there).
"""
from __future__ import annotations

import os


class DatasetError(RuntimeError):
    """A data set cannot be loaded: missing, truncated, corrupt, malicious or unverifiable files.

    A ``RuntimeError`` (as torchvision's "Dataset not found or corrupted"), so code that already
    catches that keeps working.

    Args:
        problem: what is wrong, in one or two sentences.
        path: the file or folder concerned; it starts the message.
        fix: what the user should do; appended as a ``fix:`` line.

    Attributes:
        problem: what is wrong (the message without path and fix).
        path: the file or folder (a string), or None.
        fix: the suggested fix, or None.
    """

    def __init__(self, problem: str, path: str | os.PathLike | None = None, fix: str | None = None):
        self.problem = problem
        self.path = None if path is None else os.fspath(path)
        self.fix = fix
        message = problem if self.path is None else f"{self.path}: {problem}"
        if fix:
            message += f"\n  fix: {fix}"
        super().__init__(message)


class DataRootError(DatasetError):
    """The data set's files are there, but the root points at its folder itself (``…/mnist``)
    instead of the folder that holds it; the message names the root to use."""


def check_root_is_not_the_folder(root, folder_name: str, title: str, file_names) -> None:
    """Raise ``DataRootError`` when ``root`` itself holds the files that belong in ``root/folder_name``.

    ``$MINITORCH_DATA=/data/mnist`` is a natural mistake: the loader would look in
    ``/data/mnist/mnist`` and, finding nothing, download or fail without saying why.
    """
    root = os.fspath(root)
    present = [name for name in file_names if os.path.isfile(os.path.join(root, name))]
    if present:
        parent = os.path.dirname(os.path.abspath(root))
        raise DataRootError(
            f"{title}: this data root holds the {title} files itself ({present[0]}, ...), but a data root is "
            f"the folder that holds {folder_name}/ (the {title} files go in <root>/{folder_name}/)", path=root,
            fix=f"point --data-dir / $MINITORCH_DATA at {parent} (the folder above), or move the files into "
                f"{os.path.join(root, folder_name)}")

