"""Strict reader for IDX files (the MNIST format), gzipped or not.

An IDX file is a 4-byte magic number ``0x00 0x00 <type code> <ndim>``, then ``ndim``
big-endian uint32 dimensions, then exactly ``prod(dims)`` items of the type, big-endian,
row-major. MNIST images have magic 2051 (uint8, 3 dims), labels 2049 (uint8, 1 dim).
"""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from .errors import DatasetError

# IDX type code -> numpy dtype (big-endian where it matters).
IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
IMAGES_MAGIC = 2051  # uint8, 3 dims: (N, rows, cols)
LABELS_MAGIC = 2049  # uint8, 1 dim: (N,)

_GZIP_SIGNATURE = b"\x1f\x8b"
_FIX = "delete the file and run again with download=True (or copy an intact file there)"


def read_idx(path: str | os.PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX file into a writable, native-byte-order numpy array.

    Args:
        path: the file; gzip-compressed content is detected by its signature (any name).
        expected_magic: if given, the magic number the file must have (e.g. ``IMAGES_MAGIC``).

    Returns:
        An array of shape ``dims`` and the file's item type (uint8 for MNIST).

    Raises:
        DatasetError: unreadable, not gzip-clean, wrong magic number, or a byte length that
            does not match the dimensions exactly (truncated or with trailing bytes).
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DatasetError(f"truncated: {len(raw)} bytes, too short for an IDX header", path, _FIX)
    zeros, type_code, ndim = raw[:2], raw[2], raw[3]
    magic = int.from_bytes(raw[:4], "big")
    if zeros != b"\x00\x00" or type_code not in IDX_DTYPES or ndim == 0:
        raise DatasetError(f"not an IDX file (magic number {magic:#010x})", path, _FIX)
    if expected_magic is not None and magic != expected_magic:
        raise DatasetError(f"wrong IDX magic number {magic}, expected {expected_magic}", path, _FIX)
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DatasetError(f"truncated: the IDX header needs {header_size} bytes, the file has {len(raw)}", path, _FIX)
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = IDX_DTYPES[type_code]
    expected = header_size + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "trailing bytes after the data"
        raise DatasetError(
            f"{problem}: dimensions {' x '.join(map(str, dims))} need {expected} bytes, the file holds {len(raw)}",
            path, _FIX,
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(dims)
    # frombuffer over bytes is read-only; one copy makes it writable and native-endian.
    return data.astype(dtype.newbyteorder("="), copy=True)


def _read_bytes(path: Path) -> bytes:
    """The file's content, gunzipped if it starts with the gzip signature."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DatasetError("file not found", path, "run with download=True, or copy the file there") from exc
    except OSError as exc:
        raise DatasetError(f"cannot read the file ({exc.strerror or exc})", path, "check its permissions") from exc
    if raw[:2] != _GZIP_SIGNATURE:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise DatasetError(f"corrupt or truncated gzip data ({exc})", path, _FIX) from exc
