"""Shared fixtures for the data tests: tiny IDX / CIFAR files, a fake network, the real-data root.

Tiny files are written into ``tmp_path`` by the fixtures; nothing is downloaded and the real
data sets are only read (never copied) by the tests in ``test_data_real.py``.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import urllib.error
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from minitorch_nn.data import download as download_module


# ------------------------------------------------------------------------- file builders
def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """Serialise ``array`` (uint8 unless it is big-endian int32) as IDX bytes."""
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}
    code = codes[array.dtype]
    magic = magic if magic is not None else (code << 8) | array.ndim
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool | None = None, magic: int | None = None) -> Path:
    """Write an IDX file; gzipped when ``gz`` (default: when the name ends in .gz)."""
    raw = idx_bytes(array, magic)
    gz = path.name.endswith(".gz") if gz is None else gz
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


def cifar_rows(n: int, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """Random ``(n, 3072)`` uint8 rows and ``n`` labels."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), [int(v) for v in rng.integers(0, 10, size=n)]


def write_cifar_batch(path: Path, data: np.ndarray, labels, protocol: int = 2, str_keys: bool = False) -> Path:
    """Write a CIFAR-10 style batch dict (bytes keys, as the originals) with ``pickle``."""
    key = (lambda k: k) if str_keys else (lambda k: k.encode())
    batch = {key("batch_label"): b"test batch", key("labels"): labels, key("data"): data,
             key("filenames"): [f"img_{i}.png".encode() for i in range(len(data))]}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as file:
        pickle.dump(batch, file, protocol=protocol)
    return path


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def mnist_root(tmp_path):
    """A root with a tiny MNIST layout: 12 train / 5 test images (gz), labels 0..9.

    Returns ``(root, arrays)`` with ``arrays[(split, kind)]`` the arrays written.
    """
    rng = np.random.default_rng(0)
    root = tmp_path / "root"
    arrays = {}
    for split, n in (("train", 12), ("t10k", 5)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        write_idx(root / "mnist" / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(root / "mnist" / f"{split}-labels-idx1-ubyte.gz", labels)
        arrays[(split, "images")], arrays[(split, "labels")] = images, labels
    return root, arrays


@pytest.fixture
def cifar_root(tmp_path):
    """A root with a tiny CIFAR-10 layout: 5 training batches of 3 images, a test batch of 4.

    Returns ``(root, batches)`` with ``batches[name] = (rows, labels)``.
    """
    root = tmp_path / "root"
    batches = {}
    for i, name in enumerate(["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                              "test_batch"]):
        rows, labels = cifar_rows(4 if name == "test_batch" else 3, seed=i)
        write_cifar_batch(root / "cifar-10-batches-py" / name, rows, labels)
        batches[name] = (rows, labels)
    return root, batches


# ------------------------------------------------------------------------- fake network
class FakeResponse(io.BytesIO):
    """A urlopen response: ``read`` serves ``body``; ``fail_after`` bytes then raises ``error``."""

    def __init__(self, body: bytes, content_length: int | None = None, fail_after: int | None = None,
                 error: BaseException | None = None):
        super().__init__(body)
        length = len(body) if content_length is None else content_length
        self.headers = {"Content-Length": str(length)}
        self.fail_after, self.error = fail_after, error

    def read(self, size=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise self.error
        if self.fail_after is not None:
            size = min(size if size and size > 0 else self.fail_after, self.fail_after - self.tell())
        return super().read(size)

    read1 = read  # what download() calls: whatever has arrived, up to size


class FakeClock:
    """Replaces ``download.clock``: time moves only when ``advance`` is called."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TricklingResponse(FakeResponse):
    """A response that sends ``bytes_per_read`` bytes per read, each read taking ``seconds_per_read``
    of the fake ``clock`` (a mirror that trickles, without any real waiting)."""

    def __init__(self, body: bytes, clock: FakeClock, bytes_per_read: int = 1, seconds_per_read: float = 1.0):
        super().__init__(body)
        self.clock, self.bytes_per_read, self.seconds_per_read = clock, bytes_per_read, seconds_per_read
        self.reads = 0

    def read(self, size=-1):
        self.clock.advance(self.seconds_per_read)
        self.reads += 1
        return super().read(min(size if size and size > 0 else self.bytes_per_read, self.bytes_per_read))

    read1 = read


class FakeNetwork:
    """Replaces ``download.urlopen``: ``routes[url]`` is bytes, a FakeResponse, or an exception.

    Unknown URLs fail like an unreachable host. ``requests`` lists the URLs asked for, in order.
    """

    def __init__(self):
        self.routes: dict[str, object] = {}
        self.requests: list[str] = []

    def __call__(self, request, timeout=None):
        url = request.full_url if hasattr(request, "full_url") else request
        self.requests.append(url)
        route = self.routes.get(url, urllib.error.URLError("no network in tests"))
        if isinstance(route, BaseException):
            raise route
        return route if isinstance(route, FakeResponse) else FakeResponse(route)


@pytest.fixture
def network(monkeypatch) -> FakeNetwork:
    """A fake network installed as ``minitorch_nn.data.download.urlopen`` (no real traffic)."""
    fake = FakeNetwork()
    monkeypatch.setattr(download_module, "urlopen", fake)
    return fake


@pytest.fixture(autouse=True)
def no_real_network(monkeypatch):
    """Every data test runs with a urlopen that fails, so nothing can reach the real network."""
    def refuse(request, timeout=None):
        raise urllib.error.URLError("tests must not use the real network")
    monkeypatch.setattr(download_module, "urlopen", refuse)


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """A fake clock installed as ``minitorch_nn.data.download.clock``."""
    fake = FakeClock()
    monkeypatch.setattr(download_module, "clock", fake)
    return fake


@pytest.fixture
def build() -> SimpleNamespace:
    """The file builders above, for tests (conftest modules cannot be imported directly)."""
    return SimpleNamespace(idx_bytes=idx_bytes, write_idx=write_idx, cifar_rows=cifar_rows,
                           write_cifar_batch=write_cifar_batch, md5=md5, FakeResponse=FakeResponse,
                           TricklingResponse=TricklingResponse)


# ------------------------------------------------------------------------- real data
def real_data_root(subfolder: str, what: str) -> Path:
    """``$MINITORCH_DATA`` if it holds ``subfolder``; otherwise skip the test with the reason."""
    value = os.environ.get("MINITORCH_DATA")
    if not value:
        pytest.skip(f"MINITORCH_DATA not set: real-data test needs {what} at $MINITORCH_DATA/{subfolder}")
    root = Path(value).expanduser()
    if not (root / subfolder).is_dir():
        pytest.skip(f"real-data test needs {what} at $MINITORCH_DATA/{subfolder} ({root / subfolder} is missing)")
    return root


@pytest.fixture(scope="session")
def mnist_real_root() -> Path:
    return real_data_root("mnist", "MNIST")


@pytest.fixture(scope="session")
def cifar_real_root() -> Path:
    return real_data_root("cifar-10-batches-py", "CIFAR-10")
