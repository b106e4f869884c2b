"""The stable softmax family of ``mt.functional``: the definitions, along any axis, without overflow;
and every public name of ``mt.functional`` is one of the pairs or formulas tested here or beside."""
import math
import pathlib
import re

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.functional import log_softmax, sigmoid, softmax


def test_every_public_name_is_tested():
    """Each name in ``mt.functional.__all__`` is used by a test in tests/functional/ (beyond its import)."""
    lines = [line for path in pathlib.Path(__file__).parent.glob("test_*.py") for line in path.read_text().splitlines()
             if not line.startswith(("from ", "import ")) and "__all__" not in line]
    untested = [name for name in mt.functional.__all__
                if not any(re.search(rf"\b{name}\b", line) for line in lines)]
    assert untested == []
    assert all(callable(getattr(mt.functional, name)) for name in mt.functional.__all__)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_are_the_definitions_along_an_axis(axis):
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    expected = np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(softmax(x, axis=axis), expected, rtol=1e-13)
    np.testing.assert_allclose(log_softmax(x, axis=axis), np.log(expected), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(softmax(x, axis=axis).sum(axis=axis), 1.0, rtol=1e-14)


def test_softmax_default_axis_is_the_last():
    x = np.random.default_rng(1).standard_normal((2, 3))
    np.testing.assert_array_equal(softmax(x), softmax(x, axis=-1))
    np.testing.assert_array_equal(log_softmax(x), log_softmax(x, axis=1))
    assert not np.allclose(softmax(x), softmax(x, axis=0))


def test_huge_scores_do_not_overflow():
    x = np.array([[1000.0, 999.0, -1000.0], [-1e4, -1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no invalid value, no division by zero
        probabilities = softmax(x)
        log_probabilities = log_softmax(x)
    e = math.exp(-1)
    np.testing.assert_allclose(probabilities[0], [1 / (1 + e), e / (1 + e), 0.0], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(probabilities[1], [1 / 3] * 3, rtol=1e-14)
    np.testing.assert_allclose(log_probabilities[0, :2], [-math.log1p(e), -1 - math.log1p(e)], rtol=1e-14)
    assert log_probabilities[0, 2] == pytest.approx(-2000 - math.log1p(e), rel=1e-14)


def test_softmax_and_log_softmax_keep_the_input_unchanged_and_its_dtype():
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    before = x.copy()
    assert softmax(x).dtype == log_softmax(x).dtype == np.float32
    np.testing.assert_array_equal(x, before)


def test_sigmoid_is_the_logistic_function_and_stable_in_both_tails():
    x = np.array([-800.0, -30.0, -1.0, 0.0, 2.5, 40.0, 800.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = sigmoid(x)
    expected = [0.0, 1 / (1 + math.exp(30)), 1 / (1 + math.e), 0.5, 1 / (1 + math.exp(-2.5)), 1.0, 1.0]
    np.testing.assert_allclose(y, expected, rtol=1e-14, atol=1e-300)
    assert sigmoid(np.float32([1.0, -1.0])).dtype == np.float32
    np.testing.assert_allclose(sigmoid(x) + sigmoid(-x), 1.0, rtol=1e-15)  # σ(x) + σ(-x) = 1
    assert sigmoid(np.zeros((2, 3))).shape == (2, 3)
