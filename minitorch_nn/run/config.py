"""Run configurations for ``train.py``: the schema, validation, and TOML reading / writing.

A configuration is a small nested dict, one table per section, as in ``configs/*.toml``::

    name = "mnist_mlp"
    [data]      dataset, val_size, batch_size, augment, crop_padding, normalize
    [model]     kind, and the keys of that kind (for "mlp": hidden, activation, batchnorm, ...)
    [optim]     name, lr, and the keys the optimisers read (momentum, nesterov, weight_decay, betas)
    [schedule]  name, and the keys the schedules read (gamma, step_size, t_max, eta_min, patience;
                plans, which --resume --epochs writes)
    [train]     epochs, seed, restore_best, clip_grad_norm, label_smoothing, threads, sync_batchnorm

The choices (data sets, model kinds, optimisers, schedules) and the keys they read come from
their registries; ``resolve_config`` starts from the defaults (which are the MNIST MLP recipe,
so a bare ``python train.py`` trains it), applies a config file, then command-line overrides,
and checks every key and value; a mistake raises ``ConfigError`` naming the key, where it came
from, and the valid keys or values. ``to_toml`` writes the resolved config back (TOML has no
writer in the standard library; this config only needs scalars and flat lists).
"""
from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

from ..serialization import atomic_writer
from .data_pipeline import AUGMENTATIONS
from .datasets import DATASETS
from .model_kinds import MODEL_KINDS
from .optimizers import LR, OPTIMIZERS
from .options import ConfigError, Option, non_negative, plain_name, positive, probability, val_size
from .registry import did_you_mean
from .schedules import SCHEDULES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ConfigError", "schema", "default_config", "read_toml", "resolve_config", "to_toml", "to_toml_value",
           "write_config"]

TOP_LEVEL = {
    "name": Option("", "run name; the run folder is <out>/<name>-<timestamp> (\"\": <dataset>_<model kind>)", "str",
                   check=plain_name),
}


def schema(model_kind: str = "mlp") -> dict[str, dict[str, Option]]:
    """Every section's options, ``[model]`` being those of ``model_kind`` plus ``kind``."""
    return {
        "data": {
            "dataset": Option("mnist", "data set", "str", tuple(DATASETS)),
            "val_size": Option(0.1, "validation images taken from the training set: a count or a fraction",
                               "size", check=val_size),
            "batch_size": Option(128, "training batch size", "int", check=positive),
            "augment": Option(["crop"], "training augmentation, applied in this order", "strs", AUGMENTATIONS),
            "crop_padding": Option(1, "pixels of zero padding for the 'crop' augmentation", "int",
                                   check=non_negative),
            "normalize": Option("standardize", "per channel, training-split statistics: standardize = "
                                "(x - mean) / std, center = x - mean (the classic course), none", "str",
                                ("standardize", "center", "none")),
        },
        "model": {
            "kind": Option("mlp", "model architecture", "str", tuple(MODEL_KINDS)),
            **MODEL_KINDS[model_kind].options,
        },
        "optim": {
            "name": Option("adam", "optimiser", "str", tuple(OPTIMIZERS)),
            "lr": LR,
            **OPTIMIZERS.all_options(),
        },
        "schedule": {
            "name": Option("cosine", "learning-rate schedule, stepped once per epoch", "str", tuple(SCHEDULES)),
            **SCHEDULES.all_options(),
        },
        "train": {
            "epochs": Option(20, "epochs to train in total", "int", check=positive),
            "seed": Option(0, "seeds initialisation, dropout, the split and the batch order", "int",
                           check=non_negative),
            "restore_best": Option(True, "end with the weights of the best validation epoch", "bool"),
            "clip_grad_norm": Option(0.0, "clip the global gradient norm to this (0: off)", "float",
                                     check=non_negative),
            "label_smoothing": Option(0.0, "label smoothing of the cross-entropy loss", "float",
                                      check=probability),
            "threads": Option(0, "BLAS threads for the matrix products (0: the library's default, one per core; "
                              "1 is faster on a busy machine)", "int", check=non_negative),
            "sync_batchnorm": Option(False, "under mpiexec: BatchNorm statistics over the global batch (all "
                                     "ranks) instead of each rank's share", "bool"),
        },
    }


def default_config() -> dict:
    """The defaults: the MNIST MLP recipe (``configs/mnist_mlp.toml`` without its name)."""
    return resolve_config()


def unused_settings(config: dict) -> list[str]:
    """``["optim.momentum = 0.9 is not used by optim 'adam'", ...]``: values that differ from the
    defaults but that the chosen optimiser or schedule does not read."""
    notes = []
    sections = schema(config["model"]["kind"])
    for section, registry in (("optim", OPTIMIZERS), ("schedule", SCHEDULES)):
        used = registry[config[section]["name"]].options
        for key, value in config[section].items():
            if key in ("name", "lr") or key in used:
                continue
            if value != sections[section][key].default:
                notes.append(f"{section}.{key} = {value!r} is not used by {section} {config[section]['name']!r}")
    return notes


# ---------------------------------------------------------------------------- reading
def read_toml(path: str | os.PathLike) -> dict:
    """Parse a TOML file; a missing, unreadable or non-TOML file raises ``ConfigError``."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist; "
                          f"pick one of configs/*.toml or give a path to your own") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a folder; give a .toml file, e.g. configs/mnist_mlp.toml") from None
    except OSError as error:
        raise ConfigError(f"config file {path} cannot be read ({error.strerror or error}); "
                          f"check its permissions") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not a text file; give a .toml file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None


def resolve_config(raw: dict | None = None, overrides: dict[str, tuple[Any, str]] | None = None,
                   source: str = "the config") -> dict:
    """Merge defaults ← ``raw`` (a parsed TOML file) ← ``overrides``, and validate everything.

    Args:
        raw: ``{"name": ..., "data": {...}, ...}`` as ``tomllib`` parses it; may be partial.
        overrides: ``{"optim.lr": (0.01, "--lr"), ...}``: dotted keys, each with the flag that
            set it, so error messages can point at it.
        source: where ``raw`` came from (a file name), for error messages.

    Returns:
        The full config, every section and key present, in the schema's order.

    Raises:
        ConfigError: an unknown section or key (with the valid ones and a close match), or
            a value of the wrong type or out of range (with the valid values).
    """
    raw = raw or {}
    overrides = overrides or {}
    sections = schema(_model_kind(raw, overrides, source))
    _check_keys(raw, sections, source)

    config: dict[str, Any] = {}
    for key, option in TOP_LEVEL.items():
        config[key] = _validate(key, raw.get(key, option.default), option, f"in {source}")
    for section, options in sections.items():
        given = raw.get(section, {})
        config[section] = {
            key: _validate(f"{section}.{key}", given.get(key, option.default), option, f"in {source}")
            for key, option in options.items()
        }
    for dotted, (value, flag) in overrides.items():
        section, _, key = dotted.rpartition(".")
        options = sections[section] if section else TOP_LEVEL
        if key not in options:  # e.g. --hidden with a conv net, whose [model] has no hidden
            raise ConfigError(f"{flag} sets {dotted}, which this config does not have; valid keys in "
                              f"[{section}]: {', '.join(options)}")
        target = config[section] if section else config
        target[key] = _validate(dotted, value, options[key], f"(from {flag})")
    _apply_entry_defaults(config, raw, overrides)
    if config["optim"]["nesterov"] and config["optim"]["momentum"] == 0:
        raise ConfigError("config value optim.nesterov = true needs momentum: set optim.momentum > 0 "
                          "(e.g. momentum = 0.9), or nesterov = false")
    _check_plans(config)
    return config


def _apply_entry_defaults(config: dict, raw: dict, overrides: dict) -> None:
    """Keys that neither the file nor a flag set take the chosen optimiser's or schedule's own
    default where it declares one (``classic_sgd_momentum`` reads ``momentum`` with 0.9)."""
    for section, registry in (("optim", OPTIMIZERS), ("schedule", SCHEDULES)):
        given = raw.get(section) or {}
        for key, option in registry[config[section]["name"]].options.items():
            if key not in given and f"{section}.{key}" not in overrides:
                config[section][key] = option.default


def _check_plans(config: dict) -> None:
    """``schedule.plans`` (written by an extended run) must fit ``t_max`` and ``train.epochs``."""
    plans, epochs = config["schedule"]["plans"], config["train"]["epochs"]
    if not plans:
        return
    if config["schedule"]["t_max"]:
        raise ConfigError(f"config value schedule.plans = {to_toml_value(plans)} needs schedule.t_max = 0 "
                          f"(the plans replace it); remove plans to use t_max")
    if not plans[-1][0] <= epochs <= plans[-1][1]:
        raise ConfigError(f"config value schedule.plans = {to_toml_value(plans)} ends at epoch {plans[-1][1]}, "
                          f"but train.epochs = {epochs}; extend a run with --resume CKPT --epochs N (which "
                          f"writes the plans), or remove plans for a cosine over train.epochs")


def _model_kind(raw: dict, overrides: dict, source: str) -> str:
    """``model.kind`` (from the overrides, the file or the default), checked: it decides
    which other keys ``[model]`` accepts."""
    if "model.kind" in overrides:
        kind, flag = overrides["model.kind"]
        where = f"(from {flag})"
    else:
        model = raw.get("model")
        kind = model.get("kind", "mlp") if isinstance(model, dict) else "mlp"
        where = f"in {source}"
    if not isinstance(kind, str) or kind not in MODEL_KINDS:
        raise ConfigError(f"config value model.kind = {_show(kind)} {where} is not valid; valid values: "
                          f"{', '.join(MODEL_KINDS)}{did_you_mean(str(kind), MODEL_KINDS)}")
    return kind


def _check_keys(raw: dict, sections: dict[str, dict[str, Option]], source: str) -> None:
    """Raise ``ConfigError`` for the first unknown section or key in ``raw``."""
    for name, value in raw.items():
        if isinstance(value, dict):
            if name not in sections:
                raise ConfigError(f"config section [{name}] in {source} is not known; valid sections: "
                                  f"{', '.join(sections)}{did_you_mean(name, sections)}")
            for key in value:
                if key not in sections[name]:
                    raise ConfigError(
                        f"config key {key!r} in {source} is not known; valid keys in [{name}]: "
                        f"{', '.join(sections[name])}{did_you_mean(key, sections[name])}")
        elif name not in TOP_LEVEL:
            home = [section for section, options in sections.items() if name in options]
            hint = f"; it belongs in [{home[0]}]" if home else did_you_mean(name, TOP_LEVEL)
            raise ConfigError(f"config key {name!r} in {source} is not known at the top level; valid top-level "
                              f"keys: {', '.join(TOP_LEVEL)}, and the sections {', '.join(sections)}{hint}")


_TYPE_WORDS = {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a string",
               "ints": "a list of integers", "floats": "a list of numbers", "strs": "a list of strings",
               "size": "an integer count or a fraction", "int_pairs": "a list of [integer, integer] pairs"}


def _validate(dotted: str, value, option: Option, where: str):
    """Return ``value`` converted to the option's type, or raise ``ConfigError``."""
    def fail(problem: str) -> ConfigError:
        return ConfigError(f"config value {dotted} = {_show(value)} {where} {problem}")

    converted = _convert(value, option.type)
    if converted is None:
        example = to_toml_value(option.default)
        raise fail(f"is not {_TYPE_WORDS[option.type]}; e.g. {dotted.rpartition('.')[2]} = {example}")
    if option.choices is not None:
        items = converted if isinstance(converted, list) else [converted]
        bad = [item for item in items if item not in option.choices]
        if bad:
            shown = _show(bad[0]) if isinstance(converted, list) else ""
            raise fail(f"{'has ' + shown + ', which ' if shown else ''}is not valid; valid values: "
                       f"{', '.join(option.choices)}{did_you_mean(str(bad[0]), option.choices)}")
    if option.check is not None:
        problem = option.check(converted)
        if problem:
            raise fail(problem)
    return converted


def _convert(value, kind: str):
    """``value`` as ``kind``, or None if it is not of that type (ints are fine as floats)."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    is_number = is_int or (isinstance(value, float) and math.isfinite(value))
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind == "int":
        return value if is_int else None
    if kind == "float":
        return float(value) if is_number else None
    if kind == "size":
        return value if is_int else float(value) if is_number else None
    if kind == "str":
        return value if isinstance(value, str) else None
    if kind in ("ints", "floats", "strs") and isinstance(value, (list, tuple)):
        items = [_convert(item, kind[:-1]) for item in value]
        return None if any(item is None for item in items) else items
    if kind == "int_pairs" and isinstance(value, (list, tuple)):
        pairs = [_convert(item, "ints") if isinstance(item, (list, tuple)) and len(item) == 2 else None
                 for item in value]
        return None if any(pair is None for pair in pairs) else pairs
    return None


def _show(value) -> str:
    return to_toml_value(value) if isinstance(value, (bool, int, float, str, list)) else repr(value)


# ---------------------------------------------------------------------------- writing
def to_toml_value(value) -> str:
    """One TOML value: booleans, integers, floats, strings and flat lists of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr is the shortest round-tripping form; TOML spells the special values the same way.
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else
                                                          "inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are valid TOML basic-string escapes
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_toml_value(item) for item in value) + "]"
    raise TypeError(f"to_toml_value: TOML cannot hold a {type(value).__name__} ({value!r})")


def to_toml(config: dict, comments: bool = True, header: str | None = None) -> str:
    """Write a config (top-level keys, then one ``[section]`` per dict) as TOML text.

    With ``comments``, each known key gets its help line, so a run's ``config.toml`` explains
    itself. ``tomllib.loads(to_toml(c)) == c`` for every resolved config.
    """
    kind = config.get("model", {}).get("kind", "mlp")
    try:
        known = {"": TOP_LEVEL, **schema(kind)} if comments else {}
    except KeyError:
        known = {}
    lines = [f"# {line}" for line in header.splitlines()] if header else []

    def emit(section: str, table: dict) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                continue
            text = f"{_toml_key(key)} = {to_toml_value(value)}"
            option = known.get(section, {}).get(key)
            lines.append(f"{text:<34}  # {option.help}" if option else text)

    emit("", config)
    for section, table in config.items():
        if isinstance(table, dict):
            lines.append("")
            lines.append(f"[{_toml_key(section)}]")
            emit(section, table)
    return "\n".join(lines) + "\n"


def write_config(config: dict, path: str | os.PathLike, header: str | None = None) -> None:
    """Write ``to_toml(config)`` to ``path`` (atomically)."""
    with atomic_writer(path, "w", encoding="utf-8") as file:
        file.write(to_toml(config, header=header))


def _toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key)
    return key if bare else json.dumps(key)
