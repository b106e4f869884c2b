"""Root resolution (argument > $MINITORCH_DATA > ~/.cache/minitorch_nn) and DatasetError's message."""
from pathlib import Path

import pytest

import minitorch_nn.data as data
from minitorch_nn.data.errors import DatasetError
from minitorch_nn.data.paths import describe_root, resolve_root


def test_explicit_root_wins_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MINITORCH_DATA", str(tmp_path / "env"))
    assert resolve_root(tmp_path / "arg") == tmp_path / "arg"
    assert describe_root(tmp_path) == "root given by the root argument"


def test_environment_variable_then_default(monkeypatch, tmp_path):
    monkeypatch.setenv("MINITORCH_DATA", str(tmp_path / "env"))
    assert resolve_root() == tmp_path / "env"
    assert describe_root() == "root from $MINITORCH_DATA"
    monkeypatch.delenv("MINITORCH_DATA")
    assert resolve_root() == Path.home() / ".cache" / "minitorch_nn"
    assert describe_root() == "the default root, as $MINITORCH_DATA is not set"


def test_root_expands_user(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_root("~/data") == tmp_path / "data"


def test_dataset_error_names_path_problem_and_fix():
    error = DatasetError("truncated: too short", path="/d/x.gz", fix="delete it")
    assert str(error) == "/d/x.gz: truncated: too short\n  fix: delete it"
    assert (error.path, error.problem, error.fix) == ("/d/x.gz", "truncated: too short", "delete it")
    assert isinstance(error, RuntimeError)
    assert data.DatasetError is DatasetError


@pytest.mark.parametrize("dataset, folder, file_name", [
    ("MNIST", "mnist", "t10k-images-idx3-ubyte"),
    ("CIFAR10", "cifar-10-batches-py", "test_batch"),
])
def test_a_root_that_is_the_data_sets_folder_itself_is_explained(tmp_path, dataset, folder, file_name):
    import minitorch_nn.data as data

    inner = tmp_path / folder
    inner.mkdir()
    (inner / file_name).write_bytes(b"")
    with pytest.raises(data.DataRootError) as caught:
        getattr(data, dataset)(root=inner, train=False, download=True)  # no download is tried
    message = str(caught.value)
    assert "files itself" in message and f"<root>/{folder}/" in message
    assert f"point --data-dir / $MINITORCH_DATA at {tmp_path} (the folder above)" in message
    assert isinstance(caught.value, data.DatasetError)
