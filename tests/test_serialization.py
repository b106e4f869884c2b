"""``mt.save`` / ``mt.load``: exact round trips, no pickle, atomic writes that follow the umask, and one
``SerializationError`` naming the file for anything that is not a minitorch_nn file."""
from __future__ import annotations

import errno
import json
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import serialization


def test_state_dict_round_trip(tmp_path):
    model = mt.MLP(5, [4], 3, batchnorm=True)
    path = tmp_path / "model.npz"
    mt.save(model.state_dict(), path)
    loaded = mt.load(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded[key], value)


def test_nested_structures_round_trip(tmp_path):
    checkpoint = {
        "epoch": 3, "lr": 0.1 + 1e-17, "name": "run", "flag": True, "nothing": None,
        "betas": (0.9, 0.999), "state": {0: {"step": 5, "exp_avg": np.arange(3.0)}},
        "groups": [{"params": [0, 1], "lr": 1e-3}], "big": 2 ** 100, "fortran": np.asfortranarray(np.ones((2, 3))),
    }
    mt.save(checkpoint, tmp_path / "ckpt.npz")
    loaded = mt.load(tmp_path / "ckpt.npz")
    np.testing.assert_array_equal(loaded["state"][0]["exp_avg"], np.arange(3.0))
    np.testing.assert_array_equal(loaded.pop("fortran"), checkpoint.pop("fortran"))
    loaded["state"][0]["exp_avg"] = None
    checkpoint["state"][0]["exp_avg"] = None
    assert loaded == checkpoint


def test_file_holds_no_pickle(tmp_path):
    mt.save({"w": np.ones(2), "meta": {"a": 1}}, tmp_path / "x.npz")
    with np.load(tmp_path / "x.npz", allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    mt.save({"w": np.ones(2)}, path)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed while saving")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        mt.save({"w": np.zeros(2)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(mt.load(path)["w"], np.ones(2))
    assert os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_a_full_disk_names_the_file_keeps_the_old_one_and_leaves_no_temporary(tmp_path, monkeypatch, where):
    path = tmp_path / "model.npz"
    mt.save({"w": np.ones(2)}, path)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if where == "write":
        monkeypatch.setattr(np, "savez", full)
    else:
        monkeypatch.setattr(os, where, full)
    with pytest.raises(OSError) as info:
        mt.save({"w": np.zeros(2)}, path)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    np.testing.assert_array_equal(mt.load(path)["w"], np.ones(2))
    assert os.listdir(tmp_path) == ["model.npz"]


def test_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        mt.save({"w": np.ones(2)}, tmp_path / "a.npz")
        with serialization.atomic_writer(tmp_path / "b.txt", "w", encoding="utf-8") as file:
            file.write("text")
    finally:
        os.umask(old)
    assert (tmp_path / "a.npz").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o640 and (tmp_path / "b.txt").read_text() == "text"


def test_temporaries_of_killed_writers_are_removed_by_the_next_save(tmp_path):
    dead = 2 ** 22 + 12345  # above Linux's pid_max default: no such process
    while True:
        try:
            os.kill(dead, 0)
            dead += 1
        except ProcessLookupError:
            break
        except PermissionError:
            dead += 1
    stale = [tmp_path / f".last.npz.{dead}-0123abcd.tmp", tmp_path / f".best.npz.{dead}-89abcdef.tmp"]
    alive = tmp_path / f".last.npz.{os.getppid()}-00000000.tmp"  # a writer that still runs: left alone
    other = tmp_path / ".notes.tmp"  # not a temporary of ours
    for path in stale + [alive, other]:
        path.write_bytes(b"half a checkpoint")
    mt.save({"w": np.ones(2)}, tmp_path / "last.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["last.npz", alive.name, other.name])


def test_save_refuses_what_load_would_refuse(tmp_path):
    deep = []
    for _ in range(serialization.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(TypeError, match="nested deeper than"):
        mt.save({"deep": deep}, tmp_path / "deep.npz")
    loop: list = []
    loop.append(loop)
    with pytest.raises(TypeError, match="contains itself"):
        mt.save(loop, tmp_path / "loop.npz")
    with pytest.raises(TypeError, match="Python objects"):
        mt.save({"o": np.array([None, 1], dtype=object)}, tmp_path / "o.npz")
    with pytest.raises(TypeError, match="cannot store a set"):
        mt.save({"s": {1, 2}}, tmp_path / "set.npz")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------------- files that are not ours
def write_npz(path, members: dict, compression=zipfile.ZIP_STORED):
    """A zip of raw members (name -> bytes), to hand-craft broken files."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def npy(array) -> bytes:
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=True)
    return buffer.getvalue()


def skeleton(obj) -> bytes:
    return npy(np.frombuffer(json.dumps(obj).encode(), dtype=np.uint8))


def expect_error(path, *phrases):
    with pytest.raises(mt.SerializationError) as info:
        mt.load(path)
    message = str(info.value)
    assert str(path) in message and info.value.path == str(path), message
    for phrase in phrases:
        assert phrase in message, message
    return info.value


def test_missing_folder_text_and_torn_files(tmp_path):
    error = expect_error(tmp_path / "missing.npz", "does not exist")
    assert isinstance(error, FileNotFoundError)
    expect_error(tmp_path, "is a folder")
    (tmp_path / "notes.txt").write_text("epoch = 3\n")
    error = expect_error(tmp_path / "notes.txt", "not a zip archive")
    assert "pickle" not in str(error)
    (tmp_path / "torn.npz").write_bytes(b"PK\x03\x04 not really a zip")
    expect_error(tmp_path / "torn.npz", "truncated or corrupt")
    mt.save({"w": np.arange(1000.0)}, tmp_path / "whole.npz")
    data = (tmp_path / "whole.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    expect_error(tmp_path / "cut.npz", "truncated or corrupt")


def test_unreadable_file(tmp_path, monkeypatch):
    mt.save({"w": np.ones(2)}, tmp_path / "w.npz")

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(zipfile, "ZipFile", denied)
    expect_error(tmp_path / "w.npz", "permission denied")


def test_a_plain_numpy_npz_is_not_ours(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    expect_error(tmp_path / "plain.npz", "not written by mt.save", "numpy.load")


def test_garbled_bytes_inside_a_member(tmp_path):
    mt.save({"w": np.arange(1000.0)}, tmp_path / "w.npz")
    data = bytearray((tmp_path / "w.npz").read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the array data: the CRC no longer matches
    (tmp_path / "flipped.npz").write_bytes(bytes(data))
    expect_error(tmp_path / "flipped.npz", "truncated or corrupt")


@pytest.mark.parametrize("members, phrase", [
    ({"__structure__.npy": skeleton({"__array__": "a0"})}, "names an array 'a0' that is not in the file"),
    ({"__structure__.npy": skeleton({"__weird__": 1})}, "a node with keys ['__weird__']"),
    ({"__structure__.npy": skeleton({"__dict__": [[["list", "key"], 1]]})}, "a dict key is a list"),
    ({"__structure__.npy": skeleton({"__dict__": [[1]]})}, "a node with keys"),
    ({"__structure__.npy": npy(np.frombuffer(b"{not json", dtype=np.uint8))}, "not valid JSON"),
    ({"__structure__.npy": npy(np.zeros(3))}, "not text"),
    ({"__structure__.npy": b"\x93NUMPY garbage"}, "no valid .npy header"),
    ({"__structure__.npy": skeleton(1), "a0.npy": npy(np.array([None, 1], dtype=object))}, "Python objects"),
    ({"__structure__.npy": skeleton(1), "a0.npy": npy(np.zeros(10))[:-8]}, "declares shape (10,)"),
    ({"__structure__.npy": skeleton(1), "notes.txt": b"hello"}, "'notes.txt' is not an .npy array"),
])
def test_hand_made_files_are_refused_with_what_is_wrong(tmp_path, members, phrase):
    expect_error(write_npz(tmp_path / "made.npz", members), phrase)


def test_deep_skeletons_are_refused_without_a_recursion_error(tmp_path):
    for depth in (serialization.MAX_DEPTH + 5, 200_000):
        text = "[" * depth + "]" * depth
        path = write_npz(tmp_path / f"deep{depth}.npz",
                         {"__structure__.npy": npy(np.frombuffer(text.encode(), dtype=np.uint8))})
        expect_error(path, "nested")


def test_large_and_bomb_files_are_refused_before_they_are_read(tmp_path, monkeypatch):
    # A compressed member that would expand a thousandfold: a possible zip bomb.
    bomb = write_npz(tmp_path / "bomb.npz", {"__structure__.npy": skeleton({"__array__": "a0"}),
                                             "a0.npy": npy(np.zeros(3_000_000, np.uint8))}, zipfile.ZIP_DEFLATED)
    expect_error(bomb, "would expand", "zip bomb")
    # A skeleton larger than mt.save writes, and more members than it writes (limits lowered to test).
    monkeypatch.setattr(serialization, "MAX_STRUCTURE_BYTES", 1000)
    big = write_npz(tmp_path / "big.npz", {"__structure__.npy": skeleton(list(range(5000)))})
    expect_error(big, "skeleton of", "more than mt.save writes")
    monkeypatch.setattr(serialization, "MAX_MEMBERS", 3)
    many = write_npz(tmp_path / "many.npz", {f"a{i}.npy": npy(np.zeros(1)) for i in range(4)})
    expect_error(many, "has 4 members")
