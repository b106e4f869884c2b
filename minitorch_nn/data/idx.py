"""Strict reader for IDX files (the MNIST format), gzipped or not.

An IDX file is a 4-byte magic number ``0x00 0x00 <type code> <ndim>``, then ``ndim``
big-endian uint32 dimensions, then exactly ``prod(dims)`` items of the type, big-endian,
row-major. MNIST images have magic 2051 (uint8, 3 dims), labels 2049 (uint8, 1 dim).
"""
from __future__ import annotations

import gzip
import math
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
MAX_GZIP_RATIO = 1100       # deflate's limit is about 1032 to 1
TRAILING_MARGIN = 1 << 16   # bytes decompressed past the declared data, to detect trailing garbage
CHUNK_SIZE = 1 << 20
_FIX = "delete the file and run again with download=True (or copy an intact file there)"


def read_idx(path: str | os.PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX file into a writable, native-byte-order numpy array.

    The header is read and checked first; the data are then read (and, for a gzipped file,
    decompressed as a stream) straight into an array of the size the header implies, and at
    most ``TRAILING_MARGIN`` bytes beyond it are ever decompressed, so a crafted file cannot
    make this unpack more than its header declares.

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
    try:
        file = open(path, "rb")
    except FileNotFoundError as exc:
        raise DatasetError("file not found", path, "run with download=True, or copy the file there") from exc
    except OSError as exc:
        raise DatasetError(f"cannot read the file ({exc.strerror or exc})", path, "check its permissions") from exc
    with file:
        stored = os.fstat(file.fileno()).st_size
        compressed = file.read(2) == _GZIP_SIGNATURE
        file.seek(0)
        stream = gzip.GzipFile(fileobj=file, mode="rb") if compressed else file
        try:
            return _read_idx_stream(stream, path, expected_magic, stored, compressed)
        except (EOFError, OSError, zlib.error) as exc:
            raise DatasetError(f"corrupt or truncated gzip data ({exc})", path, _FIX) from exc


def _read_idx_stream(stream, path: Path, expected_magic: int | None, stored: int, compressed: bool) -> np.ndarray:
    """Header, then exactly the data it declares, from an open (possibly decompressing) stream."""
    head = stream.read(4)
    if len(head) < 4:
        raise DatasetError(f"truncated: {len(head)} bytes, too short for an IDX header", path, _FIX)
    zeros, type_code, ndim = head[:2], head[2], head[3]
    magic = int.from_bytes(head, "big")
    if zeros != b"\x00\x00" or type_code not in IDX_DTYPES or ndim == 0:
        raise DatasetError(f"not an IDX file (magic number {magic:#010x})", path, _FIX)
    if expected_magic is not None and magic != expected_magic:
        raise DatasetError(f"wrong IDX magic number {magic}, expected {expected_magic}", path, _FIX)
    header_size = 4 + 4 * ndim
    raw_dims = stream.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise DatasetError(f"truncated: the IDX header needs {header_size} bytes, the file has "
                           f"{4 + len(raw_dims)}", path, _FIX)
    dims = tuple(int.from_bytes(raw_dims[4 * i: 4 * i + 4], "big") for i in range(ndim))
    dtype = IDX_DTYPES[type_code]
    data_size = math.prod(dims) * dtype.itemsize
    expected = header_size + data_size
    shape_text = " x ".join(map(str, dims))
    # Before reading: an uncompressed file must have exactly that length, and no gzip stream
    # inflates more than ~1032-fold, so a header promising more than that is a truncated file.
    if not compressed and stored != expected:
        problem = "truncated" if stored < expected else "trailing bytes after the data"
        raise DatasetError(f"{problem}: dimensions {shape_text} need {expected} bytes, the file holds {stored}",
                           path, _FIX)
    if compressed and expected > MAX_GZIP_RATIO * stored + (1 << 16):
        raise DatasetError(f"truncated: dimensions {shape_text} need {expected:,} bytes, more than "
                           f"{stored:,} compressed bytes can hold", path, _FIX)
    data = np.empty(dims, dtype=dtype)
    filled = _read_into(stream, memoryview(data.reshape(-1).view(np.uint8)))
    if filled < data_size:
        raise DatasetError(f"truncated: dimensions {shape_text} need {expected} bytes, the file holds "
                           f"{header_size + filled}", path, _FIX)
    trailing = len(stream.read(TRAILING_MARGIN))  # never more than the margin is unpacked
    if trailing:
        more = f"{trailing}" if trailing < TRAILING_MARGIN else f"at least {trailing}"
        raise DatasetError(f"trailing bytes after the data: dimensions {shape_text} need {expected} bytes, "
                           f"the file holds {more} more", path, _FIX)
    if not dtype.isnative:  # one in-place byte swap makes multi-byte items native-endian
        data = data.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return data


def _read_into(stream, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream`` in chunks; returns the bytes read (fewer at the end of the stream)."""
    filled = 0
    while filled < len(buffer):
        count = stream.readinto(buffer[filled:filled + CHUNK_SIZE])
        if not count:
            break
        filled += count
    return filled
