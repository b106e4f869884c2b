from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    grad = mt.utils.numerical_gradient(lambda v: v ** 3, x, dout)
    np.testing.assert_allclose(grad, 3 * x ** 2 * dout, rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored


def test_rel_error():
    assert mt.utils.rel_error(np.ones(3), np.ones(3)) == 0.0
    assert mt.utils.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="shapes differ"):
        mt.utils.rel_error(np.ones(2), np.ones(3))
