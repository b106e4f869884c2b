"""`Module`: the base class of every layer, container and loss.

A module's ``forward`` computes its output and keeps on ``self`` exactly what
``backward`` needs; ``backward(grad_output)`` returns the gradient with respect to
the input and *adds* the gradients of the module's own parameters into their
``.grad``. Parameters, sub-modules and buffers assigned as attributes are
registered automatically, in assignment order, as in PyTorch.

Every subclass's ``backward`` checks ``grad_output`` against the shape of the output of the
last ``forward`` before it runs (``__init_subclass__`` wraps both), so a gradient of the
wrong shape is named at the layer that received it, and no layer repeats that check.
"""
from __future__ import annotations

import functools
import warnings
from collections import OrderedDict
from typing import Callable, Iterator

import numpy as np

from .parameter import Parameter


class Module:
    """Base class for all layers. Subclasses implement ``forward`` and ``backward``."""

    # Whether backward checks grad_output against the last output's shape (losses take a scalar).
    _grad_shape_checked = True

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "forward" in cls.__dict__:
            cls.forward = _recording_output_shape(cls.__dict__["forward"])
        for name in ("backward", "backward_without_input_grad"):
            if name in cls.__dict__:
                setattr(cls, name, _checking_grad_shape(cls.__dict__[name]))

    def __init__(self) -> None:
        # Registries; the objects also live in __dict__ so attribute access stays fast.
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value) -> None:
        state = self.__dict__
        if "_parameters" not in state:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call: "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )
        registered = name in state["_parameters"] or name in state["_modules"] or name in state["_buffers"]
        if registered or isinstance(value, (Parameter, Module)):
            self._register(name, value)
        object.__setattr__(self, name, value)

    def _register(self, name: str, value) -> None:
        """Keep the registries in step with an attribute assignment."""
        keep_buffer = name in self._buffers and _is_buffer_value(value)
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if not keep_buffer:
            self._buffers.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif keep_buffer:
            self._buffers[name] = value

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array) -> None:
        """Register non-trained state (e.g. running statistics): saved in ``state_dict``,
        not returned by ``parameters()``."""
        if array is not None and not isinstance(array, np.ndarray):
            array = np.asarray(array)
        self._buffers[name] = array
        object.__setattr__(self, name, array)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            # As PyTorch: an array registered here would silently never be trained.
            raise TypeError(f"register_parameter({name!r}): got a {type(param).__name__}; "
                            "wrap arrays as mt.Parameter(array), or pass None")
        if param is None:
            self._parameters.pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module: "Module | None") -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} is a {type(module).__name__}, not a Module")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    # ------------------------------------------------------------------ forward / backward
    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def backward(self, grad_output):
        raise NotImplementedError(
            f"{type(self).__name__} must implement backward(grad_output): return d loss / d input "
            "and add each parameter's gradient into its .grad"
        )

    def backward_without_input_grad(self, grad_output) -> None:
        """Accumulate the parameters' gradients only, for when d loss / d input is not
        needed (the input is data, as for a model's first layer). Layers whose input
        gradient costs real work (``Linear``, ``Conv2d``, containers) override this to skip it."""
        self.backward(grad_output)

    def backward_parameters(self, grad_output) -> None:
        """Deprecated name of ``backward_without_input_grad``."""
        warnings.warn("Module.backward_parameters is renamed backward_without_input_grad",
                      DeprecationWarning, stacklevel=2)
        self.backward_without_input_grad(grad_output)

    def __call__(self, *inputs, **kwargs):
        output = self.forward(*inputs, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                hook(self, inputs, output)
        return output

    def register_forward_hook(self, hook: Callable) -> "RemovableHandle":
        """Call ``hook(module, inputs, output)`` after every forward; returns a handle
        whose ``remove()`` unregisters it."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def _require_forward(self, *cached) -> None:
        """Raise a clear error when ``backward`` runs before ``forward`` stored its inputs."""
        if any(value is None for value in cached):
            raise RuntimeError(
                f"{self._get_name()}.backward() called before forward(): "
                "run a forward pass first, it stores what backward needs"
            )

    # ------------------------------------------------------------------ traversal
    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_prefix}.{name}" if module_prefix else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, np.ndarray]]:
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    yield (f"{module_prefix}.{name}" if module_prefix else name), buffer

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator["Module"]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self.named_children():
            child_prefix = f"{prefix}.{name}" if prefix else name
            yield from module.named_modules(memo, child_prefix)

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode must be a bool, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to ``None`` (PyTorch's default) or to zeros."""
        for param in self.parameters():
            param.zero_grad(set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Freeze (``False``) or unfreeze every parameter, in place; returns ``self``.

        A frozen parameter gets no gradient from ``backward`` and no update from any optimiser,
        so ``model.features.requires_grad_(False)`` fine-tunes only the rest of the model.
        """
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call ``fn(module)`` on every sub-module (children first), then on ``self``; returns ``self``.

        Example: ``model.apply(lambda m: init.zeros_(m.bias) if isinstance(m, Linear) else None)``.
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self, *args, device=None, dtype=None) -> "Module":
        """``to(dtype)``, ``to("cpu")`` or ``to("cpu", dtype)``, as PyTorch: cast every floating
        parameter and buffer to ``dtype`` in place (the device is always the CPU); returns ``self``."""
        for arg in args:
            if isinstance(arg, str) and not _is_dtype_name(arg):
                device = arg
            else:
                dtype = arg
        if device is not None and str(device).split(":")[0] != "cpu":
            raise ValueError(f"{self._get_name()}.to({device!r}): minitorch_nn runs on the CPU only; "
                             "use to('cpu') or leave the device out")
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise ValueError(f"to(dtype): expected a floating dtype, got {dtype}")
        for module in self.modules():
            for param in module._parameters.values():
                if param is not None:
                    param.data = param.data.astype(dtype, copy=False)
                    if param.grad is not None:
                        param.grad = param.grad.astype(dtype, copy=False)
            for name, buffer in list(module._buffers.items()):
                if buffer is not None and np.issubdtype(buffer.dtype, np.floating):
                    module.register_buffer(name, buffer.astype(dtype, copy=False))
            module._reset_dtype_caches()
        return self

    def double(self) -> "Module":
        return self.to(np.float64)

    def float(self) -> "Module":
        return self.to(np.float32)

    def _reset_dtype_caches(self) -> None:
        """Drop buffers kept between steps for speed; called when the dtype changes."""

    # ------------------------------------------------------------------ state
    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Name → copy of every parameter and buffer (``layers.0.weight``, ``bn.running_mean``…)."""
        state = OrderedDict()
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    state[dot + name] = param.data.copy()
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    state[dot + name] = np.array(buffer, copy=True)
        return state

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        Raises ``RuntimeError`` listing missing and unexpected keys (when ``strict``) and
        shape mismatches (always). Returns ``(missing_keys, unexpected_keys)``.
        """
        own = self._state_arrays()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        mismatched = []
        for key, (_, target) in own.items():
            if key in state_dict:
                given = np.shape(state_dict[key])
                if given != target.shape:
                    mismatched.append(f"{key}: checkpoint has shape {given}, this model has {target.shape}")
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n  " + "\n  ".join(problems)
                + "\n  (is the checkpoint from another architecture? build the same model first)"
            )
        for key, (owner, target) in own.items():
            if key in state_dict:
                value = np.asarray(state_dict[key])
                if not np.issubdtype(target.dtype, np.floating) and np.issubdtype(value.dtype, np.floating):
                    raise RuntimeError(f"load_state_dict: {key} must be an integer array, got {value.dtype}")
                target[...] = value
        return missing, unexpected

    def _state_arrays(self) -> "OrderedDict[str, tuple[Module, np.ndarray]]":
        arrays = OrderedDict()
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    arrays[dot + name] = (module, param.data)
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    arrays[dot + name] = (module, buffer)
        return arrays

    # ------------------------------------------------------------------ printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text between the parentheses of this module's line in ``repr``."""
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, module in self._modules.items():
            child = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {child}")
        extra = self.extra_repr()
        if not lines:
            return f"{self._get_name()}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{self._get_name()}(\n  {body}\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()))


def _recording_output_shape(forward: Callable) -> Callable:
    """``forward``, also keeping the shape of its output for ``_checking_grad_shape``."""
    @functools.wraps(forward)
    def forward_recording_shape(self, *inputs, **kwargs):
        output = forward(self, *inputs, **kwargs)
        self.__dict__["_last_output_shape"] = output.shape if isinstance(output, np.ndarray) else None
        return output
    return forward_recording_shape


def _checking_grad_shape(backward: Callable) -> Callable:
    """``backward``, first checking that ``grad_output`` has the shape of the last output.

    Only the outermost call checks: a layer's backward calling another of its own (or a
    parent class's) backward hands on what was already checked.
    """
    @functools.wraps(backward)
    def backward_checking_shape(self, *args, **kwargs):
        state = self.__dict__
        grad_output = args[0] if args else kwargs.get("grad_output")
        if state.get("_in_backward") or not self._grad_shape_checked or grad_output is None:
            return backward(self, *args, **kwargs)
        expected, given = state.get("_last_output_shape"), np.shape(grad_output)
        if expected is not None and given != expected:
            raise ValueError(
                f"{type(self).__name__}.backward: grad_output has shape {given}, expected {expected}, the shape "
                f"of the output of its last forward ({self._get_name()}({self.extra_repr()}))"
            )
        state["_in_backward"] = True
        try:
            return backward(self, *args, **kwargs)
        finally:
            state["_in_backward"] = False
    return backward_checking_shape


def _is_dtype_name(text: str) -> bool:
    try:
        np.dtype(text)
    except TypeError:
        return False
    return True


def _is_buffer_value(value) -> bool:
    return value is None or isinstance(value, np.ndarray)


class RemovableHandle:
    """Returned by ``register_forward_hook``; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict) -> None:
        self.hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
