"""``MLP``: the multilayer perceptron, a ``Sequential`` of Linear / BatchNorm1d / activation / Dropout."""
from __future__ import annotations

from typing import Sequence

from .. import init
from ..layers import BatchNorm1d, Dropout, Identity, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh
from ..parameter import DEFAULT_DTYPE


_ACTIVATIONS = {"relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh, "identity": Identity}


class MLP(Sequential):
    """A multilayer perceptron: ``{Linear - [BatchNorm1d] - activation - [Dropout]} x len(hidden) - Linear``.

    Args:
        in_features: input size D.
        hidden_features: sizes of the hidden layers, e.g. ``[512, 64]``.
        out_features: number of outputs (classes) C.
        activation: one of ``"relu"``, ``"leaky_relu"``, ``"sigmoid"``, ``"tanh"``, ``"identity"``.
        batchnorm: insert ``BatchNorm1d`` after each hidden ``Linear``.
        dropout: probability for a ``Dropout`` after each hidden activation (0 disables it).
        weight_scale: if given, every ``Linear`` weight is drawn from N(0, weight_scale²) and
            every bias is zero (the classic course initialisation); otherwise PyTorch's default.

    Shape: input ``(N, D)`` (flatten images first); output ``(N, C)`` raw scores.
    """

    def __init__(self, in_features: int, hidden_features: Sequence[int], out_features: int,
                 activation: str = "relu", batchnorm: bool = False, dropout: float = 0.0,
                 weight_scale: float | None = None, dtype=DEFAULT_DTYPE) -> None:
        if activation not in _ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; choose one of {sorted(_ACTIVATIONS)}")
        hidden_features = [hidden_features] if isinstance(hidden_features, int) else list(hidden_features)
        layers = []
        sizes = [in_features] + hidden_features
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers.append(Linear(fan_in, fan_out, dtype=dtype))
            if batchnorm:
                layers.append(BatchNorm1d(fan_out, dtype=dtype))
            layers.append(_ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout))
        layers.append(Linear(sizes[-1], out_features, dtype=dtype))
        super().__init__(*layers)
        if weight_scale is not None:
            for layer in layers:
                if isinstance(layer, Linear):
                    init.normal_(layer.weight, 0.0, weight_scale)
                    init.zeros_(layer.bias)
