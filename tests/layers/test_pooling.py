"""MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool2d: PyTorch parity (fixtures and live),
gradient checks, tie routing and errors."""

import numpy as np
import pytest

import minitorch_nn as mt
from conv_reference import SCRIPT, STORED, assert_close, cases_of

POOLS = ("MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d")
POOL_CASES = cases_of(*POOLS)


def check_against(case, kind, args, arrays):
    layer = getattr(mt, kind)(**args)
    output = layer(arrays["x"])
    grad_input = layer.backward(arrays["grad_output"])
    assert output.dtype == np.float32 and grad_input.dtype == np.float32
    assert_close(output, arrays["output"], f"{case} output")
    assert_close(grad_input, arrays["grad_input"], f"{case} grad_input")


def test_fixture_covers_every_pool():
    assert {STORED[case][0] for case in POOL_CASES} == set(POOLS)
    assert any("ties" in case for case in POOL_CASES)


@pytest.mark.parametrize("case", POOL_CASES)
def test_matches_torch_fixture(case):
    kind, args, arrays = STORED[case]
    check_against(case, kind, args, arrays)


def test_matches_torch_live():
    torch = pytest.importorskip("torch")
    live = SCRIPT.load_cases(SCRIPT.build_fixtures(seed=2))
    for case in POOL_CASES:
        kind, args, arrays = live[case]
        check_against(case, kind, args, arrays)
    # GlobalAvgPool2d is torch's mean over H and W.
    x = np.random.default_rng(0).standard_normal((3, 4, 5, 6)).astype(np.float32)
    xt = torch.from_numpy(x).requires_grad_()
    xt.mean(dim=(2, 3)).backward(torch.ones(3, 4))
    layer = mt.GlobalAvgPool2d()
    assert_close(layer(x), xt.detach().mean(dim=(2, 3)).numpy(), "GlobalAvgPool2d output")
    assert_close(layer.backward(np.ones((3, 4), np.float32)), xt.grad.numpy(), "GlobalAvgPool2d grad")


def distinct(shape, seed=0):
    """Values at least 0.1 apart, so no max-pool window holds a tie within gradcheck's eps."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.arange(np.prod(shape))).reshape(shape) * 0.1 - 1.0


GRADCHECK_CASES = [
    (mt.MaxPool2d, dict(kernel_size=2), (2, 2, 4, 6)),
    (mt.MaxPool2d, dict(kernel_size=2), (2, 2, 5, 7)),  # odd sizes: last row/column dropped
    (mt.MaxPool2d, dict(kernel_size=3, stride=2, padding=1), (2, 2, 7, 5)),
    (mt.MaxPool2d, dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1)), (1, 2, 5, 6)),
    (mt.MaxPool2d, dict(kernel_size=3, stride=1), (2, 1, 5, 5)),
    (mt.AvgPool2d, dict(kernel_size=2), (2, 2, 5, 6)),
    (mt.AvgPool2d, dict(kernel_size=3, stride=2, padding=1), (2, 2, 7, 5)),
    (mt.AvgPool2d, dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 1), count_include_pad=False), (1, 2, 5, 6)),
    (mt.AdaptiveAvgPool2d, dict(output_size=1), (2, 3, 5, 7)),
    (mt.AdaptiveAvgPool2d, dict(output_size=(3, 2)), (2, 2, 7, 5)),
    (mt.AdaptiveAvgPool2d, dict(output_size=(2, None)), (1, 2, 4, 3)),
    (mt.AdaptiveAvgPool2d, dict(output_size=4), (1, 2, 3, 5)),  # larger than the input: windows overlap
    (mt.GlobalAvgPool2d, dict(), (2, 3, 5, 4)),
]


@pytest.mark.parametrize("layer_class, args, shape", GRADCHECK_CASES)
def test_gradcheck(layer_class, args, shape):
    assert mt.gradcheck(layer_class(**args), distinct(shape))


def test_maxpool_ties_route_to_first_maximum():
    x = np.array([[[[1.0, 1.0, 0.0, 2.0],
                    [1.0, 0.0, 2.0, 2.0]]]], np.float32)
    layer = mt.MaxPool2d(2)
    np.testing.assert_array_equal(layer(x), [[[[1.0, 2.0]]]])
    grad = layer.backward(np.array([[[[10.0, 20.0]]]], np.float32))
    np.testing.assert_array_equal(grad, [[[[10.0, 0.0, 0.0, 20.0],
                                           [0.0, 0.0, 0.0, 0.0]]]])


def test_maxpool_propagates_nan_and_accepts_integers():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    out = mt.MaxPool2d(2)(x)
    assert np.isnan(out[0, 0, 0, 0]) and not np.isnan(out[0, 0, 1, 1])
    assert mt.MaxPool2d(2)(np.ones((1, 1, 4, 4), np.uint8)).dtype == np.float32


def test_global_pool_is_adaptive_pool_then_flatten():
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 4)).astype(np.float32)
    assert mt.AdaptiveAvgPool2d(1)(x).shape == (2, 3, 1, 1)
    np.testing.assert_allclose(mt.GlobalAvgPool2d()(x), mt.AdaptiveAvgPool2d(1)(x).reshape(2, 3), rtol=1e-6)


def test_output_shapes_and_repr():
    x = np.zeros((2, 3, 9, 8), np.float32)
    assert mt.MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    assert mt.MaxPool2d(3, stride=2, padding=1)(x).shape == (2, 3, 5, 4)
    assert mt.AvgPool2d((3, 2), stride=1)(x).shape == (2, 3, 7, 7)
    assert mt.AdaptiveAvgPool2d((4, 3))(x).shape == (2, 3, 4, 3)
    assert repr(mt.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(mt.AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=1)"


@pytest.mark.parametrize("layer, shape, match", [
    (mt.MaxPool2d(2), (3, 8, 8), r"MaxPool2d\(kernel_size=\(2, 2\).*4-D input \(N, C, H, W\), got shape \(3, 8, 8\)"),
    (mt.AvgPool2d(5), (1, 2, 4, 9), r"AvgPool2d\(kernel_size=\(5, 5\).*kernel 5x5 is larger than the padded "
                                    r"input 4x9 \(input shape \(1, 2, 4, 9\)"),
    (mt.AdaptiveAvgPool2d(2), (2, 8), r"AdaptiveAvgPool2d\(output_size=2\).*got shape \(2, 8\)"),
    (mt.GlobalAvgPool2d(), (2, 3, 4), r"GlobalAvgPool2d\(\).*got shape \(2, 3, 4\)"),
])
def test_bad_input_names_layer_and_shape(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer(np.zeros(shape, np.float32))


def test_bad_arguments_and_backward_errors():
    with pytest.raises(ValueError, match=r"MaxPool2d: padding \(2, 2\) must be at most half"):
        mt.MaxPool2d(3, padding=2)
    with pytest.raises(ValueError, match="AvgPool2d: kernel_size"):
        mt.AvgPool2d(0)
    with pytest.raises(ValueError, match="AdaptiveAvgPool2d: output_size"):
        mt.AdaptiveAvgPool2d(0)
    for layer in (mt.MaxPool2d(2), mt.AvgPool2d(2), mt.AdaptiveAvgPool2d(1), mt.GlobalAvgPool2d()):
        with pytest.raises(RuntimeError, match="before forward"):
            layer.backward(np.zeros((1, 1, 1, 1), np.float32))
    layer = mt.MaxPool2d(2)
    layer(np.zeros((1, 2, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"MaxPool2d.backward: grad_output has shape \(1, 2, 3, 3\)"):
        layer.backward(np.zeros((1, 2, 3, 3), np.float32))


def test_arguments_are_named_in_their_errors():
    for make, message in ((lambda: mt.MaxPool2d(2, stride=0), "MaxPool2d: stride must be a positive int or a pair"),
                          (lambda: mt.AvgPool2d(2, padding=-1), "AvgPool2d: padding must be a non-negative int"),
                          (lambda: mt.MaxPool2d((2, 0)), "MaxPool2d: kernel_size must be a positive int")):
        with pytest.raises(ValueError, match=rf"^{message}"):
            make()


def test_avg_pool_repr_shows_count_include_pad_only_when_off():
    assert repr(mt.AvgPool2d(2)) == "AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(mt.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)) == \
        "AvgPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), count_include_pad=False)"


@pytest.mark.parametrize("output_size, expected", [((None, 2), (6, 2)), ((2, None), (2, 5)), ((2, 1), (2, 1)),
                                                   ((1, 2), (1, 2)), ((1, 1), (1, 1)), (None, (6, 5))])
def test_adaptive_pool_sizes_with_none_and_ones(output_size, expected):
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5))
    layer = mt.AdaptiveAvgPool2d(output_size if output_size is not None else (None, None))
    y = layer(x)
    assert y.shape == (2, 3, *expected)
    # every output is the mean of its window: the columns (rows) of a size-1 axis average everything
    if expected[1] == 1:
        np.testing.assert_allclose(y.sum(axis=2)[..., 0] / expected[0], x.mean(axis=(2, 3)), rtol=1e-12)
    if expected == (6, 5):
        np.testing.assert_allclose(y, x, rtol=1e-15)
    grad = layer.backward(np.ones_like(y))
    np.testing.assert_allclose(grad.sum(axis=(2, 3)), np.full((2, 3), expected[0] * expected[1]), rtol=1e-12)


@pytest.mark.parametrize("make, good, bad, name", [
    (lambda: mt.AdaptiveAvgPool2d(1), (2, 3, 1, 1), (2, 3, 2, 1), "AdaptiveAvgPool2d"),
    (lambda: mt.AdaptiveAvgPool2d(2), (2, 3, 2, 2), (2, 3, 1, 1), "AdaptiveAvgPool2d"),
    (lambda: mt.GlobalAvgPool2d(), (2, 3), (2, 4), "GlobalAvgPool2d"),
])
def test_global_and_adaptive_pools_name_a_wrong_gradient_shape(make, good, bad, name):
    layer = make()
    layer(np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match=rf"^{name}\.backward: grad_output has shape \({bad[0]}, {bad[1]}"):
        layer.backward(np.zeros(bad, np.float32))
    assert layer.backward(np.zeros(good, np.float32)).shape == (2, 3, 4, 4)


def test_global_pool_message_and_dtype():
    with pytest.raises(ValueError, match=r"^GlobalAvgPool2d\(\): expected a 4-D input \(N, C, H, W\), got shape \(2, 3, 4\)"):
        mt.GlobalAvgPool2d()(np.zeros((2, 3, 4), np.float32))
    layer = mt.GlobalAvgPool2d()
    layer(np.ones((2, 3, 4, 4), np.float32))
    grad = layer.backward(np.ones((2, 3), np.float32))
    assert grad.dtype == np.float32 and np.all(grad == np.float32(1 / 16))
