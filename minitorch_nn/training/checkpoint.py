"""Checkpoints: everything needed to continue a run exactly, in one ``.npz`` file (no pickle).

A checkpoint holds the model ``state_dict``, the optimiser's and the scheduler's state (and
their class names), the number of finished epochs, the global random generator's state
(dropout masks), the history, the best-validation weights and the resolved config. ``mt.save``
writes it atomically (a temporary file in the same folder, then a rename), so a crash or kill
at any moment leaves the previous checkpoint whole.

``load_checkpoint`` checks the whole structure before anything uses it — every entry's type,
the arrays, the random-generator state — so a file that is not a checkpoint (weights only, a
text file, a truncated, garbled or hand-edited ``.npz``) gives one message::

    runs/x/last.npz is not a minitorch_nn training checkpoint: its 'epoch' is the str '3', not a whole number
"""
from __future__ import annotations

import numbers
import os

import numpy as np

from ..serialization import SerializationError, load
from .history import EPOCH_FIELDS

FORMAT = "minitorch_nn.checkpoint"
VERSION = 1
REQUIRED_KEYS = ("epoch", "model", "optimizer", "scheduler", "rng", "history", "best", "config")
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class CheckpointError(ValueError):
    """A file is not a usable checkpoint, or does not fit the model / optimiser it is loaded into."""


def not_a_checkpoint(path, problem: str) -> CheckpointError:
    """``CheckpointError("PATH is not a minitorch_nn training checkpoint: PROBLEM")``."""
    return CheckpointError(f"{os.fspath(path)} is not a minitorch_nn training checkpoint: {problem}")


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read and check a checkpoint written by ``Trainer.save_checkpoint``.

    Returns:
        The checkpoint dict, with ``"path"`` added.

    Raises:
        CheckpointError: a missing or unreadable file, or anything that is not a whole
            minitorch_nn training checkpoint (the message names the file and what is wrong).
    """
    path = os.fspath(path)
    try:
        checkpoint = load(path)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path} does not exist; give the last.npz or best.npz of a run "
                              f"folder (runs/<name>-<time>/last.npz)") from None
    except SerializationError as error:
        raise not_a_checkpoint(path, f"it {error.problem}") from None
    problem = checkpoint_problem(checkpoint)
    if problem:
        raise not_a_checkpoint(path, problem)
    checkpoint["path"] = path
    return checkpoint


def checkpoint_problem(checkpoint) -> str | None:
    """What makes ``checkpoint`` (as ``mt.load`` returns it) not a whole training checkpoint, or None."""
    if not isinstance(checkpoint, dict):
        return f"it holds a {type(checkpoint).__name__}, not a dict of entries"
    if checkpoint.get("format") != FORMAT:
        if checkpoint and all(isinstance(key, str) and isinstance(value, np.ndarray)
                              for key, value in checkpoint.items()):
            return ("it holds weights only (as mt.save(model.state_dict()) writes): load them with "
                    "model.load_state_dict(mt.load(path)); a run's last.npz and best.npz are its checkpoints")
        return f"it has no format = {FORMAT!r} entry"
    if checkpoint.get("version") != VERSION:
        return f"it has version {checkpoint.get('version')!r}; this minitorch_nn reads version {VERSION}"
    missing = [key for key in REQUIRED_KEYS if key not in checkpoint]
    if missing:
        return f"it lacks {', '.join(map(repr, missing))}"
    for check in (_epoch_problem, _model_problem, _optimizer_problem, _scheduler_problem, _rng_problem,
                  _history_problem, _best_problem, _config_problem):
        problem = check(checkpoint)
        if problem:
            return problem
    return None


# ---------------------------------------------------------------------------- one entry each
def _epoch_problem(checkpoint) -> str | None:
    return _whole_number_problem("'epoch'", checkpoint["epoch"])


def _model_problem(checkpoint) -> str | None:
    return _weights_problem("'model'", checkpoint["model"])


def _optimizer_problem(checkpoint) -> str | None:
    optimizer = checkpoint["optimizer"]
    if not isinstance(optimizer, dict) or not {"state", "param_groups"} <= optimizer.keys():
        return "its 'optimizer' is not an optimiser state (a dict with 'state' and 'param_groups')"
    groups, state = optimizer["param_groups"], optimizer["state"]
    if not isinstance(groups, list) or not groups or not all(isinstance(group, dict) for group in groups):
        return "its optimiser's 'param_groups' is not a list of dicts"
    for index, group in enumerate(groups):
        params = group.get("params")
        if not isinstance(params, list) or not all(_is_whole(p) for p in params):
            return f"its optimiser's param_groups[{index}] has no list of parameter numbers"
        if not all(isinstance(key, str) for key in group):
            return f"its optimiser's param_groups[{index}] has a key that is not a name"
    if not isinstance(state, dict):
        return "its optimiser's 'state' is not a dict"
    for key, values in state.items():
        if not (_is_whole(key) or (isinstance(key, str) and key.isdigit())) or not isinstance(values, dict):
            return f"its optimiser's state {key!r} is not a parameter's state"
        for name, value in values.items():
            if not (isinstance(value, np.ndarray) and value.dtype.kind in "fiub") and not _is_number(value):
                return f"its optimiser's state {key}.{name} is a {_kind(value)}, not an array or a number"
    return None


def _scheduler_problem(checkpoint) -> str | None:
    scheduler = checkpoint["scheduler"]
    if scheduler is not None and not (isinstance(scheduler, dict) and all(isinstance(k, str) for k in scheduler)):
        return f"its 'scheduler' is a {_kind(scheduler)}, not a scheduler state (a dict) or None"
    return None


def _rng_problem(checkpoint) -> str | None:
    state = checkpoint["rng"]
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        return f"its 'rng' is not a random-generator state (bit_generator {name!r})"
    try:
        getattr(np.random, name)().state = state
    except Exception as error:  # numpy says what it does not like, in its own exception types
        return f"its random-generator state is unusable ({type(error).__name__}: {error})"
    return None


def _history_problem(checkpoint) -> str | None:
    history = checkpoint["history"]
    if not isinstance(history, dict) or not {"epochs", "iteration_loss"} <= history.keys():
        return "its 'history' is not a training history (a dict with 'epochs' and 'iteration_loss')"
    epochs, losses = history["epochs"], history["iteration_loss"]
    if not isinstance(epochs, list) or len(epochs) != checkpoint["epoch"]:
        return f"its history does not list one record per finished epoch ({checkpoint['epoch']})"
    for number, record in enumerate(epochs, start=1):
        if not isinstance(record, dict) or set(record) != set(EPOCH_FIELDS):
            return f"its history record {number} does not have the fields {', '.join(EPOCH_FIELDS)}"
        bad = [field for field in EPOCH_FIELDS if not _is_number(record[field])]
        if record["epoch"] != number:
            bad.insert(0, "epoch")
        if bad:
            return f"its history record {number} has a bad {bad[0]} ({record[bad[0]]!r})"
    if not (isinstance(losses, np.ndarray) and losses.ndim == 1 and losses.dtype.kind in "fi"):
        return f"its history's 'iteration_loss' is a {_kind(losses)}, not a 1-D array of numbers"
    return None


def _best_problem(checkpoint) -> str | None:
    best = checkpoint["best"]
    if not isinstance(best, dict) or not {"epoch", "val_accuracy", "model"} <= best.keys():
        return "its 'best' is not a record of the best epoch (a dict with 'epoch', 'val_accuracy', 'model')"
    if best["epoch"] is not None:
        problem = _whole_number_problem("best epoch", best["epoch"])
        if problem or not 1 <= best["epoch"] <= checkpoint["epoch"]:
            return problem or f"its best epoch {best['epoch']} is not one of the {checkpoint['epoch']} trained"
        if not _is_number(best["val_accuracy"]):
            return f"its best validation accuracy is a {_kind(best['val_accuracy'])}, not a number"
        if best["model"] is None and best["epoch"] != checkpoint["epoch"]:
            return f"it records best epoch {best['epoch']} but not its weights"
    if best["model"] is not None:
        return _weights_problem("best weights", best["model"])
    return None


def _config_problem(checkpoint) -> str | None:
    config = checkpoint["config"]
    if not isinstance(config, dict) or not all(isinstance(key, str) for key in config):
        return f"its 'config' is a {_kind(config)}, not a config (a dict)"
    inference = checkpoint.get("inference", {})  # optional: how to use the trained model (load_trained)
    if not isinstance(inference, dict):
        return f"its 'inference' is a {_kind(inference)}, not a record (a dict)"
    return None


# ---------------------------------------------------------------------------- helpers
def _weights_problem(what: str, weights) -> str | None:
    if not isinstance(weights, dict) or not weights:
        return f"its {what} is a {_kind(weights)}, not a dict of named arrays"
    for key, value in weights.items():
        if not isinstance(key, str) or not (isinstance(value, np.ndarray) and value.dtype.kind in "fiub"):
            return f"its {what} entry {key!r} is a {_kind(value)}, not a numeric array"
    return None


def _whole_number_problem(what: str, value) -> str | None:
    if not _is_whole(value) or value < 0:
        return f"its {what} is the {_kind(value)} {value!r}, not a whole number >= 0"
    return None


def _is_whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    return type(value).__name__
