"""``Sequential``: the container whose ``backward`` chains its layers' ``backward`` in reverse."""
from __future__ import annotations

from collections import OrderedDict
from typing import Iterator

import numpy as np

from ..module import Module


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

    def backward_without_input_grad(self, grad_output: np.ndarray) -> None:
        """As ``backward``, but the first layer skips its input gradient (the input is data)."""
        modules = list(self._modules.values())
        for module in reversed(modules[1:]):
            grad_output = module.backward(grad_output)
        if modules:
            modules[0].backward_without_input_grad(grad_output)

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
