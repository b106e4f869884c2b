"""Containers: ``Sequential`` and the ready-made ``MLP``."""
from __future__ import annotations

from collections import OrderedDict
from typing import Iterator, Sequence

import numpy as np

from .. import init
from ..module import Module
from ..parameter import DEFAULT_DTYPE
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .dropout import Dropout
from .linear import Identity, Linear
from .normalization import BatchNorm1d


class Sequential(Module):
    """Applies its modules in order; ``backward`` applies their ``backward`` in reverse.

    ``Sequential(m0, m1, ...)`` or ``Sequential(OrderedDict(name=module, ...))``. Indexable
    (``seq[0]``, ``seq[-1]``, ``seq[1:3]`` → a new ``Sequential``), ``len()``, iteration, ``append``.
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                if not isinstance(module, Module):
                    raise TypeError(f"Sequential: argument {index} is a {type(module).__name__}, not a Module")
                self.add_module(str(index), module)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for module in self._modules.values():
            x = module(x)
        return x

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        for module in reversed(self._modules.values()):
            grad_output = module.backward(grad_output)
        return grad_output

    def backward_parameters(self, grad_output: np.ndarray) -> None:
        """As ``backward``, but the first layer skips its input gradient (the input is data)."""
        modules = list(self._modules.values())
        for module in reversed(modules[1:]):
            grad_output = module.backward(grad_output)
        if modules:
            modules[0].backward_parameters(grad_output)

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index):
        modules = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(modules[index]))
        if not -len(modules) <= index < len(modules):
            raise IndexError(f"Sequential: index {index} is out of range for {len(modules)} modules")
        return modules[index][1]


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
