"""The options that change a layer's or a loss's behaviour, against PyTorch: BatchNorm's
``momentum=None`` (cumulative moving average) and ``track_running_stats=False`` (batch statistics in
eval mode too), a non-default ``ignore_index`` of ``CrossEntropyLoss`` and ``NLLLoss``, and
``CrossEntropyLoss`` with class-probability targets and with ``label_smoothing=1``.

The values come from scripts/make_option_fixtures.py (tests/fixtures/options_reference.npz); the
``live`` tests re-derive them with PyTorch when it is installed.
"""
from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

import minitorch_nn as mt

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "options_reference.npz"
BATCHNORM = {"batchnorm1d": mt.BatchNorm1d, "batchnorm2d": mt.BatchNorm2d}
LOSS_CASES = ["cross_entropy_ignore_mean", "cross_entropy_ignore_sum", "cross_entropy_ignore_none",
              "cross_entropy_ignore_smoothing", "cross_entropy_ignore_weight",
              "nll_ignore_mean", "nll_ignore_sum", "nll_ignore_none", "nll_ignore_weight"]
TARGET_CASES = ["cross_entropy_probabilities_mean", "cross_entropy_probabilities_none",
                "cross_entropy_probabilities_weight_smoothing", "cross_entropy_full_smoothing"]


def cases_from(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    cases: dict[str, dict[str, np.ndarray]] = {}
    for key, value in arrays.items():
        case, name = key.split("/", 1)
        cases.setdefault(case, {})[name] = value
    return cases


def stored() -> dict[str, dict[str, np.ndarray]]:
    with np.load(FIXTURE) as archive:
        return cases_from({name: archive[name] for name in archive.files})


def live() -> dict[str, dict[str, np.ndarray]]:
    """The same cases computed now by PyTorch (skips without it)."""
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("make_option_fixtures", ROOT / "scripts" / "make_option_fixtures.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return cases_from(script.build_fixtures())


STORED = stored()
SOURCES = {"fixture": lambda: STORED, "live": live}


def check_momentum_none(kind: str, case: dict) -> None:
    layer = BATCHNORM[kind](case["running_mean.0"].shape[0], momentum=None).double()
    for k in range(3):
        layer(case[f"input.{k}"])
        np.testing.assert_allclose(layer.running_mean, case[f"running_mean.{k}"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(layer.running_var, case[f"running_var.{k}"], rtol=1e-12, atol=1e-15)
    assert int(layer.num_batches_tracked) == 3
    np.testing.assert_allclose(layer.eval()(case["eval_input"]), case["eval_output"], rtol=1e-10, atol=1e-12)


def check_no_running_stats(kind: str, case: dict) -> None:
    layer = BATCHNORM[kind](case["param.weight"].shape[0], track_running_stats=False).double()
    layer.weight.data[...] = case["param.weight"]
    layer.bias.data[...] = case["param.bias"]
    assert layer.running_mean is None and layer.running_var is None and dict(layer.named_buffers()) == {}
    for mode in ("train", "eval"):
        layer.train(mode == "train")
        layer.zero_grad()
        output = layer(case[f"{mode}.input"])
        grad_input = layer.backward(case[f"{mode}.upstream"])
        np.testing.assert_allclose(output, case[f"{mode}.output"], rtol=1e-10, atol=1e-12, err_msg=mode)
        np.testing.assert_allclose(grad_input, case[f"{mode}.grad_input"], rtol=1e-10, atol=1e-12, err_msg=mode)
        np.testing.assert_allclose(layer.weight.grad, case[f"{mode}.grad.weight"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.bias.grad, case[f"{mode}.grad.bias"], rtol=1e-10, atol=1e-12)


def make_loss(name: str, case: dict):
    reduction = name.rsplit("_", 1)[1] if name.endswith(("_mean", "_sum", "_none")) else "mean"
    weight = case.get("weight")
    if "ignore_index" not in case:
        return mt.CrossEntropyLoss(weight=weight, reduction=reduction, label_smoothing=float(case["label_smoothing"]))
    ignore_index = int(case["ignore_index"])
    if name.startswith("nll"):
        return mt.NLLLoss(weight=weight, ignore_index=ignore_index, reduction=reduction)
    smoothing = 0.2 if name.endswith("smoothing") else 0.0
    return mt.CrossEntropyLoss(weight=weight, ignore_index=ignore_index, reduction=reduction,
                               label_smoothing=smoothing)


def check_loss(name: str, case: dict, dtype=np.float64) -> None:
    criterion = make_loss(name, case)
    if "ignore_index" in case:
        assert criterion.ignore_index == 2 and np.count_nonzero(case["target"] == 2) == 3
    rtol, atol = (1e-10, 1e-12) if dtype == np.float64 else (1e-5, 1e-6)
    target = case["target"].astype(dtype) if case["target"].dtype.kind == "f" else case["target"]
    loss = criterion(case["input"].astype(dtype), target)
    np.testing.assert_allclose(loss, case["output"], rtol=rtol, atol=atol)
    if criterion.reduction == "none":
        assert loss.dtype == dtype  # per-sample losses keep the scores' dtype, as PyTorch
    else:
        assert isinstance(loss, float)
    upstream = case["upstream"].astype(dtype) if criterion.reduction == "none" else float(case["upstream"])
    grad = criterion.backward(upstream)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, case["grad_input"], rtol=rtol, atol=atol * 1e-2)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("kind", BATCHNORM)
def test_batchnorm_momentum_none_is_the_cumulative_average(kind, source):
    check_momentum_none(kind, SOURCES[source]()[f"{kind}_momentum_none"])


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("kind", BATCHNORM)
def test_batchnorm_without_running_stats_uses_batch_statistics_in_both_modes(kind, source):
    check_no_running_stats(kind, SOURCES[source]()[f"{kind}_no_running_stats"])


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", LOSS_CASES)
def test_a_non_default_ignore_index_is_honoured(name, source, dtype):
    check_loss(name, SOURCES[source]()[name], dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", TARGET_CASES)
def test_probability_targets_and_full_smoothing(name, source, dtype):
    check_loss(name, SOURCES[source]()[name], dtype)


def test_fixture_holds_every_case():
    expected = {f"{kind}_{option}" for kind in BATCHNORM for option in ("momentum_none", "no_running_stats")}
    assert set(STORED) == expected | set(LOSS_CASES) | set(TARGET_CASES)
