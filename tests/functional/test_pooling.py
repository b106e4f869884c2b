"""max_pool2d_* and avg_pool2d_*: the course's pairs, against the definition and central differences."""
import numpy as np
import pytest

from minitorch_nn.functional import avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward


def naive_pool(x, kernel, stride, reduce):
    (kH, kW), (sH, sW) = kernel, stride
    Ho, Wo = (x.shape[2] - kH) // sH + 1, (x.shape[3] - kW) // sW + 1
    return np.array([[[[reduce(x[n, c, h * sH:h * sH + kH, w * sW:w * sW + kW]) for w in range(Wo)]
                       for h in range(Ho)] for c in range(x.shape[1])] for n in range(x.shape[0])])


@pytest.mark.parametrize("kernel, stride", [((2, 2), (2, 2)), ((3, 2), (1, 2)), ((3, 3), (2, 2))])
def test_max_pool(check_pair, kernel, stride):
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 6))  # distinct values: no ties
    out, _ = max_pool2d_forward(x, kernel, stride)
    np.testing.assert_array_equal(out, naive_pool(x, kernel, stride, np.max))
    check_pair(lambda x: max_pool2d_forward(x, kernel, stride), max_pool2d_backward, dict(x=x), ["x"])


@pytest.mark.parametrize("kernel, stride", [((2, 2), (2, 2)), ((3, 2), (1, 2))])
def test_avg_pool(check_pair, kernel, stride):
    x = np.random.default_rng(4).standard_normal((2, 2, 6, 5))
    out, _ = avg_pool2d_forward(x, kernel, stride)
    np.testing.assert_allclose(out, naive_pool(x, kernel, stride, np.mean), rtol=1e-12)
    check_pair(lambda x: avg_pool2d_forward(x, kernel, stride), avg_pool2d_backward, dict(x=x), ["x"])
