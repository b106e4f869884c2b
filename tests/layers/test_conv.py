"""Conv2d: PyTorch parity (stored fixtures, plus live when torch is installed), gradient checks,
errors, init (PyTorch's fan rule for conv weights) and memory."""
import math
import tracemalloc

import numpy as np
import pytest

import minitorch_nn as mt
from conv_reference import FANS, SCRIPT, STORED, assert_close, cases_of

CONV_CASES = cases_of("Conv2d")


def run_conv(args, arrays):
    layer = mt.Conv2d(**args)
    layer.weight.data[...] = arrays["weight"]
    if layer.bias is not None:
        layer.bias.data[...] = arrays["bias"]
    output = layer(arrays["x"])
    grad_input = layer.backward(arrays["grad_output"])
    assert output.dtype == np.float32 and grad_input.dtype == np.float32
    return layer, output, grad_input


def check_against(case, args, arrays):
    layer, output, grad_input = run_conv(args, arrays)
    assert_close(output, arrays["output"], f"{case} output")
    assert_close(grad_input, arrays["grad_input"], f"{case} grad_input")
    assert_close(layer.weight.grad, arrays["grad_weight"], f"{case} grad_weight")
    if layer.bias is not None:
        assert_close(layer.bias.grad, arrays["grad_bias"], f"{case} grad_bias")
    else:
        assert "grad_bias" not in arrays


@pytest.mark.parametrize("case", CONV_CASES)
def test_matches_torch_fixture(case):
    kind, args, arrays = STORED[case]
    check_against(case, args, arrays)


def test_matches_torch_live():
    pytest.importorskip("torch")
    live = SCRIPT.load_cases(SCRIPT.build_fixtures(seed=1))
    for case in CONV_CASES:
        kind, args, arrays = live[case]
        check_against(case, args, arrays)


GRADCHECK_CONFIGS = [
    # (layer arguments, input shape)
    (dict(in_channels=2, out_channels=3, kernel_size=3, padding=1), (2, 2, 5, 5)),
    (dict(in_channels=2, out_channels=2, kernel_size=3, stride=2), (2, 2, 7, 6)),
    (dict(in_channels=3, out_channels=2, kernel_size=(3, 2), stride=(2, 1), padding=(1, 2)), (1, 3, 5, 4)),
    (dict(in_channels=1, out_channels=2, kernel_size=(1, 3), stride=(1, 2), bias=False), (3, 1, 3, 7)),
    (dict(in_channels=2, out_channels=2, kernel_size=4, stride=3, padding=2), (2, 2, 5, 7)),
    (dict(in_channels=2, out_channels=3, kernel_size=1), (2, 2, 3, 3)),
    # stride 1, out_channels <= in_channels: the full-convolution input gradient (N=1 included)
    (dict(in_channels=3, out_channels=2, kernel_size=3, padding=1), (2, 3, 5, 4)),
    (dict(in_channels=3, out_channels=3, kernel_size=(2, 3), padding=1, bias=False), (1, 3, 4, 5)),
    (dict(in_channels=2, out_channels=1, kernel_size=2, padding=1), (1, 2, 3, 3)),
    (dict(in_channels=2, out_channels=2, kernel_size=1, padding=1), (2, 2, 3, 2)),  # p > k - 1: col2im
]


@pytest.mark.parametrize("args, shape", GRADCHECK_CONFIGS)
def test_gradcheck(args, shape):
    mt.manual_seed(0)
    x = np.random.default_rng(0).standard_normal(shape)
    assert mt.gradcheck(mt.Conv2d(**args), x)


def test_gradcheck_stacked_layers():
    # Two convs in a row: each keeps its own cache, so their gradients stay independent.
    mt.manual_seed(1)
    model = mt.Sequential(mt.Conv2d(2, 3, 3, padding=1), mt.Tanh(), mt.Conv2d(3, 2, 2, stride=2))
    assert mt.gradcheck(model, np.random.default_rng(1).standard_normal((2, 2, 6, 5)))


def test_backward_accumulates_and_can_repeat():
    rng = np.random.default_rng(2)
    layer = mt.Conv2d(2, 3, 3, padding=1)
    x = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    grad_output = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    layer(x)
    first = layer.backward(grad_output)
    weight_grad, bias_grad = layer.weight.grad.copy(), layer.bias.grad.copy()
    second = layer.backward(grad_output)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(layer.weight.grad, 2 * weight_grad, rtol=1e-6)
    np.testing.assert_allclose(layer.bias.grad, 2 * bias_grad, rtol=1e-6)


def test_buffer_reuse_across_batch_sizes():
    rng = np.random.default_rng(3)
    layer = mt.Conv2d(3, 4, 3, padding=1)
    fresh = mt.Conv2d(3, 4, 3, padding=1)
    fresh.load_state_dict(layer.state_dict())
    for batch in (4, 2, 5, 4):
        x = rng.standard_normal((batch, 3, 6, 6)).astype(np.float32)
        g = rng.standard_normal((batch, 4, 6, 6)).astype(np.float32)
        layer.zero_grad()
        fresh._reset_dtype_caches()
        fresh.zero_grad()
        np.testing.assert_array_equal(layer(x), fresh(x))
        np.testing.assert_array_equal(layer.backward(g), fresh.backward(g))
        np.testing.assert_array_equal(layer.weight.grad, fresh.weight.grad)


def test_shapes_dtypes_and_repr():
    layer = mt.Conv2d(3, 8, (5, 3), stride=(2, 1), padding=(2, 0))
    assert layer.weight.shape == (8, 3, 5, 3) and layer.bias.shape == (8,)
    assert layer(np.zeros((2, 3, 9, 7), np.float32)).shape == (2, 8, 5, 5)
    assert repr(layer) == "Conv2d(3, 8, kernel_size=(5, 3), stride=(2, 1), padding=(2, 0))"
    assert repr(mt.Conv2d(1, 2, 3, bias=False)) == "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), bias=False)"
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    double = mt.Conv2d(2, 2, 3, dtype=np.float64)
    assert double(np.zeros((1, 2, 3, 3))).dtype == np.float64
    # integer images are cast to the parameters' dtype
    assert layer(np.zeros((1, 3, 9, 7), np.uint8)).dtype == np.float32


def test_padding_strings():
    assert mt.Conv2d(2, 2, (3, 5), padding="same").padding == (1, 2)
    assert mt.Conv2d(2, 2, 3, padding="valid").padding == (0, 0)
    assert mt.Conv2d(2, 4, 5, padding="same")(np.zeros((1, 2, 7, 6), np.float32)).shape == (1, 4, 7, 6)
    with pytest.raises(ValueError, match="same"):
        mt.Conv2d(2, 2, 4, padding="same")
    with pytest.raises(ValueError, match="same"):
        mt.Conv2d(2, 2, 3, stride=2, padding="same")


@pytest.mark.parametrize("shape, match", [
    ((2, 4, 8, 8), r"Conv2d\(in_channels=3.*input has 4 channels \(shape \(2, 4, 8, 8\)\).*\(N, 3, H, W\)"),
    ((3, 8, 8), r"Conv2d\(in_channels=3.*4-D input \(N, C, H, W\), got shape \(3, 8, 8\).*x\[None\]"),
    ((2, 3, 8), r"Conv2d\(in_channels=3.*4-D input"),
    ((2, 3, 4, 8), r"Conv2d\(in_channels=3.*kernel 5x5 is larger than the padded input 4x8 .*\(2, 3, 4, 8\)"),
])
def test_bad_input_names_layer_and_shape(shape, match):
    with pytest.raises(ValueError, match=match):
        mt.Conv2d(3, 2, 5)(np.zeros(shape, np.float32))


def test_bad_arguments_and_backward_errors():
    for kwargs in (dict(kernel_size=0), dict(kernel_size=(3, 3, 3)), dict(kernel_size=3, stride=0),
                   dict(kernel_size=3, padding=-1), dict(kernel_size=2.5)):
        with pytest.raises(ValueError, match="Conv2d"):
            mt.Conv2d(2, 2, **kwargs)
    with pytest.raises(ValueError, match="in_channels"):
        mt.Conv2d(0, 2, 3)
    layer = mt.Conv2d(2, 3, 3)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 3, 2, 2), np.float32))
    layer(np.zeros((1, 2, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"grad_output has shape \(1, 3, 3, 3\), expected .*\(1, 3, 2, 2\)"):
        layer.backward(np.zeros((1, 3, 3, 3), np.float32))


# ---------------------------------------------------------------------------------- init


@pytest.mark.parametrize("shape, fan_in, fan_out", FANS)
def test_fans_match_torch_fixture(shape, fan_in, fan_out):
    assert mt.init._calculate_fan_in_and_fan_out(np.empty(shape)) == (fan_in, fan_out)


def test_fans_match_torch_live():
    torch = pytest.importorskip("torch")
    from torch.nn.init import _calculate_fan_in_and_fan_out

    for shape in [(64, 32, 3, 3), (7, 5, 2, 4), (3, 1, 1, 9)]:
        expected = _calculate_fan_in_and_fan_out(torch.empty(shape))
        assert mt.init._calculate_fan_in_and_fan_out(np.empty(shape)) == expected


def test_default_init_matches_pytorch_bounds():
    mt.manual_seed(0)
    layer = mt.Conv2d(32, 64, 3)
    bound = 1 / math.sqrt(32 * 3 * 3)  # kaiming_uniform_(a=sqrt(5)) on fan_in = C*kH*kW
    weight = layer.weight.data
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.99 * bound
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert np.abs(layer.bias.data).max() <= bound
    assert layer.weight.dtype == np.float32


def test_kaiming_and_xavier_on_conv_weights():
    mt.manual_seed(0)
    weight = mt.Conv2d(32, 64, 3).weight  # fan_in 288, fan_out 576
    mt.init.kaiming_normal_(weight, nonlinearity="relu")
    assert abs(weight.data.std() / math.sqrt(2 / 288) - 1) < 0.03
    mt.init.kaiming_normal_(weight, mode="fan_out", nonlinearity="relu")
    assert abs(weight.data.std() / math.sqrt(2 / 576) - 1) < 0.03
    mt.init.kaiming_uniform_(weight, nonlinearity="relu")
    assert np.abs(weight.data).max() <= math.sqrt(6 / 288)
    mt.init.xavier_uniform_(weight)
    assert np.abs(weight.data).max() <= math.sqrt(6 / (288 + 576))
    assert np.abs(weight.data).max() > 0.99 * math.sqrt(6 / (288 + 576))


# ---------------------------------------------------------------------------------- memory


def test_peak_memory_is_a_small_multiple_of_the_im2col_buffer():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((16, 8, 16, 16)).astype(np.float32)
    g = rng.standard_normal((16, 16, 16, 16)).astype(np.float32)
    layer = mt.Conv2d(8, 16, 3, padding=1)
    columns_bytes = 8 * 3 * 3 * 16 * 16 * 16 * 4
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        layer(x)
        layer.backward(g)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert peak < 3.5 * columns_bytes, f"peak {peak / 1e6:.1f} MB vs im2col {columns_bytes / 1e6:.1f} MB"


# ---------------------------------------------------------------------------------- details


def test_arguments_are_named_in_their_errors():
    for kwargs, message in ((dict(in_channels=0), "in_channels must be a positive integer, got 0"),
                            (dict(out_channels=0), "out_channels must be a positive integer, got 0"),
                            (dict(kernel_size=0), "kernel_size must be a positive int or a pair of them, got 0"),
                            (dict(stride=0), "stride must be a positive int or a pair of them, got 0"),
                            (dict(padding=-1), "padding must be a non-negative int or a pair of them, got -1")):
        arguments = {"in_channels": 2, "out_channels": 2, "kernel_size": 3, **kwargs}
        with pytest.raises(ValueError, match=rf"^Conv2d: {message}$"):
            mt.Conv2d(**arguments)


@pytest.mark.parametrize("kernel", [(2, 3), (3, 2), (4, 4)])
def test_same_padding_needs_odd_sizes_on_both_axes(kernel):
    with pytest.raises(ValueError, match=r"^Conv2d: padding='same' needs stride 1 and odd kernel sizes"):
        mt.Conv2d(1, 1, kernel, padding="same")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameters_and_outputs_have_the_layer_dtype(dtype):
    layer = mt.Conv2d(2, 3, 3, dtype=dtype)
    assert layer.weight.dtype == layer.bias.dtype == dtype
    other = np.float64 if dtype == np.float32 else np.float32
    out = layer(np.zeros((1, 2, 4, 4), other))  # the input is cast to the layer's dtype
    assert out.dtype == dtype and layer.backward(np.ones_like(out)).dtype == dtype


def test_backward_without_input_grad_skips_the_input_gradient(monkeypatch):
    import minitorch_nn.layers.conv as conv_module

    asked = []
    real = conv_module.conv2d_backward

    def spy(grad_output, cache, need_input_grad=True):
        asked.append(need_input_grad)
        return real(grad_output, cache, need_input_grad)

    monkeypatch.setattr(conv_module, "conv2d_backward", spy)
    layer = mt.Conv2d(2, 3, 3)
    out = layer(np.ones((1, 2, 5, 5), np.float32))
    assert layer.backward_without_input_grad(np.ones_like(out)) is None
    assert layer.backward(np.ones_like(out)).shape == (1, 2, 5, 5)
    assert asked == [False, True]


def test_a_wrong_gradient_shape_names_the_layer():
    layer = mt.Conv2d(2, 3, 3)
    layer(np.zeros((1, 2, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"^Conv2d\.backward: grad_output has shape \(1, 3, 3, 3\), expected \(1, 3, 2, 2\), "
                                         r"the shape of the output of its last forward \(Conv2d\(2, 3, kernel_size=\(3, 3\), "
                                         r"stride=\(1, 1\)\)\)$"):
        layer.backward(np.zeros((1, 3, 3, 3), np.float32))


@pytest.mark.parametrize("make, shape", [(lambda: mt.Conv2d(2, 3, 3), (1, 2, 4, 4)),
                                         (lambda: mt.MaxPool2d(2), (1, 2, 4, 4)),
                                         (lambda: mt.AvgPool2d(2), (1, 2, 4, 4)),
                                         (lambda: mt.BatchNorm2d(2), (3, 2, 2, 2))],
                         ids=["Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d"])
def test_a_dtype_change_drops_what_the_last_forward_kept(make, shape):
    layer = make()
    out = layer(np.ones(shape, np.float32) + np.arange(np.prod(shape)).reshape(shape))
    layer.double()
    with pytest.raises(RuntimeError, match="backward\\(\\) called before forward\\(\\)"):
        layer.backward(np.ones_like(out, dtype=np.float64))


def test_default_init_bounds_use_the_whole_receptive_field_of_a_non_square_kernel():
    mt.manual_seed(0)
    layer = mt.Conv2d(3, 4000, (1, 5))
    bound = 1 / np.sqrt(3 * 1 * 5)  # fan_in = C * kH * kW
    for values in (layer.weight.data, layer.bias.data):
        assert values.min() < -0.98 * bound and values.max() > 0.98 * bound and np.abs(values).max() <= bound
