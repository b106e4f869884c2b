"""The restricted unpickler: valid CIFAR batches load; malicious, truncated, corrupt ones raise DatasetError."""
import os
import pickle

import numpy as np
import pytest

from minitorch_nn.data.cifar_pickle import load_cifar_batch, restricted_load
from minitorch_nn.data.errors import DatasetError


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("str_keys", [False, True])
def test_valid_batch_loads(tmp_path, build, protocol, str_keys):
    rows, labels = build.cifar_rows(6)
    path = build.write_cifar_batch(tmp_path / "data_batch_1", rows, labels, protocol=protocol, str_keys=str_keys)
    data, targets = load_cifar_batch(path)
    np.testing.assert_array_equal(data, rows)
    np.testing.assert_array_equal(targets, labels)
    assert targets.dtype == np.int64


class RunsCommand:
    """Unpickling this calls os.system: what a malicious data file would do."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


class CallsEval:
    def __reduce__(self):
        return eval, ("__import__('os').getcwd()",)


@pytest.mark.parametrize("protocol", [2, 4])
def test_malicious_batch_is_refused_and_runs_nothing(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    payload = {b"data": RunsCommand(f"touch {marker}"), b"labels": [0]}
    path.write_bytes(pickle.dumps(payload, protocol=protocol))
    with pytest.raises(DatasetError) as info:
        load_cifar_batch(path)
    message = str(info.value)
    assert "malicious" in message and "system" in message and str(path) in message
    assert not marker.exists()


def test_builtins_eval_is_refused(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": CallsEval()}, protocol=2))
    with pytest.raises(DatasetError, match="forbidden"):
        restricted_load(path)


def test_codecs_encode_only_as_latin1(tmp_path):
    # Hand-written protocol-2 pickle: _codecs.encode('x', 'rot13') is not what a batch needs.
    raw = b"\x80\x02c_codecs\nencode\nq\x00X\x01\x00\x00\x00xX\x05\x00\x00\x00rot13\x86R."
    (tmp_path / "f").write_bytes(raw)
    with pytest.raises(DatasetError, match="latin1"):
        restricted_load(tmp_path / "f")


def test_truncated_batch(tmp_path, build):
    rows, labels = build.cifar_rows(6)
    path = build.write_cifar_batch(tmp_path / "data_batch_1", rows, labels)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DatasetError, match="truncated") as info:
        load_cifar_batch(path)
    assert str(path) in str(info.value) and "download=True" in str(info.value)


@pytest.mark.parametrize("raw", [b"not a pickle at all", b"\x80\x02}q\x00(X\x01", bytes(range(256))])
def test_corrupt_batch(tmp_path, raw):
    (tmp_path / "f").write_bytes(raw)
    with pytest.raises(DatasetError) as info:
        load_cifar_batch(tmp_path / "f")
    assert str(tmp_path / "f") in str(info.value)


@pytest.mark.parametrize("batch, expected", [
    ([1, 2, 3], "not a dict"),
    ({b"labels": [0]}, "no 'data' entry"),
    ({b"data": np.zeros((2, 3072), np.uint8)}, "no 'labels' entry"),
    ({b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]}, "uint8"),
    ({b"data": np.zeros((2, 3000), np.uint8), b"labels": [0, 1]}, "shape"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "2 integers"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": ["a", "b"]}, "2 integers"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}, "0..9"),
])
def test_wrong_structure(tmp_path, batch, expected):
    (tmp_path / "f").write_bytes(pickle.dumps(batch, protocol=4))
    with pytest.raises(DatasetError, match=expected):
        load_cifar_batch(tmp_path / "f")


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="file not found"):
        load_cifar_batch(tmp_path / "data_batch_9")
