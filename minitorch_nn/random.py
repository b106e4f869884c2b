"""The global random generator behind initialisation, dropout masks and shuffling.

``manual_seed(seed)`` makes a run reproducible; ``get_rng_state`` / ``set_rng_state``
let a checkpoint resume with exactly the same random stream.
"""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Re-seed the global generator (``torch.manual_seed``'s counterpart) and return it."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """The generator used by init, Dropout and DataLoader when none is given."""
    return _generator


def get_rng_state() -> dict:
    """A copy of the global generator's state (a plain dict, JSON-serialisable)."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state from ``get_rng_state``."""
    _generator.bit_generator.state = state
