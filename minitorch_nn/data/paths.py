"""Where data sets live: the root folder and its layout.

The root is, in order of precedence: the ``root`` argument, the environment variable
``$MINITORCH_DATA``, or ``~/.cache/minitorch_nn``. Under a root each data set has its own
folder (``mnist/``, ``fashion-mnist/``, ``cifar-10-batches-py/``).
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import DatasetError

ENV_VAR = "MINITORCH_DATA"
DEFAULT_ROOT = Path("~/.cache/minitorch_nn")


def resolve_root(root: str | os.PathLike | None = None) -> Path:
    """The data root: ``root`` if given, else ``$MINITORCH_DATA`` if set, else ``~/.cache/minitorch_nn``.

    ``~`` is expanded; the folder is not created here (only a download creates it).
    """
    if root is not None:
        return Path(root).expanduser()
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env).expanduser()
    return DEFAULT_ROOT.expanduser()


def describe_root(root: str | os.PathLike | None = None) -> str:
    """Say where the root came from, for error messages (e.g. "root from $MINITORCH_DATA")."""
    if root is not None:
        return "root given by the root argument"
    if os.environ.get(ENV_VAR):
        return f"root from ${ENV_VAR}"
    return f"the default root, as ${ENV_VAR} is not set"


def is_file(path: Path) -> bool:
    """``path.is_file()``, but a folder that cannot be looked into is a ``DatasetError``, not a traceback."""
    try:
        return path.is_file()
    except OSError as exc:
        raise DatasetError(f"cannot look into this folder ({exc.strerror or exc})", path.parent,
                           "check its permissions, or choose another data root (root= / $MINITORCH_DATA)") from None
