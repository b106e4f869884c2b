"""``ModelSpec``: a ready-made model's class and constructor arguments — enough to rebuild it.

A checkpoint that records one can be turned back into a working model without the config
machinery that built it (``minitorch_nn.training.load_trained``)::

    spec = ModelSpec("MLP", {"in_features": 784, "hidden_features": [512, 64], "out_features": 10})
    model = spec.build()
    model.load_state_dict(weights)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..module import Module
from .convnets import ConvNet, ThreeLayerConvNet
from .mlp import MLP

# The classes a spec may name: the models of this package.
MODELS: dict[str, type] = {"MLP": MLP, "ThreeLayerConvNet": ThreeLayerConvNet, "ConvNet": ConvNet}


@dataclass(frozen=True)
class ModelSpec:
    """A model of ``minitorch_nn.models`` by class name, with its constructor's keyword arguments
    (plain values only: numbers, strings, booleans, lists)."""

    name: str
    kwargs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in MODELS:
            raise ValueError(f"ModelSpec: {self.name!r} is not a model of minitorch_nn.models; "
                             f"known: {', '.join(MODELS)}")

    def build(self) -> Module:
        """A new model with freshly initialised weights (load the trained ones into it)."""
        return MODELS[self.name](**self.kwargs)

    def state_dict(self) -> dict:
        return {"name": self.name, "kwargs": {key: _plain(value) for key, value in self.kwargs.items()}}

    @classmethod
    def from_state_dict(cls, state: dict) -> "ModelSpec":
        return cls(state["name"], dict(state["kwargs"]))


def _plain(value):
    return [_plain(item) for item in value] if isinstance(value, (list, tuple)) else value
