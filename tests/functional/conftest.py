"""Checking a forward/backward pair against central differences, in float64."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch_nn.utils import numerical_gradient, rel_error


@pytest.fixture
def check_pair():
    """``check_pair(forward, backward, inputs, wrt)``: each gradient ``backward`` returns (in the
    order of ``wrt``, names of ``inputs``) equals the numerical gradient of ``sum(forward(**inputs) * g)``."""

    def check(forward, backward, inputs: dict, wrt: list[str], tolerance: float = 1e-6):
        rng = np.random.default_rng(0)
        out, cache = forward(**inputs)
        upstream = rng.standard_normal(out.shape)
        analytic = backward(upstream, cache)
        analytic = analytic if isinstance(analytic, tuple) else (analytic,)
        for name, grad in zip(wrt, analytic):
            numeric = numerical_gradient(lambda _: forward(**inputs)[0], inputs[name], upstream)
            assert rel_error(grad, numeric) < tolerance, f"gradient of {name}: relative error {rel_error(grad, numeric)}"

    return check
