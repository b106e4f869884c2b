"""``mt.save`` / ``mt.load``: nested dicts of arrays and plain values in one ``.npz`` file.

No pickle is involved: arrays are stored as ``.npy`` members and everything else (numbers,
strings, bools, None, lists, tuples, dicts — also with integer keys, as optimiser states
have) as a JSON skeleton in the member ``__structure__``. Writes are atomic
(``atomic_writer``): the file is written to a temporary name in the same folder, flushed to
disk, then renamed over ``path``, so a crash at any moment leaves either the old file or the
new one, never a torn one.

Reading trusts nothing in the file: every member must be a plain numeric ``.npy`` array whose
header agrees with its stored size, the skeleton is checked node by node, and nesting, sizes
and member counts are bounded (``MAX_DEPTH``, ``MAX_STRUCTURE_BYTES``, ``MAX_MEMBERS``,
``MAX_EXPANSION``), so a hand-made, garbled or hostile file gives one ``SerializationError``
naming the file and what is wrong — never a traceback from deep inside numpy or ``json``,
and never a memory or recursion blow-up. ``save`` refuses what ``load`` would refuse, so
nothing saved is unreadable.
"""
from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import secrets
import zipfile
from collections import OrderedDict
from typing import IO, Iterator

import numpy as np

__all__ = ["save", "load", "SerializationError", "atomic_writer"]

STRUCTURE_KEY = "__structure__"
MAX_DEPTH = 64                   # nesting of dicts / lists / tuples (a checkpoint needs 6)
MAX_STRUCTURE_BYTES = 32 << 20   # the JSON skeleton (a long run's checkpoint needs ~1 MB)
MAX_MEMBERS = 100_000            # arrays in one file (a large model's checkpoint has ~1,000)
MAX_EXPANSION = 100              # a compressed member may grow at most this much (mt.save never compresses)
_MAX_NPY_HEADER = 10_000
_TEMPORARY_NAME = re.compile(r"\..+\.(\d+)-[0-9a-f]{8}\.tmp")


class SerializationError(ValueError):
    """A file cannot be read as a minitorch_nn file (what ``mt.save`` writes).

    Attributes:
        path: the file.  problem: what is wrong with it, in words.
    """

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"mt.load: {self.path} {problem}")


class MissingFileError(SerializationError, FileNotFoundError):
    """``mt.load`` of a path where there is no file (also a ``FileNotFoundError``)."""


# ---------------------------------------------------------------------------- writing
def save(obj, path) -> None:
    """Save ``obj`` (e.g. a ``state_dict`` or a checkpoint dict) to ``path`` atomically.

    Raises:
        TypeError: ``obj`` holds something other than arrays, numbers, strings, bools, None,
            lists, tuples and dicts, or is nested deeper than ``MAX_DEPTH``.
        OSError: the file cannot be written (its ``filename`` is ``path``); the old file is intact.
    """
    arrays: dict[str, np.ndarray] = {}
    structure = json.dumps(_encode(obj, arrays, depth=0)).encode("utf-8")
    if len(structure) > MAX_STRUCTURE_BYTES:
        raise TypeError(f"mt.save: the non-array values take {len(structure):,} bytes as text, more than "
                        f"{MAX_STRUCTURE_BYTES:,}; store long lists of numbers as numpy arrays")
    if len(arrays) >= MAX_MEMBERS:
        raise TypeError(f"mt.save: {len(arrays):,} arrays, more than {MAX_MEMBERS - 1:,}; "
                        "stack them into fewer arrays")
    arrays[STRUCTURE_KEY] = np.frombuffer(structure, dtype=np.uint8)
    os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)
    with atomic_writer(path) as file:
        np.savez(file, **arrays)


@contextlib.contextmanager
def atomic_writer(path, mode: str = "wb", encoding: str | None = None,
                  newline: str | None = None) -> Iterator[IO]:
    """Yield a file to write ``path`` through; on success it is flushed, synced and renamed to ``path``.

    The temporary file sits in the same folder, named ``.<name>.<pid>-<random>.tmp``, and is
    created like any new file (mode 0o666 less the umask). On any exception, a
    ``KeyboardInterrupt`` included, it is removed and ``path`` keeps its old content. An
    ``OSError`` (a full disk, a read-only folder) is raised again with ``path`` as its
    ``filename``. Temporary files left in the folder by writers that were killed (processes
    that no longer run) are removed first.

    Args:
        path: the file to write.  mode: ``"wb"`` or ``"w"`` (text, with ``encoding`` and ``newline``).
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    _remove_stale_temporaries(folder)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    writing = False  # while the caller writes, only storage errors are the file's (not e.g. a network's)
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(handle, mode, encoding=encoding, newline=newline) as file:
            writing = True
            yield file
            writing = False
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        if isinstance(error, OSError) and (not writing or (error.filename is None and error.errno in _STORAGE_ERRORS)):
            raise OSError(error.errno, error.strerror or str(error), path) from error
        raise


_STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM}


def _remove_stale_temporaries(folder: str) -> None:
    """Remove the temporary files in ``folder`` (``.<name>.<pid>-<random>.tmp``) of writers that were
    killed: their process no longer runs."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return  # the folder is missing or unreadable: the write itself will say so
    for entry in entries:
        match = _TEMPORARY_NAME.fullmatch(entry)
        if match and not _process_runs(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, entry))


def _process_runs(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def _encode(obj, arrays: dict, depth: int):
    if depth > MAX_DEPTH:
        raise TypeError(f"mt.save: the object is nested deeper than {MAX_DEPTH} levels (or contains itself)")
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise TypeError("mt.save: cannot store an array of Python objects (dtype object); "
                            "use numeric arrays")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(item, arrays, depth + 1) for item in obj]}
    if isinstance(obj, list):
        return [_encode(item, arrays, depth + 1) for item in obj]
    if isinstance(obj, dict):
        items = [[_encode(key, arrays, depth + 1), _encode(value, arrays, depth + 1)] for key, value in obj.items()]
        return {"__dict__": items, "__ordered__": isinstance(obj, OrderedDict)}
    raise TypeError(f"mt.save: cannot store a {type(obj).__name__}; use arrays, numbers, strings, "
                    "lists, tuples and dicts (e.g. model.state_dict())")


# ---------------------------------------------------------------------------- reading
def load(path):
    """Load what ``save`` wrote.

    Raises:
        SerializationError: the file is missing (then also a ``FileNotFoundError``), a folder,
            unreadable, not a zip archive, truncated or garbled, or not written by ``mt.save``
            (no skeleton, members that are not plain numeric arrays, a skeleton that does not
            parse or is nested or sized beyond the limits); the message names the file and
            what is wrong.
    """
    path = os.fspath(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise MissingFileError(path, "does not exist (no file at this path)") from None
    except IsADirectoryError:
        raise SerializationError(path, "is a folder, not a file written by mt.save") from None
    except PermissionError:
        raise SerializationError(path, "cannot be read: permission denied") from None
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as error:
        raise SerializationError(path, f"is not a zip archive (.npz): truncated or corrupt, or not written by "
                                       f"mt.save ({error})") from None
    with archive:
        try:
            members = _members(archive, path)
            skeleton = _read_skeleton(archive, members, path)
            arrays = {key: _read_array(archive, info, path) for key, info in members.items() if key != STRUCTURE_KEY}
        except SerializationError:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as error:
            raise SerializationError(path, f"is truncated or corrupt ({error}); use another copy") from None
    return _decode(skeleton, arrays, path, depth=0)


def _members(archive: zipfile.ZipFile, path: str) -> dict[str, zipfile.ZipInfo]:
    """``{array name: ZipInfo}``, every member checked for its name, count and sizes."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise SerializationError(path, f"has {len(infos):,} members, more than mt.save writes ({MAX_MEMBERS:,})")
    members = {}
    for info in infos:
        if not info.filename.endswith(".npy") or info.is_dir():
            raise SerializationError(path, f"was not written by mt.save: member {info.filename!r} is not an .npy array")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise SerializationError(path, f"is garbled: member {info.filename!r} declares {info.file_size} bytes "
                                           f"but stores {info.compress_size}")
        if info.file_size > MAX_EXPANSION * info.compress_size + (1 << 20):
            raise SerializationError(path, f"was not written by mt.save: member {info.filename!r} would expand "
                                           f"from {info.compress_size:,} to {info.file_size:,} bytes "
                                           f"(more than {MAX_EXPANSION} times; refusing a possible zip bomb)")
        members[info.filename[:-len(".npy")]] = info
    if STRUCTURE_KEY not in members:
        raise SerializationError(path, f"was not written by mt.save (no {STRUCTURE_KEY} member); "
                                       "an .npz from numpy.savez is read with numpy.load")
    return members


def _read_skeleton(archive: zipfile.ZipFile, members: dict, path: str):
    info = members[STRUCTURE_KEY]
    if info.file_size > MAX_STRUCTURE_BYTES + _MAX_NPY_HEADER:
        raise SerializationError(path, f"has a skeleton of {info.file_size:,} bytes, more than mt.save writes "
                                       f"({MAX_STRUCTURE_BYTES:,})")
    text = _read_array(archive, info, path)
    if text.dtype != np.uint8 or text.ndim != 1:
        raise SerializationError(path, f"is garbled: {STRUCTURE_KEY} is a {text.dtype} array of shape "
                                       f"{text.shape}, not text")
    try:
        return json.loads(text.tobytes().decode("utf-8"))
    except RecursionError:
        raise SerializationError(path, f"is garbled: its skeleton is nested far deeper than {MAX_DEPTH} "
                                       "levels") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SerializationError(path, f"is garbled: its skeleton is not valid JSON ({error})") from None


def _read_array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> np.ndarray:
    """One ``.npy`` member, after checking that its header describes a plain array of its stored size."""
    name = info.filename
    with archive.open(info) as file:
        try:
            version = np.lib.format.read_magic(file)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran_order, dtype = read_header(file, max_header_size=_MAX_NPY_HEADER)
        except (ValueError, TypeError, SyntaxError, EOFError) as error:
            raise SerializationError(path, f"is garbled: member {name!r} has no valid .npy header ({error})") from None
        if dtype.hasobject:
            raise SerializationError(path, f"was not written by mt.save: member {name!r} holds Python objects "
                                           "(pickled data), which mt.load never unpickles")
        expected = file.tell() + math.prod(shape) * dtype.itemsize
    if expected != info.file_size:
        raise SerializationError(path, f"is garbled: member {name!r} declares shape {shape} ({dtype}), "
                                       f"{expected:,} bytes, but holds {info.file_size:,}")
    with archive.open(info) as file:
        return np.lib.format.read_array(file, allow_pickle=False, max_header_size=_MAX_NPY_HEADER)


def _decode(node, arrays: dict, path: str, depth: int):
    if depth > MAX_DEPTH:
        raise SerializationError(path, f"is garbled: its skeleton is nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, list):
        return [_decode(item, arrays, path, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if node.keys() == {"__array__"}:
        key = node["__array__"]
        if not isinstance(key, str) or key not in arrays:
            raise SerializationError(path, f"is garbled: its skeleton names an array {key!r} that is not in the file")
        return arrays[key]
    if node.keys() == {"__tuple__"} and isinstance(node["__tuple__"], list):
        return tuple(_decode(item, arrays, path, depth + 1) for item in node["__tuple__"])
    items = node.get("__dict__")
    if (node.keys() <= {"__dict__", "__ordered__"} and isinstance(items, list)
            and all(isinstance(item, list) and len(item) == 2 for item in items)):
        pairs = []
        for key, value in items:
            key = _decode(key, arrays, path, depth + 1)
            if not _hashable(key):
                raise SerializationError(path, f"is garbled: a dict key is a {type(key).__name__}")
            pairs.append((key, _decode(value, arrays, path, depth + 1)))
        return OrderedDict(pairs) if node.get("__ordered__") is True else dict(pairs)
    raise SerializationError(path, f"is garbled: its skeleton has a node with keys {sorted(node)[:5]}, "
                                   "which mt.save never writes")


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
