"""Optimisers and learning-rate schedules by name, as ``[optim] name`` and ``[schedule] name`` give them.

``OPTIMIZERS[name](params, optim_config)`` and ``SCHEDULERS[name](optimizer, schedule_config,
epochs)`` build the ``mt.optim`` objects; ``unused_settings`` lists config values that the chosen
optimiser or schedule ignores, so the CLI can say so instead of silently dropping them.
"""
from __future__ import annotations

from typing import Callable


def _sgd(params, cfg: dict):
    from ..optim import SGD

    return SGD(params, lr=cfg["lr"], momentum=cfg["momentum"], nesterov=cfg["nesterov"],
               weight_decay=cfg["weight_decay"])


def _rmsprop(params, cfg: dict):
    from ..optim import RMSprop

    return RMSprop(params, lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=cfg["weight_decay"])


def _adagrad(params, cfg: dict):
    from ..optim import Adagrad

    return Adagrad(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])


def _adam(params, cfg: dict):
    from ..optim import Adam

    return Adam(params, lr=cfg["lr"], betas=tuple(cfg["betas"]), weight_decay=cfg["weight_decay"])


def _adamw(params, cfg: dict):
    from ..optim import AdamW

    return AdamW(params, lr=cfg["lr"], betas=tuple(cfg["betas"]), weight_decay=cfg["weight_decay"])


OPTIMIZERS: dict[str, Callable] = {"sgd": _sgd, "rmsprop": _rmsprop, "adagrad": _adagrad,
                                   "adam": _adam, "adamw": _adamw}
# The [optim] keys each optimiser reads (besides name and lr).
_OPTIMIZER_KEYS = {"sgd": {"momentum", "nesterov", "weight_decay"}, "rmsprop": {"momentum", "weight_decay"},
                   "adagrad": {"weight_decay"}, "adam": {"betas", "weight_decay"},
                   "adamw": {"betas", "weight_decay"}}


def _no_schedule(optimizer, cfg: dict, epochs: int):
    return None


def _step(optimizer, cfg: dict, epochs: int):
    from ..optim.lr_scheduler import StepLR

    return StepLR(optimizer, step_size=cfg["step_size"], gamma=cfg["gamma"])


def _exponential(optimizer, cfg: dict, epochs: int):
    from ..optim.lr_scheduler import ExponentialLR

    return ExponentialLR(optimizer, gamma=cfg["gamma"])


def _cosine(optimizer, cfg: dict, epochs: int):
    from ..optim.lr_scheduler import CosineAnnealingLR

    return CosineAnnealingLR(optimizer, T_max=cfg["t_max"] or epochs, eta_min=cfg["eta_min"])


def _plateau(optimizer, cfg: dict, epochs: int):
    from ..optim.lr_scheduler import ReduceLROnPlateau

    return ReduceLROnPlateau(optimizer, mode="min", factor=cfg["gamma"], patience=cfg["patience"])


SCHEDULERS: dict[str, Callable] = {"none": _no_schedule, "step": _step, "exponential": _exponential,
                                   "cosine": _cosine, "plateau": _plateau}
_SCHEDULE_KEYS = {"none": set(), "step": {"gamma", "step_size"}, "exponential": {"gamma"},
                  "cosine": {"t_max", "eta_min"}, "plateau": {"gamma", "patience"}}


def build_optimizer(params, optim_config: dict):
    """The optimiser ``optim_config["name"]`` over ``params``, with the config's settings."""
    return OPTIMIZERS[optim_config["name"]](list(params), optim_config)


def build_scheduler(optimizer, schedule_config: dict, epochs: int):
    """The per-epoch schedule ``schedule_config["name"]`` (None for ``"none"``); ``epochs`` is
    the cosine period when ``t_max`` is 0."""
    return SCHEDULERS[schedule_config["name"]](optimizer, schedule_config, epochs)


def unused_settings(config: dict) -> list[str]:
    """``["optim.momentum = 0.9 is not used by adam", ...]``: values that differ from the
    defaults but that the chosen optimiser or schedule does not read."""
    from ..config import schema

    notes = []
    sections = schema(config["model"]["kind"])
    for section, used in (("optim", _OPTIMIZER_KEYS[config["optim"]["name"]]),
                          ("schedule", _SCHEDULE_KEYS[config["schedule"]["name"]])):
        for key, value in config[section].items():
            if key in ("name", "lr") or key in used:
                continue
            if value != sections[section][key].default:
                notes.append(f"{section}.{key} = {value!r} is not used by {section} {config[section]['name']!r}")
    return notes
