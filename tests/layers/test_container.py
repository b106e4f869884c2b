"""Sequential: indexing at both ends, slices, and the backward that skips the input gradient."""
import numpy as np
import pytest

import minitorch_nn as mt


def test_indexing_reaches_both_ends_and_no_further():
    first, last = mt.Linear(2, 3), mt.ReLU()
    model = mt.Sequential(first, mt.Tanh(), last)
    assert model[0] is first and model[-3] is first and model[2] is last and model[-1] is last
    for index in (3, -4):
        with pytest.raises(IndexError, match=rf"^Sequential: index {index} is out of range for 3 modules$"):
            model[index]
    assert [type(m).__name__ for m in model[1:]] == ["Tanh", "ReLU"]


def test_backward_without_input_grad_gives_the_parameter_gradients_of_backward():
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    grads = []
    for skip in (False, True):
        mt.manual_seed(0)
        model = mt.Sequential(mt.Linear(3, 5), mt.Tanh(), mt.Linear(5, 2)).double()
        model(x)
        result = model.backward_without_input_grad(g) if skip else model.backward(g)
        assert (result is None) == skip
        grads.append([p.grad.copy() for p in model.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)
    assert mt.Sequential().backward_without_input_grad(g) is None  # an empty container has nothing to do


def test_only_modules_go_into_a_sequential():
    with pytest.raises(TypeError, match=r"^Sequential: argument 1 is a ndarray, not a Module$"):
        mt.Sequential(mt.ReLU(), np.zeros(3))
