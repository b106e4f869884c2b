"""`Optimizer`: the loop and the bookkeeping every optimiser shares.

The base class owns the parameter groups, the per-parameter state, ``zero_grad``,
``step``'s loop over parameters and ``state_dict`` / ``load_state_dict``. A subclass
only validates its hyper-parameters and implements ``_update``, the formula for one
parameter, mirroring ``torch.optim``'s single-tensor (``foreach=False``) code.
"""
from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any, Callable, Iterable

import numpy as np

from ..kernels.inplace import add_scaled_
from ..kernels.workspace import Workspace
from ..parameter import Parameter
from .hyperparameters import check_hyperparameters

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must set itself (e.g. ``lr``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_SET_ERROR = (
    "optimizer parameters need to be organized in ordered collections, but the "
    "ordering of tensors in sets will change between runs. Please use a list instead."
)


def _typename(obj) -> str:
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _plain(value):
    """numpy scalars -> Python numbers, so a state_dict holds only plain types."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


class Optimizer:
    """Base class of all optimisers.

    Args:
        params: an iterable of ``Parameter``s (e.g. ``model.parameters()``), of
            ``(name, Parameter)`` pairs (``model.named_parameters()``), or of dicts, each a
            parameter group ``{"params": [...], "lr": ..., ...}`` whose entries override
            ``defaults``.
        defaults: the default hyper-parameters of every group.

    Attributes:
        param_groups: a list of dicts, each holding ``params`` and that group's
            hyper-parameters; change e.g. ``group["lr"]`` to change the learning rate.
        state: per-``Parameter`` dict of running state (momentum buffers, moments, step).

    Subclasses implement ``_update(param, grad, state, group)``: update the array
    ``param`` in place from ``grad``, never writing into ``grad``. ``step`` skips
    parameters whose ``.grad`` is None and hands in ``-grad`` for ``maximize=True``.
    They declare the rule of each hyper-parameter in ``hyperparameters`` (see
    ``hyperparameters.py``); the rules are checked for the constructor's arguments, every
    group added and every state loaded.
    """

    hyperparameters: dict[str, Any] = {}

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.check_hyperparameters({k: v for k, v in defaults.items() if v is not required})
        self.defaults = dict(defaults)
        self.state: defaultdict[Parameter, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._workspace = Workspace()  # scratch memory of the updates, owned by this optimiser

        if isinstance(params, (Parameter, np.ndarray)):
            raise TypeError(
                f"params argument given to the optimizer should be an iterable of Parameters "
                f"or dicts, but got {_typename(params)}; pass e.g. model.parameters() or [param]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_ERROR)
        groups = list(params)
        if len(groups) == 0:
            raise ValueError(
                "optimizer got an empty parameter list; "
                "check that the model has parameters (model.parameters() is not exhausted)"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k not in ("params", "param_names")):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones
        come from ``defaults``), e.g. to unfreeze layers while training."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry (a list of Parameters)")
        group = dict(param_group)
        group["params"], names = _parameters_and_names(group["params"])
        if names:
            group["param_names"] = names
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            group.setdefault(name, default)
        self.check_hyperparameters(group)
        self._check_new_group(group)
        self.param_groups.append(group)

    def check_hyperparameters(self, values: dict[str, Any]) -> None:
        """Raise ``TypeError`` / ``ValueError`` naming the first of ``values`` (hyper-parameters by name)
        that breaks its rule in ``hyperparameters``."""
        check_hyperparameters(type(self).__name__, self.hyperparameters, values)

    def _check_new_group(self, group: dict[str, Any]) -> None:
        """No parameter twice, in this group or across groups; names in all groups or in none."""
        params = group["params"]
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        if any(("param_names" in g) != ("param_names" in group) for g in self.param_groups):
            raise ValueError(
                "all optimizer param groups should be with/without names. cannot add param group "
                f"{'with' if 'param_names' in group else 'without'} names to the optimizer"
            )

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to None (default, as PyTorch) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every trainable parameter that has a ``.grad``; returns ``closure()`` if given."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            maximize = group.get("maximize", False)
            for p in group["params"]:
                grad = p.grad
                if grad is None or not p.requires_grad:
                    continue
                if grad.shape != p.data.shape:
                    raise ValueError(
                        f"{type(self).__name__}.step: {p!r} has a grad of shape {grad.shape}; "
                        f"expected the parameter's shape {p.data.shape}"
                    )
                if maximize:
                    grad = np.negative(grad, out=self._scratch("negated_grad", p.data))
                self._update(p.data, grad, self.state[p], group)
        return loss

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """Apply the optimiser's formula to one parameter, in place. Subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update(param, grad, state, group)")

    def _with_weight_decay(self, param: np.ndarray, grad: np.ndarray, weight_decay: float) -> np.ndarray:
        """``grad + weight_decay * param`` (the L2 penalty's gradient) in scratch memory, so
        ``.grad`` stays as backward left it; ``grad`` itself when ``weight_decay`` is 0."""
        if weight_decay == 0:
            return grad
        decayed = self._scratch("decayed_grad", param)
        np.copyto(decayed, grad)
        return add_scaled_(decayed, weight_decay, param, scratch=self._scratch("temporary", param))

    def _scratch(self, purpose: str, like: np.ndarray) -> np.ndarray:
        """An uninitialised array shaped like ``like`` for one temporary of one parameter's update,
        reused from step to step (see ``Workspace``); never part of the state."""
        return self._workspace.like(purpose, like)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimiser's state as plain data: copies of arrays, numbers, lists, tuples.

        Layout (as PyTorch)::

            {"state": {index: {"exp_avg": ndarray, "step": 3, ...}, ...},
             "param_groups": [{"lr": 0.001, ..., "params": [0, 1]}, ...]}

        Parameters are numbered in order across the groups; only parameters that have
        state appear under ``"state"``.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(_plain(v)) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {
                        k: v.copy() if isinstance(v, np.ndarray) else copy.deepcopy(_plain(v))
                        for k, v in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and state saved by ``state_dict`` into this optimiser.

        The optimiser must have been built over the same parameters, grouped the same way
        (parameters are matched by position). Arrays are copied (cast to the parameter's
        dtype). String keys (``"0"``, as a JSON round trip leaves them) are accepted.
        """
        self._check_state_dict(state_dict)
        saved_groups = state_dict["param_groups"]
        by_index: dict[int, Parameter] = {}
        for group, saved in zip(self.param_groups, saved_groups):
            for saved_index, p in zip(saved["params"], group["params"]):
                by_index[int(saved_index)] = p
        new_state: defaultdict[Parameter, dict[str, Any]] = defaultdict(dict)
        for key, values in state_dict["state"].items():
            index = int(key)
            if index not in by_index:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state refers to parameter {index}, but the saved "
                    f"param_groups list only parameters {sorted(by_index)}"
                )
            new_state[by_index[index]] = self._restored_state(values, by_index[index], index)
        groups = [self._restored_group(group, saved) for group, saved in zip(self.param_groups, saved_groups)]
        for group in groups:
            self.check_hyperparameters(group)
        self.param_groups = groups
        self.state = new_state

    def _check_state_dict(self, state_dict) -> None:
        """The layout ``state_dict()`` writes, with groups of the sizes this optimiser has."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups' "
                f"(from optimizer.state_dict()), got {_typename(state_dict)}"
                + (f" with keys {sorted(state_dict)}" if isinstance(state_dict, dict) else "")
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)} saved, {len(self.param_groups)} in this {name})"
            )
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group: group {i} has {len(saved['params'])} parameters saved, "
                    f"{len(group['params'])} in this {name}"
                )

    def _restored_state(self, values: dict, param: Parameter, index: int) -> dict[str, Any]:
        """A copy of one parameter's saved state; arrays checked against its shape and cast to its dtype."""
        restored = {}
        for key, value in values.items():
            if isinstance(value, np.ndarray):
                if value.shape != param.data.shape:
                    raise ValueError(
                        f"{type(self).__name__}.load_state_dict: state {key!r} of parameter {index} has shape "
                        f"{value.shape}, but the parameter has shape {param.data.shape}; was the "
                        f"optimizer built over the same model?"
                    )
                value = np.array(value, dtype=param.data.dtype if value.dtype.kind == "f" else value.dtype, copy=True)
            else:
                value = copy.deepcopy(value)
            restored[key] = value
        return restored

    def _restored_group(self, group: dict[str, Any], saved: dict[str, Any]) -> dict[str, Any]:
        """The saved hyper-parameters over this group's parameters (and names)."""
        new_group = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
        for k, default in self.defaults.items():
            if k not in new_group:
                new_group[k] = group[k]
            elif isinstance(default, tuple) and isinstance(new_group[k], list):
                new_group[k] = tuple(new_group[k])  # e.g. betas after a JSON round trip
        new_group["params"] = group["params"]
        if "param_names" in group and "param_names" not in new_group:
            new_group["param_names"] = group["param_names"]
        return new_group


def _parameters_and_names(params) -> tuple[list[Parameter], list[str]]:
    """A group's ``params`` as a list of Parameters, and their names when given as ``(name, param)`` pairs."""
    if isinstance(params, Parameter):
        params = [params]
    elif isinstance(params, (set, frozenset)):
        raise TypeError(_SET_ERROR)
    else:
        params = list(params)
    names = [p[0] for p in params if isinstance(p, tuple)]
    params = [p[1] if isinstance(p, tuple) else p for p in params]
    if names and len(names) != len(params):
        raise ValueError("all optimizer params should be with/without names. Some param names are missing")
    for p in params:
        if not isinstance(p, Parameter):
            raise TypeError(
                f"optimizer can only optimize Parameters, but one of the params is "
                f"{_typename(p)}; wrap arrays as mt.Parameter(array) or pass model.parameters()"
            )
    return params, names
