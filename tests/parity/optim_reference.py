"""The optimiser and scheduler reference cases, shared by the tests that use them.

The reference trajectories in tests/fixtures/optim_reference.npz were computed by torch.optim
(scripts/make_optim_fixtures.py). A test module sets ``OPTIMIZERS`` (class names) or
``SCHEDULERS`` and asks for ``optim_case`` / ``sched_case`` (tests/conftest.py): it is then run
once per matching case of the fixture file.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim

FIXTURE_PATH = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "optim_reference.npz"
_cache: dict = {}


def reference_spec_and_arrays():
    if not _cache:
        with np.load(FIXTURE_PATH) as data:
            arrays = {key: data[key] for key in data.files}
        _cache["spec"] = json.loads(str(arrays.pop("spec")))
        _cache["arrays"] = arrays
    return _cache["spec"], _cache["arrays"]


class Reference:
    """The fixture file: spec, initial values, gradients and torch's results."""

    def __init__(self):
        self.spec, self.arrays = reference_spec_and_arrays()
        self.shapes = [tuple(s) for s in self.spec["shapes"]]
        self.steps = self.spec["steps"]
        self.init = [self.arrays[f"init/p{i}"] for i in range(len(self.shapes))]
        self.grads = [self.arrays[f"grads/p{i}"] for i in range(len(self.shapes))]

    def has_grad(self, param: int, t: int) -> bool:
        skip = self.spec["skip"]
        if param in skip["never"]:
            return False
        return not (param == skip["param"] and t % skip["every"] == skip["phase"])

    def trajectory(self, case) -> np.ndarray:
        return self.arrays[f"optim/{case['name']}"]

    def lrs(self, case) -> np.ndarray:
        return self.arrays[f"sched/{case['name']}"]

    # -- minitorch_nn side ------------------------------------------------------------
    def make_params(self, dtype=np.float64) -> list:
        return [mt.Parameter(x.astype(dtype, copy=True)) for x in self.init]

    def make_optimizer(self, case, params):
        kwargs = dict(case["kwargs"])
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        if "groups" in case:
            groups = [{**{k: tuple(v) if k == "betas" else v for k, v in g.items() if k != "params"},
                       "params": [params[i] for i in g["params"]]} for g in case["groups"]]
        else:
            groups = params
        return getattr(optim, case["optimizer"])(groups, **kwargs)

    def feed_grads(self, params, t: int, dtype=np.float64) -> None:
        for i, p in enumerate(params):
            p.grad = self.grads[i][t].astype(dtype, copy=True) if self.has_grad(i, t) else None

    def run(self, case, dtype=np.float64, steps=None) -> np.ndarray:
        """Flattened parameters before the first step and after every step."""
        params = self.make_params(dtype)
        opt = self.make_optimizer(case, params)
        rows = [flatten(params)]
        for t in range(self.steps if steps is None else steps):
            self.feed_grads(params, t, dtype)
            opt.step()
            rows.append(flatten(params))
        return np.stack(rows)

    # -- live PyTorch side ----------------------------------------------------------
    def run_torch(self, case, dtype=np.float64) -> np.ndarray:
        torch = pytest.importorskip("torch")
        tdtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
        params = [torch.tensor(x, dtype=tdtype) for x in self.init]
        fix = lambda d: {k: tuple(v) if k == "betas" else v for k, v in d.items()}  # noqa: E731
        if "groups" in case:
            groups = [{**fix({k: v for k, v in g.items() if k != "params"}),
                       "params": [params[i] for i in g["params"]]} for g in case["groups"]]
        else:
            groups = params
        opt = getattr(torch.optim, case["optimizer"])(groups, **fix(case["kwargs"]), foreach=False)
        rows = [np.concatenate([p.numpy().ravel() for p in params])]
        for t in range(self.steps):
            for i, p in enumerate(params):
                p.grad = torch.tensor(self.grads[i][t], dtype=tdtype) if self.has_grad(i, t) else None
            opt.step()
            rows.append(np.concatenate([p.numpy().ravel() for p in params]))
        return np.stack(rows)


def flatten(params) -> np.ndarray:
    return np.concatenate([p.data.ravel() for p in params])


def lr_lambda(encoded):
    """A LambdaLR function from the fixture's JSON form (as scripts/make_optim_fixtures.py):
    {"factors": [...]} (the last one holds after the list ends) or {"power": g} (g ** epoch)."""
    if isinstance(encoded, list):
        return [lr_lambda(item) for item in encoded]
    if "factors" in encoded:
        factors = encoded["factors"]
        return lambda epoch: factors[min(epoch, len(factors) - 1)]
    return lambda epoch: encoded["power"] ** epoch


def make_scheduler(module, optimizer, name: str, kwargs: dict):
    """Scheduler ``name`` of ``module`` (minitorch_nn's or torch's lr_scheduler) from a case's kwargs."""
    kwargs = dict(kwargs)
    if "lr_lambda" in kwargs:
        kwargs["lr_lambda"] = lr_lambda(kwargs["lr_lambda"])
    if "max_lr" in kwargs and isinstance(kwargs["max_lr"], list):
        kwargs["max_lr"] = list(kwargs["max_lr"])
    if name == "SequentialLR":
        kwargs["schedulers"] = [make_scheduler(module, optimizer, inner, inner_kwargs)
                                for inner, inner_kwargs in kwargs["schedulers"]]
    return getattr(module, name)(optimizer, **kwargs)

