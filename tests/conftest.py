"""Shared fixtures: reference values computed by PyTorch, and a seeded generator."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

import minitorch_nn as mt

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


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
