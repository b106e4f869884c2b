"""The optimisers ``train.py`` can build, by name: ``[optim] name = "adam"``.

Each is one ``Entry``: ``build(params, optim_table) -> Optimizer``, with the ``[optim]`` keys it
reads besides ``name`` and ``lr`` (keys several optimisers read are declared once, below, and
shared). ``unused_settings`` uses them to point out values the chosen optimiser ignores.
"""
from __future__ import annotations

from ..optim import SGD, Adagrad, Adam, AdamW, RMSprop
from .options import Option, betas, non_negative, positive, probability
from .registry import Entry, Registry

OPTIMIZERS = Registry("optimiser", "optim")

LR = Option(2e-3, "learning rate", "float", check=positive)  # read by every optimiser
MOMENTUM = Option(0.0, "momentum (sgd, rmsprop)", "float", check=probability)
NESTEROV = Option(False, "Nesterov momentum (sgd; needs momentum > 0)", "bool")
WEIGHT_DECAY = Option(0.0, "L2 penalty (decoupled for adamw)", "float", check=non_negative)
BETAS = Option([0.9, 0.999], "moment decay rates (adam, adamw)", "floats", check=betas)

OPTIMIZERS.add(Entry(
    name="sgd", summary="stochastic gradient descent, optionally with (Nesterov) momentum",
    build=lambda params, cfg: SGD(params, lr=cfg["lr"], momentum=cfg["momentum"], nesterov=cfg["nesterov"],
                                  weight_decay=cfg["weight_decay"]),
    options={"momentum": MOMENTUM, "nesterov": NESTEROV, "weight_decay": WEIGHT_DECAY},
    describe=lambda cfg: f"sgd{' (Nesterov)' if cfg['nesterov'] else ''}"
                         + (f" momentum {cfg['momentum']:g}" if cfg["momentum"] else ""),
))
OPTIMIZERS.add(Entry(
    name="rmsprop", summary="RMSprop",
    build=lambda params, cfg: RMSprop(params, lr=cfg["lr"], momentum=cfg["momentum"],
                                      weight_decay=cfg["weight_decay"]),
    options={"momentum": MOMENTUM, "weight_decay": WEIGHT_DECAY},
))
OPTIMIZERS.add(Entry(
    name="adagrad", summary="Adagrad",
    build=lambda params, cfg: Adagrad(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"]),
    options={"weight_decay": WEIGHT_DECAY},
))
OPTIMIZERS.add(Entry(
    name="adam", summary="Adam (weight_decay as an L2 penalty)",
    build=lambda params, cfg: Adam(params, lr=cfg["lr"], betas=tuple(cfg["betas"]), weight_decay=cfg["weight_decay"]),
    options={"betas": BETAS, "weight_decay": WEIGHT_DECAY},
))
OPTIMIZERS.add(Entry(
    name="adamw", summary="AdamW (decoupled weight decay)",
    build=lambda params, cfg: AdamW(params, lr=cfg["lr"], betas=tuple(cfg["betas"]), weight_decay=cfg["weight_decay"]),
    options={"betas": BETAS, "weight_decay": WEIGHT_DECAY},
))


def build_optimizer(params, optim_config: dict):
    """The optimiser ``optim_config["name"]`` over ``params``, with the config's settings."""
    return OPTIMIZERS[optim_config["name"]].build(list(params), optim_config)
