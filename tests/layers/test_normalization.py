"""BatchNorm2d (train and eval) against PyTorch (fixtures and live) and gradient checks;
Dropout2d gradient check with a fixed seed."""

import re

import numpy as np
import pytest

import minitorch_nn as mt
from conv_reference import SCRIPT, STORED, assert_close, cases_of

BN_CASES = cases_of("BatchNorm2d")


def check_against(case, args, arrays):
    layer = mt.BatchNorm2d(args["num_features"])
    for name in ("weight", "bias"):
        getattr(layer, name).data[...] = arrays[name]
    layer.running_mean[...] = arrays["running_mean"]
    layer.running_var[...] = arrays["running_var"]
    layer.train(args["training"])
    output = layer(arrays["x"])
    grad_input = layer.backward(arrays["grad_output"])
    assert output.dtype == np.float32 and grad_input.dtype == np.float32
    assert_close(output, arrays["output"], f"{case} output")
    assert_close(grad_input, arrays["grad_input"], f"{case} grad_input")
    assert_close(layer.weight.grad, arrays["grad_weight"], f"{case} grad_weight")
    assert_close(layer.bias.grad, arrays["grad_bias"], f"{case} grad_bias")
    assert_close(layer.running_mean, arrays["running_mean_after"], f"{case} running_mean")
    assert_close(layer.running_var, arrays["running_var_after"], f"{case} running_var")
    assert int(layer.num_batches_tracked) == (1 if args["training"] else 0)


def test_fixture_has_train_and_eval():
    assert {STORED[case][1]["training"] for case in BN_CASES} == {True, False}


@pytest.mark.parametrize("case", BN_CASES)
def test_matches_torch_fixture(case):
    _, args, arrays = STORED[case]
    check_against(case, args, arrays)


def test_matches_torch_live():
    pytest.importorskip("torch")
    live = SCRIPT.load_cases(SCRIPT.build_fixtures(seed=3))
    for case in BN_CASES:
        _, args, arrays = live[case]
        check_against(case, args, arrays)


def _batchnorm(training):
    rng = np.random.default_rng(5)
    layer = mt.BatchNorm2d(3)
    layer.weight.data[...] = rng.uniform(0.5, 1.5, 3)
    layer.bias.data[...] = rng.standard_normal(3)
    layer.running_mean[...] = rng.standard_normal(3)
    layer.running_var[...] = rng.uniform(0.5, 2.0, 3)
    return layer.train(training)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_gradcheck(training):
    x = np.random.default_rng(6).standard_normal((3, 3, 4, 5)) * 2 + 0.5
    assert mt.gradcheck(_batchnorm(training), x)


def test_gradcheck_without_affine():
    x = np.random.default_rng(7).standard_normal((2, 2, 3, 4))
    assert mt.gradcheck(mt.BatchNorm2d(2, affine=False), x)


def test_bad_input_names_layer_and_shape():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(num_features=3\).*4-D.*got shape \(2, 3, 5\)"):
        mt.BatchNorm2d(3)(np.zeros((2, 3, 5), np.float32))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(num_features=3\).*3 channels.*got shape \(2, 4, 5, 5\)"):
        mt.BatchNorm2d(3)(np.zeros((2, 4, 5, 5), np.float32))


# ---------------------------------------------------------------------------------- Dropout2d


def test_dropout2d_gradcheck_with_fixed_seed():
    mt.manual_seed(0)
    x = np.random.default_rng(8).standard_normal((3, 4, 3, 3))
    assert mt.gradcheck(mt.Dropout2d(0.5), x)


def test_dropout2d_zeroes_whole_channels_and_is_identity_in_eval():
    mt.manual_seed(1)
    layer = mt.Dropout2d(0.5)
    x = np.ones((8, 6, 4, 4), np.float32)
    y = layer(x)
    per_channel = y.reshape(8, 6, -1)
    assert np.all((per_channel == 0).all(axis=2) | (per_channel == 2).all(axis=2))
    assert 0 < (per_channel[:, :, 0] == 0).sum() < 48
    np.testing.assert_array_equal(layer.backward(np.ones_like(y)), y)
    layer.eval()
    np.testing.assert_array_equal(layer(x), x)


@pytest.mark.parametrize("make", [lambda: mt.BatchNorm1d(3), lambda: mt.BatchNorm2d(3)], ids=["1d", "2d"])
def test_reset_running_stats_returns_to_pytorch_s_initial_values(make):
    layer = make()
    shape = (4, 3) if isinstance(layer, mt.BatchNorm1d) else (4, 3, 2, 2)
    for _ in range(2):
        layer(np.random.default_rng(0).standard_normal(shape) * 3 + 2)
    assert int(layer.num_batches_tracked) == 2 and not np.allclose(layer.running_var, 1)
    weight = layer.weight.data.copy()
    layer.reset_running_stats()
    np.testing.assert_array_equal(layer.running_mean, np.zeros(3))
    np.testing.assert_array_equal(layer.running_var, np.ones(3))
    assert layer.num_batches_tracked.dtype == np.int64 and int(layer.num_batches_tracked) == 0
    np.testing.assert_array_equal(layer.weight.data, weight)  # the affine parameters stay
    mt.BatchNorm1d(3, track_running_stats=False).reset_running_stats()  # nothing to reset, no error


def test_dropout2d_wants_images():
    with pytest.raises(ValueError, match=r"^Dropout2d: expected a 4-D \(N, C, H, W\) input, got shape \(2, 3\)$"):
        mt.Dropout2d(0.5)(np.zeros((2, 3)))


@pytest.mark.parametrize("make, name", [(mt.BatchNorm1d, "BatchNorm1d"), (mt.BatchNorm2d, "BatchNorm2d")])
def test_messages_name_the_layer(make, name):
    with pytest.raises(ValueError, match=rf"^{name}: num_features must be a positive integer, got 0$"):
        make(0)
    shape = (1, 3) if make is mt.BatchNorm1d else (1, 3, 1, 1)
    with pytest.raises(ValueError, match=rf"^{name}: expected more than 1 value per channel when training, got input "
                                         rf"of shape {re.escape(str(shape))}; use a batch of at least 2 or call "
                                         r"\.eval\(\)$"):
        make(3)(np.zeros(shape, np.float32))


def test_without_affine_there_are_no_parameters_as_pytorch():
    layer = mt.BatchNorm1d(3, affine=False)
    assert layer.weight is None and layer.bias is None and list(layer.parameters()) == []
    assert [name for name, _ in layer.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]


@pytest.mark.parametrize("options", [{}, {"affine": False}, {"affine": False, "track_running_stats": False}],
                         ids=["default", "no-affine", "no-affine-no-stats"])
def test_float32_layers_compute_float64_input_in_float32(options):
    layer = mt.BatchNorm1d(3, **options)
    x = np.random.default_rng(0).standard_normal((5, 3))
    out = layer(x)
    expected_dtype = np.float64 if options.get("track_running_stats") is False else np.float32
    assert out.dtype == expected_dtype
    assert layer.backward(np.ones_like(out)).dtype == expected_dtype
    if layer.running_mean is not None:
        assert layer.running_mean.dtype == layer.running_var.dtype == np.float32
        assert layer.num_batches_tracked.dtype == np.int64


def test_eps_is_the_one_given():
    x = np.array([[0.0], [2.0]])
    # batch mean 1, biased variance 1: y = (x - 1) / sqrt(1 + eps)
    np.testing.assert_allclose(mt.BatchNorm1d(1, eps=3.0).double()(x), [[-0.5], [0.5]], rtol=1e-15)
    layer = mt.BatchNorm1d(1, eps=3.0).double().eval()
    np.testing.assert_allclose(layer(x), [[0.0], [1.0]], rtol=1e-15)  # (x - 0) / sqrt(1 + 3)
