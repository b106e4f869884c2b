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
