"""Loading the CIFAR-10 "python version" batches without letting a pickle run code.

Each batch is a pickled dict ``{b"batch_label", b"labels", b"data", b"filenames"}`` where
``data`` is a uint8 ``(N, 3072)`` numpy array (1024 red, 1024 green, 1024 blue values per
row) and ``labels`` a list of N ints in 0..9. A plain ``pickle.load`` would import and call
any global the file names (``os.system`` ...), so ``RestrictedUnpickler`` resolves only the
globals numpy needs to rebuild an array; everything else (dicts, lists, bytes, str, ints)
needs no global at all.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from .errors import DatasetError

if np.lib.NumpyVersion(np.__version__) >= "2.0.0":
    from numpy._core import multiarray as _multiarray, numeric as _numeric
else:  # numpy 1.x; importing numpy.core on numpy 2 would warn
    from numpy.core import multiarray as _multiarray, numeric as _numeric

CIFAR_ROW_SIZE = 3 * 32 * 32
CIFAR_NUM_CLASSES = 10


class ForbiddenGlobalError(pickle.UnpicklingError):
    """The pickle asked for a global outside the allow-list (it may be malicious)."""


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    """Stand-in for ``_codecs.encode``, which Python 3 names to store ``bytes`` in protocol 0-2
    pickles (``_codecs.encode("...", "latin1")``): only that use is allowed."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise ForbiddenGlobalError(f"_codecs.encode is only allowed as (str, 'latin1'), got encoding {encoding!r}")
    return text.encode("latin1")


# (module, name) -> object. The originals (and the shared, re-packed batches) need only
# _reconstruct, ndarray and dtype. Pickles written by numpy 1.x name numpy.core, by numpy 2.x
# numpy._core; both map to this numpy's functions (which also avoids numpy.core's deprecation
# warning). Re-packs written by Python 3 also need _codecs.encode for bytes at protocol 2
# (allowed only as a latin1 stand-in) or numpy's _frombuffer at protocol 5.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
    ("numpy.core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _numeric._frombuffer,
}

_FIX = "delete the file and run again with download=True (or copy an intact cifar-10-batches-py/ there)"


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that resolves only the numpy globals needed to rebuild an ndarray.

    Any other global (``os.system``, ``builtins.eval``, ...) raises ``ForbiddenGlobalError``
    before it is imported, so a malicious file cannot run code. ``_reconstruct`` only builds
    ``ndarray`` itself (no other class is reachable), and object arrays can only hold values
    that pass through this same filter.
    """

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise ForbiddenGlobalError(
                f"global '{module}.{name}' is forbidden: a CIFAR-10 batch only needs numpy's array reconstruction"
            ) from None


def restricted_load(path: str | os.PathLike):
    """Unpickle ``path`` with ``RestrictedUnpickler`` (bytes stay bytes, as in Python 2 files).

    Raises:
        DatasetError: missing, truncated, corrupt, or asking for a forbidden global.
    """
    path = Path(path)
    try:
        with open(path, "rb") as file:
            return RestrictedUnpickler(file, encoding="bytes").load()
    except FileNotFoundError as exc:
        raise DatasetError("file not found", path, "run with download=True, or copy the file there") from exc
    except ForbiddenGlobalError as exc:
        raise DatasetError(f"refused to load a possibly malicious pickle: {exc}", path, _FIX) from exc
    except pickle.UnpicklingError as exc:
        raise DatasetError(f"corrupt pickle ({exc})", path, _FIX) from exc
    except EOFError as exc:
        raise DatasetError("truncated pickle (the data ends early)", path, _FIX) from exc
    except IsADirectoryError as exc:
        raise DatasetError("is a folder, expected a pickle file", path, _FIX) from exc
    except PermissionError as exc:
        raise DatasetError("cannot read the file (permission denied)", path, "check its permissions") from exc
    except Exception as exc:  # corrupt bytes can surface as almost any error inside pickle
        raise DatasetError(f"corrupt pickle ({type(exc).__name__}: {exc})", path, _FIX) from exc


def load_cifar_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Load and check one CIFAR-10 batch file.

    Returns:
        ``data``: uint8 ``(N, 3072)`` rows in the file's channel-planar (CHW) order;
        ``labels``: int64 ``(N,)`` in 0..9.

    Raises:
        DatasetError: unsafe or corrupt pickle, or a dict without the CIFAR-10 structure.
    """
    batch = restricted_load(path)
    if not isinstance(batch, dict):
        raise DatasetError(f"not a CIFAR-10 batch: the pickle holds a {type(batch).__name__}, not a dict", path, _FIX)
    data, labels = _field(batch, "data", path), _field(batch, "labels", path)
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == CIFAR_ROW_SIZE):
        got = f"{data.dtype} array of shape {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DatasetError(f"'data' must be a uint8 array of shape (N, {CIFAR_ROW_SIZE}), got a {got}", path, _FIX)
    try:
        labels = np.asarray(labels)
        valid_labels = labels.ndim == 1 and np.issubdtype(labels.dtype, np.integer)
    except (TypeError, ValueError):
        valid_labels = False
    if not valid_labels or len(labels) != len(data):
        raise DatasetError(f"'labels' must be a list of {len(data)} integers, one per image", path, _FIX)
    if len(labels) and (labels.min() < 0 or labels.max() >= CIFAR_NUM_CLASSES):
        raise DatasetError(
            f"labels must be in 0..{CIFAR_NUM_CLASSES - 1}, found {labels.min()}..{labels.max()}", path, _FIX
        )
    return data, labels.astype(np.int64)


def _field(batch: dict, key: str, path: Path):
    """``batch[key]`` whether the keys are bytes (Python 2 files) or str (Python 3 files)."""
    for candidate in (key.encode("ascii"), key):
        if candidate in batch:
            return batch[candidate]
    raise DatasetError(f"not a CIFAR-10 batch: the dict has no {key!r} entry", path, _FIX)
