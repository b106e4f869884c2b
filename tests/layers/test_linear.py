"""Linear, Flatten and Identity beyond the parity fixtures: Flatten's dims as PyTorch, dtypes."""
import numpy as np
import pytest

import minitorch_nn as mt


@pytest.mark.parametrize("start, end, shape", [
    (1, -1, (2, 60)), (0, -1, (120,)), (0, 1, (6, 4, 5)), (1, 2, (2, 12, 5)), (2, 3, (2, 3, 20)), (-2, -1, (2, 3, 20)),
])
def test_flatten_start_and_end_dims_as_pytorch(start, end, shape):
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    layer = mt.Flatten(start, end)
    y = layer(x)
    assert y.shape == shape
    np.testing.assert_array_equal(y.ravel(), x.ravel())
    np.testing.assert_array_equal(layer.backward(y), x)


def test_identity_passes_both_ways():
    x = np.arange(6.0).reshape(2, 3)
    layer = mt.Identity()
    assert layer(x) is x and layer.backward(x) is x and list(layer.parameters()) == []


def test_linear_keeps_its_dtype_and_reports_wrong_widths():
    layer = mt.Linear(3, 2)
    assert layer(np.zeros((4, 3))).dtype == np.float32  # float64 input, float32 layer
    with pytest.raises(ValueError, match=r"^Linear\(in_features=3\): input has 4 features \(shape \(2, 4\)\); "
                                         r"expected shape \(N, 3\)$"):
        layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"^Linear: in_features must be a positive integer, got 0$"):
        mt.Linear(0, 2)
    with pytest.raises(ValueError, match=r"^Linear: out_features must be a positive integer, got -1$"):
        mt.Linear(2, -1)


def test_linear_takes_unbatched_and_extra_dimension_inputs_as_pytorch():
    layer = mt.Linear(3, 2)
    assert layer(np.ones(3, np.float32)).shape == (2,)  # (H_in,) -> (H_out,)
    assert layer(np.ones((4, 5, 3), np.float32)).shape == (4, 5, 2)
    with pytest.raises(ValueError, match=r"^Linear\(in_features=3\): input has 4 features \(shape \(2, 5, 4\)\)"):
        layer(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match=r"^Linear\(in_features=3\): input has 0 features \(shape \(\)\)"):
        layer(np.float32(1.0))
