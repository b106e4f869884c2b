"""The optimisers ``train.py`` can build, by name: ``[optim] name = "adam"``.

Each is one ``Entry``: ``build(params, optim_table) -> Optimizer``, with the ``[optim]`` keys it
reads besides ``name`` and ``lr`` (keys several optimisers read are declared once, below, and
shared). ``unused_settings`` uses them to point out values the chosen optimiser ignores. An entry
may give a shared key its own default (the classic momentum rules read ``momentum`` with the
course's 0.9): a config that leaves the key out gets the chosen entry's default.

The ``classic_*`` entries are the course's ``(w, dw, config)`` update rules
(``mt.optim.update_rules``) driven by ``mt.optim.UpdateRule``, as the course ``Solver``'s
``update_rule``. The prefix keeps them apart from the PyTorch optimisers: their state and
conventions are the course's (``sgd_momentum``'s velocity includes the learning rate, PyTorch's
momentum buffer does not, so the two part ways once the lr changes; none has weight decay).
"""
from __future__ import annotations

from ..optim import SGD, Adagrad, Adam, AdamW, RMSprop, UpdateRule
from .options import Option, betas, non_negative, positive, probability
from .registry import Entry, Registry

OPTIMIZERS = Registry("optimiser", "optim")

LR = Option(2e-3, "learning rate", "float", check=positive)  # read by every optimiser
MOMENTUM = Option(0.0, "momentum (sgd, rmsprop; classic_sgd_momentum, classic_sgd_nesterov_momentum: 0.9 "
                  "unless set)", "float", check=probability)
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

# The course's update rules. Their momentum defaults to the course's 0.9, not to sgd's 0.
CLASSIC_MOMENTUM = Option(0.9, MOMENTUM.help, "float", check=probability)
DECAY_RATE = Option(0.99, "decay rate of the squared-gradient average (classic_rmsprop)", "float", check=probability)


def _classic(rule: str, summary: str, options: dict, config) -> Entry:
    return Entry(name=f"classic_{rule}", summary=f"the course's {rule} update rule: {summary}",
                 build=lambda params, cfg: UpdateRule(params, rule=rule, config={"learning_rate": cfg["lr"],
                                                                                 **config(cfg)}),
                 options=options, describe=lambda cfg: f"classic {rule} (course update rule)")


OPTIMIZERS.add(_classic("sgd", "w -= lr * dw", {}, lambda cfg: {}))
OPTIMIZERS.add(_classic("sgd_momentum", "v = momentum * v - lr * dw; w += v", {"momentum": CLASSIC_MOMENTUM},
                        lambda cfg: {"momentum": cfg["momentum"]}))
OPTIMIZERS.add(_classic("sgd_nesterov_momentum", "the look-ahead form of Nesterov momentum",
                        {"momentum": CLASSIC_MOMENTUM}, lambda cfg: {"momentum": cfg["momentum"]}))
OPTIMIZERS.add(_classic("rmsprop", "a = decay_rate * a + (1 - decay_rate) * dw**2; w -= lr * dw / (sqrt(a) + 1e-8)",
                        {"decay_rate": DECAY_RATE}, lambda cfg: {"decay_rate": cfg["decay_rate"]}))
OPTIMIZERS.add(_classic("adam", "Adam with betas = [beta1, beta2], no weight decay", {"betas": BETAS},
                        lambda cfg: {"beta1": cfg["betas"][0], "beta2": cfg["betas"][1]}))


def build_optimizer(params, optim_config: dict):
    """The optimiser ``optim_config["name"]`` over ``params``, with the config's settings."""
    return OPTIMIZERS[optim_config["name"]].build(list(params), optim_config)
