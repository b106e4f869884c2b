"""``mt.gradcheck`` as a user tool: it passes a correct custom layer and catches a wrong one."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt


class Scale(mt.Module):
    """y = x * w (per feature); a user's own layer with a parameter."""

    def __init__(self, features, wrong=None):
        super().__init__()
        self.weight = mt.Parameter(np.linspace(0.5, 1.5, features))
        self.wrong = wrong
        self._input = None

    def forward(self, x):
        self._input = x
        return x * self.weight.data

    def backward(self, grad_output):
        grad_weight = (grad_output * self._input).sum(axis=0)
        grad_input = grad_output * self.weight.data
        if self.wrong == "weight":
            grad_weight = grad_weight * 1.01
        if self.wrong == "input":
            grad_input = grad_input.copy()
            grad_input[2, 1] += 1e-3
        self.weight.accumulate_grad(grad_weight)
        return grad_input


class Square(mt.Module):
    """y = x²: a layer with no parameters whose backward forgot the factor 2 when ``wrong``."""

    def __init__(self, wrong=False):
        super().__init__()
        self.wrong = wrong

    def forward(self, x):
        self._input = x
        return x * x

    def backward(self, grad_output):
        return grad_output * self._input * (1 if self.wrong else 2)


def test_correct_custom_layer_passes():
    x = np.random.default_rng(0).standard_normal((4, 3))
    assert mt.gradcheck(Scale(3), x) is True
    assert mt.gradcheck(Square(), x) is True


def test_wrong_parameter_gradient_is_caught_and_named():
    x = np.random.default_rng(0).standard_normal((4, 3))
    with pytest.raises(mt.GradcheckError, match=r"gradient of parameter 'weight' is wrong at index \(\d,\)"):
        mt.gradcheck(Scale(3, wrong="weight"), x)


def test_wrong_input_gradient_is_caught_with_index_and_error():
    x = np.random.default_rng(0).standard_normal((4, 3))
    with pytest.raises(mt.GradcheckError, match=r"gradient of input 0 is wrong at index \(2, 1\).*relative error"):
        mt.gradcheck(Scale(3, wrong="input"), x)
    with pytest.raises(mt.GradcheckError, match="input 0"):
        mt.gradcheck(Square(wrong=True), x)


def test_gradcheck_leaves_the_users_module_and_inputs_alone():
    layer = Scale(3)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    before = x.copy()
    mt.gradcheck(layer, x)
    assert layer.weight.dtype == np.float64 and layer.weight.grad is None
    np.testing.assert_array_equal(x, before)


def test_gradcheck_works_through_a_container_holding_a_user_layer():
    model = mt.Sequential(mt.Linear(3, 4), Scale(4), mt.Tanh())
    assert mt.gradcheck(model, np.random.default_rng(1).standard_normal((5, 3)))
    broken = mt.Sequential(mt.Linear(3, 4), Scale(4, wrong="weight"), mt.Tanh())
    with pytest.raises(mt.GradcheckError, match=r"parameter '1.weight'"):
        mt.gradcheck(broken, np.random.default_rng(1).standard_normal((5, 3)))
