"""im2col gathers every receptive field; col2im is its adjoint (<im2col(x), c> = <x, col2im(c)>)."""
import numpy as np
import pytest

from minitorch_nn.kernels.im2col import col2im, im2col, output_size


@pytest.mark.parametrize("kernel, stride, padding", [((3, 3), (1, 1), (1, 1)), ((2, 3), (2, 1), (0, 2)),
                                                     ((1, 1), (2, 2), (0, 0))])
def test_columns_are_the_receptive_fields_and_col2im_is_the_adjoint(kernel, stride, padding):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 6))
    (kH, kW), (sH, sW), (pH, pW) = kernel, stride, padding
    Ho, Wo = output_size("test", x.shape, kernel, stride, padding)
    columns = im2col(x, kernel, stride, padding)
    padded = np.pad(x, ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    for n, h, w in [(0, 0, 0), (1, Ho - 1, Wo - 1), (1, Ho // 2, 0)]:
        field = padded[n, :, h * sH:h * sH + kH, w * sW:w * sW + kW].reshape(-1)
        np.testing.assert_array_equal(columns[:, n * Ho * Wo + h * Wo + w], field)
    other = rng.standard_normal(columns.shape)
    np.testing.assert_allclose(np.sum(columns * other), np.sum(x * col2im(other, x.shape, kernel, stride, padding)))


def test_a_kernel_larger_than_the_input_is_named():
    with pytest.raises(ValueError, match=r"layer: kernel 5x5 is larger than the padded input 4x4"):
        output_size("layer", (1, 1, 4, 4), (5, 5), (1, 1), (0, 0))
