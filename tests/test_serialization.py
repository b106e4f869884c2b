"""``mt.save`` / ``mt.load``: exact round trips, no pickle, atomic writes."""
from __future__ import annotations

import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minitorch_nn as mt


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
        "groups": [{"params": [0, 1], "lr": 1e-3}], "big": 2 ** 100,
    }
    mt.save(checkpoint, tmp_path / "ckpt.npz")
    loaded = mt.load(tmp_path / "ckpt.npz")
    np.testing.assert_array_equal(loaded["state"][0]["exp_avg"], np.arange(3.0))
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


def test_bad_files_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file at"):
        mt.load(tmp_path / "missing.npz")
    (tmp_path / "torn.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        mt.load(tmp_path / "torn.npz")
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    with pytest.raises(ValueError, match="not written by mt.save"):
        mt.load(tmp_path / "plain.npz")
    with pytest.raises(TypeError, match="cannot store a set"):
        mt.save({"s": {1, 2}}, tmp_path / "set.npz")
    assert zipfile.is_zipfile(tmp_path / "plain.npz")
