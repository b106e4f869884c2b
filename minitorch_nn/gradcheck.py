"""``mt.gradcheck``: check any module's backward against float64 central differences."""
from __future__ import annotations

import copy

import numpy as np

from .module import Module
from .random import get_rng_state, set_rng_state
from .utils.numerical import numerical_gradient


class GradcheckError(AssertionError):
    """A module's analytic gradient disagrees with the numerical one."""


def gradcheck(module: Module, *inputs, eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-8,
              check_inputs: bool = True, seed: int = 0) -> bool:
    """Check ``module.backward`` against central differences, in float64.

    A float64 copy of ``module`` is run on float64 copies of the floating ``inputs`` (integer
    inputs, such as class labels, are passed unchanged). A random upstream gradient ``g`` is
    drawn; the analytic gradients from ``backward(g)`` — of each floating input and of every
    parameter — are compared with the numerical gradient of ``sum(forward(*inputs) * g)``.
    The random stream is replayed before every forward, so ``Dropout`` keeps its mask.

    ``backward`` returns the gradient of the first input, or a tuple with one entry per input
    (``None`` for inputs without one). Frozen parameters (``requires_grad=False``) get no
    gradient and are not checked.

    Returns True, or raises ``GradcheckError`` naming the input or parameter, the worst index
    and its relative error, where an element fails ``|a - n| <= atol + rtol * |n|``.
    """
    model = copy.deepcopy(module).double()
    inputs64 = [np.array(x, dtype=np.float64) if _is_float(x) else x for x in inputs]
    rng_state = get_rng_state()

    def forward():
        set_rng_state(rng_state)
        return model(*inputs64)

    try:
        output = forward()
        upstream = np.random.default_rng(seed).standard_normal(np.shape(output))
        model.zero_grad()
        input_grads = model.backward(upstream if np.ndim(output) else float(upstream))
        input_grads = input_grads if isinstance(input_grads, tuple) else (input_grads,)

        def objective(_):
            return np.sum(np.asarray(forward(), dtype=np.float64) * upstream)

        if check_inputs:
            for index, (x, analytic) in enumerate(zip(inputs64, input_grads)):
                if analytic is None or not _is_float(x):
                    continue
                numeric = numerical_gradient(objective, x, 1.0, h=eps)
                _compare(f"input {index}", analytic, numeric, rtol, atol)
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            analytic = np.zeros_like(param.data) if param.grad is None else param.grad.copy()
            numeric = numerical_gradient(objective, param.data, 1.0, h=eps)
            _compare(f"parameter {name!r}", analytic, numeric, rtol, atol)
    finally:
        set_rng_state(rng_state)
    return True


def _is_float(x) -> bool:
    return np.issubdtype(np.asarray(x).dtype, np.floating)


def _compare(what: str, analytic, numeric: np.ndarray, rtol: float, atol: float) -> None:
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise GradcheckError(f"gradcheck: gradient of {what} has shape {analytic.shape}, expected {numeric.shape}")
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    if np.all(excess <= 0):
        return
    worst = np.unravel_index(np.argmax(excess), numeric.shape)
    a, n = analytic[worst], numeric[worst]
    relative = abs(a - n) / max(1e-12, abs(a) + abs(n))
    raise GradcheckError(
        f"gradcheck: gradient of {what} is wrong at index {tuple(int(i) for i in worst)}: "
        f"analytic {a:.6g}, numerical {n:.6g}, relative error {relative:.3g} "
        f"(rtol={rtol}, atol={atol})"
    )
