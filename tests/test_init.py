"""``mt.init``: PyTorch's fan computation, gains and distributions."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minitorch_nn as mt


@pytest.fixture(autouse=True)
def seeded():
    mt.manual_seed(0)


def test_constants():
    p = mt.Parameter(np.empty((3, 4)))
    assert not mt.init.zeros_(p).data.any()
    assert (mt.init.ones_(p).data == 1).all()
    assert (mt.init.constant_(p.data, 2.5) == 2.5).all()


def test_distributions_have_the_documented_spread():
    w = np.empty((400, 300), dtype=np.float32)
    mt.init.uniform_(w, -2, 3)
    assert w.min() >= -2 and w.max() <= 3 and abs(w.mean() - 0.5) < 0.05
    mt.init.normal_(w, 1.0, 0.5)
    assert abs(w.mean() - 1.0) < 0.01 and abs(w.std() - 0.5) < 0.01
    mt.init.xavier_uniform_(w)
    assert np.abs(w).max() <= math.sqrt(6 / 700)
    mt.init.xavier_normal_(w, gain=2.0)
    assert abs(w.std() - 2 * math.sqrt(2 / 700)) < 0.01 * w.std()
    mt.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.std() - math.sqrt(2 / 300)) < 0.01 * w.std()
    mt.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert np.abs(w).max() <= math.sqrt(6 / 400)


def test_conv_weight_fan_includes_receptive_field():
    w = np.empty((64, 16, 3, 3))
    mt.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.std() - math.sqrt(2 / (16 * 9))) < 0.02 * w.std()


def test_matches_pytorch_bounds_live():
    torch = pytest.importorskip("torch")
    for shape in ((30, 20), (8, 4, 3, 5)):
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert mt.init._calculate_fan_in_and_fan_out(np.empty(shape)) == (fan_in, fan_out)
    for name, param in (("leaky_relu", 0.2), ("relu", None), ("tanh", None), ("sigmoid", None)):
        assert mt.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


def test_errors():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        mt.init.xavier_uniform_(np.empty(5))
    with pytest.raises(TypeError, match="expected a Parameter or ndarray"):
        mt.init.zeros_([1, 2])
