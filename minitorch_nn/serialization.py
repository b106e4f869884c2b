"""``mt.save`` / ``mt.load``: nested dicts of arrays and plain values in one ``.npz`` file.

No pickle is involved: arrays are stored as ``.npy`` members and everything else (numbers,
strings, bools, None, lists, tuples, dicts — also with integer keys, as optimiser states
have) as a JSON skeleton in the member ``__structure__``. Writes are atomic: the file is
written to a temporary name in the same folder, flushed to disk, then renamed over ``path``,
so a crash at any moment leaves either the old file or the new one, never a torn one.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

_STRUCTURE_KEY = "__structure__"


def save(obj, path) -> None:
    """Save ``obj`` (e.g. a ``state_dict`` or a checkpoint dict) to ``path`` atomically."""
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, arrays)
    arrays[_STRUCTURE_KEY] = np.frombuffer(json.dumps(structure).encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load(path):
    """Load what ``save`` wrote. Raises ``ValueError`` naming the file if it is not such a file."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"mt.load: no file at {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _STRUCTURE_KEY not in archive.files:
                raise ValueError(f"mt.load: {path} was not written by mt.save (no {_STRUCTURE_KEY} member)")
            structure = json.loads(archive[_STRUCTURE_KEY].tobytes().decode("utf-8"))
            arrays = {name: archive[name] for name in archive.files if name != _STRUCTURE_KEY}
    except (zipfile.BadZipFile, OSError, EOFError, json.JSONDecodeError) as error:
        raise ValueError(f"mt.load: {path} is truncated or corrupt ({error}); use another checkpoint") from error
    return _decode(structure, arrays)


def _encode(obj, arrays: dict):
    if isinstance(obj, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(item, arrays) for item in obj]}
    if isinstance(obj, list):
        return [_encode(item, arrays) for item in obj]
    if isinstance(obj, dict):
        items = [[_encode(key, arrays), _encode(value, arrays)] for key, value in obj.items()]
        return {"__dict__": items, "__ordered__": isinstance(obj, OrderedDict)}
    raise TypeError(f"mt.save: cannot store a {type(obj).__name__}; use arrays, numbers, strings, "
                    "lists, tuples and dicts (e.g. model.state_dict())")


def _decode(obj, arrays: dict):
    if isinstance(obj, list):
        return [_decode(item, arrays) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if "__array__" in obj:
        return arrays[obj["__array__"]]
    if "__tuple__" in obj:
        return tuple(_decode(item, arrays) for item in obj["__tuple__"])
    items = [(_decode(key, arrays), _decode(value, arrays)) for key, value in obj["__dict__"]]
    return OrderedDict(items) if obj.get("__ordered__") else dict(items)
