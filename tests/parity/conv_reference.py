"""The PyTorch reference cases for the convolutional layers, shared by their test files.

``STORED`` maps a case name to ``(layer kind, arguments, arrays)`` as
scripts/make_conv_fixtures.py wrote them to tests/fixtures/conv_reference.npz.
"""
import importlib.util
import json
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "conv_reference.npz"


def _load_script():
    spec = importlib.util.spec_from_file_location("make_conv_fixtures", ROOT / "scripts" / "make_conv_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _load_script()
with np.load(FIXTURES) as _data:
    STORED = SCRIPT.load_cases({key: _data[key] for key in _data.files})
    FANS = json.loads(str(_data["fans"]))


def cases_of(*kinds: str) -> list[str]:
    return sorted(case for case, (kind, _, _) in STORED.items() if kind in kinds)


def assert_close(ours, reference, what, rtol=1e-6):
    """max |ours - reference| <= rtol * max |reference| (float32 sums differ in the last bits)."""
    ours, reference = np.asarray(ours), np.asarray(reference)
    assert ours.shape == reference.shape, f"{what}: shape {ours.shape} != {reference.shape}"
    scale = max(float(np.max(np.abs(reference))), 1e-30)
    error = float(np.max(np.abs(ours.astype(np.float64) - reference))) / scale
    assert error <= rtol, f"{what}: relative error {error:.3g} > {rtol}"
