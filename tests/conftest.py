"""Shared fixtures: reference values computed by PyTorch (layers, optimisers, schedulers) and a seeded
generator. The fixture files live in tests/fixtures/, written by the scripts in scripts/."""
from __future__ import annotations

import os
import pathlib

import numpy as np
import pytest

import minitorch_nn as mt
from optim_reference import Reference, reference_spec_and_arrays

FIXTURES = pathlib.Path(__file__).parent / "fixtures"

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis comes with the dev extra; without it the property tests skip, saying so
    pass
else:
    # "ci" (the default): the same examples every run, a modest number of them, no time limit per
    # example (a loaded machine must not fail a test). "thorough": fresh random examples, many more.
    settings.register_profile("ci", derandomize=True, max_examples=20, deadline=None, database=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("thorough", max_examples=500, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


class ReferenceCases:
    """``reference["linear"]["output"]``: arrays that scripts/make_layer_fixtures.py stored."""

    def __init__(self, path: pathlib.Path) -> None:
        with np.load(path) as archive:
            self._arrays = {name: archive[name] for name in archive.files}

    def __getitem__(self, case: str) -> dict[str, np.ndarray]:
        prefix = case + "/"
        found = {name[len(prefix):]: value for name, value in self._arrays.items() if name.startswith(prefix)}
        if not found:
            raise KeyError(f"no reference case {case!r}; re-run scripts/make_layer_fixtures.py")
        return found


@pytest.fixture(scope="session")
def layer_reference() -> ReferenceCases:
    return ReferenceCases(FIXTURES / "layers_reference.npz")


@pytest.fixture
def rng() -> np.random.Generator:
    mt.manual_seed(0)
    return np.random.default_rng(0)


def pytest_generate_tests(metafunc):
    spec = None
    for fixture, attr, key in (("optim_case", "OPTIMIZERS", "optimizers"),
                               ("sched_case", "SCHEDULERS", "schedulers")):
        if fixture in metafunc.fixturenames:
            spec = spec or reference_spec_and_arrays()[0]
            wanted = getattr(metafunc.module, attr)
            kind = "optimizer" if key == "optimizers" else "scheduler"
            cases = [c for c in spec[key] if c[kind] in wanted]
            metafunc.parametrize(fixture, cases, ids=[c["name"] for c in cases])


@pytest.fixture(scope="session")
def optim_reference() -> Reference:
    return Reference()


@pytest.fixture
def assert_close():
    """Compare trajectories to 1e-10 relative error (float64)."""

    def check(actual, expected, rtol=1e-10, atol=1e-13):
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)

    return check


# ------------------------------------------------------------------------- faults
@pytest.fixture
def read_only(monkeypatch):
    """``read_only(folder)`` makes ``folder`` unwritable and returns how: ``"chmod"`` or ``"fake"``.

    ``chmod 555`` is used when it stops writes. Where it does not (as root, which ignores
    permissions), every write under ``folder`` — ``os.open`` for writing, ``os.mkdir``,
    ``os.replace``, ``os.rename``, ``os.remove``, ``open`` for writing — raises the
    ``PermissionError`` a read-only folder gives instead, so the test runs either way.
    """
    import builtins
    import errno
    import os
    import tempfile

    changed: list[pathlib.Path] = []
    blocked: list[str] = []

    def under(path) -> bool:
        if isinstance(path, int):
            return False
        path = os.path.abspath(os.fspath(path))
        return any(path == folder or path.startswith(folder + os.sep) for folder in blocked)

    def denied(path):
        return PermissionError(errno.EACCES, "Permission denied", os.fspath(path))

    def guard(function, *path_arguments, write_check=lambda *a, **k: True):
        def guarded(*args, **kwargs):
            if write_check(*args, **kwargs):
                for index in path_arguments:
                    if index < len(args) and under(args[index]):
                        raise denied(args[index])
            return function(*args, **kwargs)
        return guarded

    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def make(folder) -> str:
        folder = pathlib.Path(folder)
        folder.chmod(0o555)
        changed.append(folder)
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except PermissionError:
            return "chmod"
        if not blocked:
            monkeypatch.setattr(os, "open", guard(os.open, 0, write_check=lambda path, flags, *a, **k: flags & writes))
            monkeypatch.setattr(builtins, "open", guard(
                builtins.open, 0, write_check=lambda file, mode="r", *a, **k: any(c in mode for c in "wax+")))
            for name in ("mkdir", "remove", "unlink", "rmdir"):
                monkeypatch.setattr(os, name, guard(getattr(os, name), 0))
            for name in ("replace", "rename"):
                monkeypatch.setattr(os, name, guard(getattr(os, name), 0, 1))
        blocked.append(os.path.abspath(folder))
        return "fake"

    yield make
    for folder in changed:
        folder.chmod(0o755)


# ------------------------------------------------------------------------- slow tests
def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the tests marked slow (the kill-and-resume test, a few minutes)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow (minutes): run with --run-slow, or python scripts/kill_test.py")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
