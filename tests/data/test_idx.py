"""read_idx(): valid files (gzipped or not) load; bad magic, dimensions or lengths raise DatasetError."""
import gzip

import numpy as np
import pytest

from minitorch_nn.data.errors import DatasetError
from minitorch_nn.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx

IMAGES = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)


@pytest.mark.parametrize("name", ["images-idx3-ubyte.gz", "images-idx3-ubyte"])
def test_reads_gzipped_and_plain_files(tmp_path, build, name):
    path = build.write_idx(tmp_path / name, IMAGES)
    out = read_idx(path, IMAGES_MAGIC)
    np.testing.assert_array_equal(out, IMAGES)
    assert out.dtype == np.uint8 and out.flags.writeable


def test_reads_big_endian_int32(tmp_path, build):
    values = np.array([[1, -2, 70000]], dtype=">i4")
    out = read_idx(build.write_idx(tmp_path / "x.idx", values))
    np.testing.assert_array_equal(out, [[1, -2, 70000]])
    assert out.dtype == np.dtype("=i4")


def test_wrong_magic_number(tmp_path, build):
    path = build.write_idx(tmp_path / "labels.gz", np.zeros(3, np.uint8))
    with pytest.raises(DatasetError, match=f"wrong IDX magic number {LABELS_MAGIC}, expected {IMAGES_MAGIC}"):
        read_idx(path, IMAGES_MAGIC)


@pytest.mark.parametrize("raw", [b"\x01\x00\x08\x01\x00\x00\x00\x01\x00", b"\x00\x00\x07\x01\x00\x00\x00\x01\x00",
                                 b"\x00\x00\x08\x00"])
def test_not_an_idx_file(tmp_path, raw):
    (tmp_path / "f").write_bytes(raw)
    with pytest.raises(DatasetError, match="not an IDX file"):
        read_idx(tmp_path / "f")


@pytest.mark.parametrize("cut", [2, 10, 100, 1])
def test_truncated_file_names_the_file(tmp_path, build, cut):
    raw = build.idx_bytes(IMAGES)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(raw[:len(raw) - cut] if cut > 10 else raw[:cut])
    with pytest.raises(DatasetError, match="truncated") as info:
        read_idx(path, IMAGES_MAGIC)
    assert str(path) in str(info.value) and "download=True" in str(info.value)


def test_trailing_bytes(tmp_path, build):
    (tmp_path / "f").write_bytes(build.idx_bytes(IMAGES) + b"\x00")
    with pytest.raises(DatasetError, match="trailing bytes"):
        read_idx(tmp_path / "f")


def test_truncated_gzip(tmp_path, build):
    compressed = gzip.compress(build.idx_bytes(IMAGES))
    (tmp_path / "f.gz").write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(DatasetError, match="corrupt or truncated gzip") as info:
        read_idx(tmp_path / "f.gz")
    assert "f.gz" in str(info.value)


def test_corrupt_gzip(tmp_path, build):
    compressed = bytearray(gzip.compress(build.idx_bytes(IMAGES)))
    compressed[len(compressed) // 2] ^= 0xFF
    compressed[-6] ^= 0xFF  # the CRC, in case the flipped byte still inflates
    (tmp_path / "f.gz").write_bytes(bytes(compressed))
    with pytest.raises(DatasetError, match="corrupt or truncated gzip"):
        read_idx(tmp_path / "f.gz")


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="file not found"):
        read_idx(tmp_path / "nope")


def test_a_gzip_bomb_is_never_unpacked_past_its_header(tmp_path, build):
    import tracemalloc

    header = build.idx_bytes(IMAGES)  # declares 2 x 28 x 28 bytes of data
    bomb = tmp_path / "bomb.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as file:
        file.write(header)
        for _ in range(50):
            file.write(bytes(1 << 20))  # 50 MB of zeros follow: about 50 KB compressed
    assert bomb.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(DatasetError, match="trailing bytes after the data"):
            read_idx(bomb, IMAGES_MAGIC)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # the declared 1.5 KB plus the margin, not 50 MB


def test_a_header_promising_more_than_the_file_can_hold_is_refused_before_allocating(tmp_path):
    import struct

    header = struct.pack(">IIII", IMAGES_MAGIC, 2 ** 31, 28, 28)  # 1.7 TB of images
    (tmp_path / "huge.gz").write_bytes(gzip.compress(header + bytes(1000)))
    (tmp_path / "huge").write_bytes(header + bytes(1000))
    for name in ("huge.gz", "huge"):
        with pytest.raises(DatasetError, match="truncated: dimensions 2147483648 x 28 x 28 need"):
            read_idx(tmp_path / name, IMAGES_MAGIC)
