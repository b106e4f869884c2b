"""``UpdateRule``: the course's ``(w, dw, config)`` update rules as an ``Optimizer``.

The course's ``Solver`` takes ``update_rule="sgd_momentum"`` and an ``optim_config`` dict, and
keeps one copy of that config per weight array, into which the rule writes its running state
(``velocity``, ``a``, ``v``, ``t``). ``UpdateRule`` does the same for ``Parameter``s, so the
classic rules drive a ``Trainer`` (and take schedulers and checkpoints) like any optimiser::

    optimizer = optim.UpdateRule(model.parameters(), rule="sgd_momentum",
                                 config={"learning_rate": 1e-2, "momentum": 0.9})
    trainer = mt.Trainer(model, mt.CrossEntropyLoss(), optimizer)
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from . import update_rules
from .optimizer import Optimizer

__all__ = ["UpdateRule", "RULES"]

RULES: dict[str, Callable] = {name: getattr(update_rules, name) for name in update_rules.__all__}


class UpdateRule(Optimizer):
    """Train with a classic update rule ``rule(w, dw, config) -> (next_w, config)``.

    Args:
        params: ``model.parameters()`` or parameter groups, as for every optimiser.
        rule: ``"sgd"``, ``"sgd_momentum"``, ``"sgd_nesterov_momentum"``, ``"rmsprop"``,
            ``"adam"`` (the rules of ``mt.optim.update_rules``), or any function with that
            interface.
        config: the rule's hyper-parameters, e.g. ``{"learning_rate": 1e-3, "beta1": 0.9}``;
            left-out ones take the rule's defaults. Each parameter gets its own copy, as in the
            course ``Solver``.

    The config's ``learning_rate`` is the group's ``lr`` (so a scheduler, or
    ``param_groups[0]["lr"] = ...``, changes it, like the ``Solver``'s ``lr_decay``); the other
    hyper-parameters are group entries too. The rule's running state (``velocity``, ``a``,
    ``v``, ``t``) is the optimiser's ``state``, saved by ``state_dict``. The weights are
    updated in place with the rule's ``next_w``, in the parameter's dtype.
    """

    def __init__(self, params: Iterable, rule: str | Callable = "sgd", config: dict | None = None) -> None:
        self.rule, self.rule_name = _resolve_rule(rule)
        config = dict(config or {})
        arrays = [key for key, value in config.items() if isinstance(value, np.ndarray)]
        if arrays:
            raise ValueError(f"UpdateRule: config holds hyper-parameters only; {', '.join(arrays)} is the "
                             f"rule's running state, which each parameter keeps for itself")
        # Run the rule once on a dummy weight to learn its defaults (learning_rate among them).
        _, defaults = self.rule(np.zeros(1), np.zeros(1), dict(config))
        hyper = {key: value for key, value in defaults.items() if not isinstance(value, np.ndarray)
                 and key not in _STATE_COUNTERS}
        if "learning_rate" not in hyper:
            raise ValueError(f"UpdateRule: rule {self.rule_name!r} sets no learning_rate; give one in config")
        lr = hyper.pop("learning_rate")
        if not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"UpdateRule: config learning_rate must be a positive number, got {lr!r}")
        super().__init__(params, {"lr": lr, **hyper})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        # The Solver's call, w, config = update_rule(w, dw, config), with this parameter's config:
        # the group's hyper-parameters plus the state the rule left last time.
        hyper = {key: value for key, value in group.items() if key not in _GROUP_BOOKKEEPING}
        config = {**hyper, "learning_rate": group["lr"], **state}
        next_w, config = self.rule(param, grad, config)
        np.copyto(param, next_w, casting="same_kind")
        state.clear()
        state.update((key, value) for key, value in config.items() if key not in hyper and key != "learning_rate")

    def __repr__(self) -> str:
        return super().__repr__().replace("UpdateRule (", f"UpdateRule (rule={self.rule_name!r}", 1)


# Entries of a group that are not the rule's hyper-parameters.
_GROUP_BOOKKEEPING = ("params", "param_names", "lr", "initial_lr")
# Running state that is a number rather than an array (adam's step count).
_STATE_COUNTERS = ("t",)


def _resolve_rule(rule) -> tuple[Callable, str]:
    if callable(rule):
        return rule, getattr(rule, "__name__", repr(rule))
    if rule not in RULES:
        raise ValueError(f"UpdateRule: unknown rule {rule!r}; choose one of {', '.join(RULES)}, "
                         f"or pass a function update(w, dw, config) -> (next_w, config)")
    return RULES[rule], rule
