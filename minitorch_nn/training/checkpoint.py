"""Checkpoints: everything needed to continue a run exactly, in one ``.npz`` file (no pickle).

A checkpoint holds the model ``state_dict``, the optimiser's and the scheduler's state, the
number of finished epochs, the global random generator's state (dropout masks), the history,
the best-validation weights and the resolved config. ``mt.save`` writes it atomically (a
temporary file in the same folder, then a rename), so a crash or kill at any moment leaves
the previous checkpoint whole.
"""
from __future__ import annotations

import os

from ..serialization import load

FORMAT = "minitorch_nn.checkpoint"
VERSION = 1
REQUIRED_KEYS = ("epoch", "model", "optimizer", "scheduler", "rng", "history", "best", "config")


class CheckpointError(ValueError):
    """A file is not a usable checkpoint, or does not fit the model / optimiser it is loaded into."""


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read and check a checkpoint written by ``Trainer.save_checkpoint``.

    Raises:
        CheckpointError: missing, truncated or corrupt file, or not a checkpoint (the message
            names the file and says what to use instead).
    """
    path = os.fspath(path)
    try:
        checkpoint = load(path)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path} does not exist; give the last.npz or best.npz of a run "
                              f"folder (runs/<name>-<time>/last.npz)") from None
    except ValueError as error:
        raise CheckpointError(f"checkpoint {path} cannot be read: {error}") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a training checkpoint (it has no format = {FORMAT!r} entry; "
                              f"files from mt.save(model.state_dict()) hold weights only: load them with "
                              f"model.load_state_dict(mt.load(path)))")
    if checkpoint.get("version") != VERSION:
        raise CheckpointError(f"checkpoint {path} has version {checkpoint.get('version')!r}; this minitorch_nn "
                              f"reads version {VERSION}")
    missing = [key for key in REQUIRED_KEYS if key not in checkpoint]
    if missing:
        raise CheckpointError(f"checkpoint {path} lacks {', '.join(missing)}; it is incomplete")
    checkpoint["path"] = path
    return checkpoint
