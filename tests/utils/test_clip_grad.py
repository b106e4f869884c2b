"""clip_grad_norm_: the total gradient norm and in-place clipping, as PyTorch."""
import math

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.utils.clip_grad import clip_grad_norm_


def _params(grads, dtype=np.float64):
    params = []
    for g in grads:
        p = mt.Parameter(np.zeros(np.shape(g), dtype=dtype))
        p.grad = None if g is None else np.array(g, dtype=dtype)
        params.append(p)
    return params


def test_clips_to_max_norm_and_returns_norm_before():
    params = _params([[3.0, 0.0], [[0.0], [4.0]], None])
    total = clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, float) and total == pytest.approx(5.0)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad, [3 * coef, 0])
    np.testing.assert_allclose(params[1].grad, [[0], [4 * coef]])
    assert params[2].grad is None
    new_norm = np.sqrt(sum((p.grad**2).sum() for p in params[:2]))
    assert new_norm == pytest.approx(1.0, rel=1e-5)


def test_no_clipping_below_max_norm():
    params = _params([[0.3, 0.4]])
    grad = params[0].grad
    assert clip_grad_norm_(params, max_norm=1.0) == pytest.approx(0.5)
    assert params[0].grad is grad
    np.testing.assert_array_equal(grad, [0.3, 0.4])


def test_inf_norm_and_p_norm():
    params = _params([[1.0, -7.0], [2.0]])
    assert clip_grad_norm_(params, max_norm=100.0, norm_type=float("inf")) == 7.0
    assert clip_grad_norm_(params, max_norm=100.0, norm_type="inf") == 7.0
    assert clip_grad_norm_(params, max_norm=100.0, norm_type=1) == pytest.approx(10.0)
    assert clip_grad_norm_(params, max_norm=100.0, norm_type=3) == pytest.approx((1 + 343 + 8) ** (1 / 3))
    clip_grad_norm_(params, max_norm=3.5, norm_type=np.inf)
    np.testing.assert_allclose(params[0].grad, np.array([1.0, -7.0]) * 3.5 / (7 + 1e-6))


def test_single_parameter_and_generator_and_no_grads():
    (p,) = _params([[6.0, 8.0]])
    assert clip_grad_norm_(p, 5.0) == pytest.approx(10.0)
    np.testing.assert_allclose(p.grad, [3.0, 4.0], rtol=1e-6)
    assert clip_grad_norm_(iter(_params([None, None])), 1.0) == 0.0


def test_float32_grads_stay_float32():
    params = _params([[30.0, 40.0]], dtype=np.float32)
    clip_grad_norm_(params, 1.0)
    assert params[0].grad.dtype == np.float32


def test_nonfinite():
    params = _params([[np.inf, 1.0]])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(params[0].grad, [np.inf, 1.0])  # the error leaves the grads alone


@pytest.mark.parametrize("grad, norm, clipped", [
    ([np.nan, 1.0], math.nan, [np.nan, np.nan]),   # coefficient max_norm / (nan + 1e-6) = nan
    ([np.inf, 1.0], math.inf, [np.nan, 0.0]),      # coefficient 0: inf * 0 = nan, 1 * 0 = 0
])
def test_nonfinite_norm_is_returned_and_scales_the_grads_as_pytorch(grad, norm, clipped):
    params = _params([grad])
    with np.errstate(invalid="ignore"):
        total = clip_grad_norm_(params, 1.0)
    assert total == norm or (math.isnan(norm) and math.isnan(total))
    np.testing.assert_array_equal(params[0].grad, clipped)


@pytest.mark.parametrize("grad", [[np.nan, 1.0], [np.inf, 1.0]], ids=["nan", "inf"])
def test_nonfinite_matches_live_torch(grad):
    torch = pytest.importorskip("torch")
    params = _params([grad])
    tensor = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    tensor.grad = torch.tensor(grad, dtype=torch.float64)
    with np.errstate(invalid="ignore"):
        total = clip_grad_norm_(params, 1.0)
    expected = float(torch.nn.utils.clip_grad_norm_([tensor], 1.0))
    assert total == expected or (math.isnan(total) and math.isnan(expected))
    np.testing.assert_array_equal(params[0].grad, tensor.grad.numpy())


def test_type_error():
    with pytest.raises(TypeError, match="ndarray"):
        clip_grad_norm_([np.zeros(3)], 1.0)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
def test_matches_live_torch(norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((5, 4)), rng.standard_normal(7), None]
    params = _params(grads)
    tparams = [torch.zeros(np.shape(g) if g is not None else (1,), dtype=torch.float64, requires_grad=True)
               for g in grads]
    for t, g in zip(tparams, grads):
        t.grad = None if g is None else torch.tensor(g)
    total = clip_grad_norm_(params, 1.5, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, 1.5, norm_type=norm_type)
    assert total == pytest.approx(float(ttotal), rel=1e-12)
    for p, t in zip(params[:2], tparams[:2]):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)


def test_frozen_parameters_neither_count_nor_are_scaled():
    trained, frozen = _params([[3.0, 4.0], [100.0]])
    frozen.requires_grad_(False)        # a gradient left from before it was frozen
    assert clip_grad_norm_([trained, frozen], max_norm=1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(trained.grad, [0.6, 0.8], rtol=1e-6)
    assert frozen.grad.tolist() == [100.0]


def test_a_frozen_layer_clips_as_in_pytorch():
    torch = pytest.importorskip("torch")
    mt.manual_seed(0)
    model = mt.MLP(4, [5], 3).double()
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3)).double()
    with torch.no_grad():
        for (name, p), t in zip(model.named_parameters(), net.parameters()):
            t.copy_(torch.from_numpy(p.data))
    model[0].requires_grad_(False)
    net[0].requires_grad_(False)
    x, y = np.random.default_rng(1).standard_normal((8, 4)), np.arange(8) % 3
    loss_fn = mt.CrossEntropyLoss()
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    torch.nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    ours = clip_grad_norm_(model.parameters(), max_norm=0.1)
    theirs = torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=0.1)
    assert ours == pytest.approx(float(theirs), rel=1e-12)
    for p, t in zip(model.parameters(), net.parameters()):
        assert (p.grad is None) == (t.grad is None)
        if p.grad is not None:
            np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)
