"""conv2d_forward / conv2d_backward: the course's pair, against the definition and central differences."""
import numpy as np
import pytest

from minitorch_nn.functional import conv2d_backward, conv2d_forward


def naive_conv2d(x, weight, bias, stride, padding):
    """The definition, one output at a time: y[n, f, h, w] = b[f] + Σ W[f, c, i, j] x_pad[n, c, h·s + i, w·s + j]."""
    (sH, sW), (pH, pW) = stride, padding
    F, C, kH, kW = weight.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    Ho = (padded.shape[2] - kH) // sH + 1
    Wo = (padded.shape[3] - kW) // sW + 1
    out = np.zeros((x.shape[0], F, Ho, Wo))
    for h in range(Ho):
        for w in range(Wo):
            patch = padded[:, :, h * sH:h * sH + kH, w * sW:w * sW + kW]
            out[:, :, h, w] = np.einsum("ncij,fcij->nf", patch, weight) + (0 if bias is None else bias)
    return out


@pytest.mark.parametrize("stride, padding, kernel", [((1, 1), (1, 1), (3, 3)), ((2, 1), (0, 2), (3, 2)),
                                                     ((2, 2), (2, 0), (1, 3))])
def test_forward_is_the_definition_and_backward_its_gradient(check_pair, stride, padding, kernel):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 5))
    weight = rng.standard_normal((4, 3) + kernel)
    bias = rng.standard_normal(4)
    out, _ = conv2d_forward(x, weight, bias, stride, padding)
    np.testing.assert_allclose(out, naive_conv2d(x, weight, bias, stride, padding), rtol=1e-12, atol=1e-12)
    check_pair(lambda x, weight, bias: conv2d_forward(x, weight, bias, stride, padding), conv2d_backward,
               dict(x=x, weight=weight, bias=bias), ["x", "weight", "bias"])


def test_without_bias_and_without_input_grad():
    rng = np.random.default_rng(2)
    x, weight = rng.standard_normal((1, 2, 4, 4)), rng.standard_normal((3, 2, 3, 3))
    out, cache = conv2d_forward(x, weight, None, 1, 1)
    grad_x, grad_weight, grad_bias = conv2d_backward(np.ones_like(out), cache, need_input_grad=False)
    assert grad_x is None and grad_bias is None and grad_weight.shape == weight.shape


def test_wrong_channels_and_gradient_shape_are_named():
    weight = np.zeros((3, 2, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: input has 4 channels"):
        conv2d_forward(np.zeros((1, 4, 5, 5)), weight)
    out, cache = conv2d_forward(np.zeros((1, 2, 5, 5)), weight)
    with pytest.raises(ValueError, match=r"grad_output has shape \(1, 3, 5, 5\), expected .*\(1, 3, 3, 3\)"):
        conv2d_backward(np.zeros((1, 3, 5, 5)), cache)
