"""Every loss against PyTorch's values (forward and d loss / d scores), plus gradient checks."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt

LOSSES = {
    "cross_entropy_mean": lambda c: mt.CrossEntropyLoss(),
    "cross_entropy_sum": lambda c: mt.CrossEntropyLoss(reduction="sum"),
    "cross_entropy_none": lambda c: mt.CrossEntropyLoss(reduction="none"),
    "cross_entropy_smoothing": lambda c: mt.CrossEntropyLoss(label_smoothing=0.1),
    "cross_entropy_weight": lambda c: mt.CrossEntropyLoss(weight=c["weight"]),
    "cross_entropy_weight_smoothing": lambda c: mt.CrossEntropyLoss(weight=c["weight"], label_smoothing=0.2),
    "cross_entropy_ignore": lambda c: mt.CrossEntropyLoss(label_smoothing=0.1),
    "cross_entropy_probs": lambda c: mt.CrossEntropyLoss(label_smoothing=0.1),
    "nll_mean": lambda c: mt.NLLLoss(),
    "nll_sum": lambda c: mt.NLLLoss(reduction="sum"),
    "nll_none": lambda c: mt.NLLLoss(reduction="none"),
    "nll_weight": lambda c: mt.NLLLoss(weight=c["weight"]),
    "mse_mean": lambda c: mt.MSELoss(),
    "mse_sum": lambda c: mt.MSELoss(reduction="sum"),
    "mse_none": lambda c: mt.MSELoss(reduction="none"),
    "multi_margin_mean": lambda c: mt.MultiMarginLoss(),
    "multi_margin_sum": lambda c: mt.MultiMarginLoss(reduction="sum"),
    "multi_margin_none": lambda c: mt.MultiMarginLoss(reduction="none"),
    "multi_margin_p2": lambda c: mt.MultiMarginLoss(p=2, margin=0.5),
    "multi_margin_weight": lambda c: mt.MultiMarginLoss(weight=c["weight"]),
}


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-5)], ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_matches_pytorch(name, dtype, rtol, layer_reference):
    case = layer_reference[name]
    criterion = LOSSES[name](case)
    target = case["target"].astype(dtype) if case["target"].dtype.kind == "f" else case["target"]
    loss = criterion(case["input"].astype(dtype), target)
    if criterion.reduction == "none":
        assert loss.shape == case["output"].shape
    else:
        assert isinstance(loss, float)
    np.testing.assert_allclose(loss, case["output"], rtol=rtol, atol=1e-12)
    upstream = case["upstream"] if criterion.reduction == "none" else float(case["upstream"])
    grad = criterion.backward(upstream)
    assert grad.dtype == dtype and grad.shape == case["input"].shape
    np.testing.assert_allclose(grad, case["grad_input"], rtol=rtol, atol=1e-7 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradcheck(name, layer_reference):
    case = layer_reference[name]
    criterion = LOSSES[name](case)
    assert mt.gradcheck(criterion, case["input"], case["target"])


def test_cross_entropy_is_stable_for_huge_logits():
    scores = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], dtype=np.float32)
    criterion = mt.CrossEntropyLoss()
    assert criterion(scores, np.array([0, 1])) == 0.0
    # the wrong class by a margin of 2e4: the loss is exactly that margin
    assert criterion(scores, np.array([1, 0])) == pytest.approx(2e4, rel=1e-6)
    grad = criterion.backward()
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(grad, [[0.5, -0.5, 0], [-0.5, 0.5, 0]], atol=1e-6)


def test_multi_margin_is_course_svm_loss_divided_by_classes():
    rng = np.random.default_rng(0)
    scores, labels = rng.standard_normal((6, 5)), rng.integers(0, 5, 6)
    margins = np.maximum(0, scores - scores[np.arange(6), labels][:, None] + 1)
    margins[np.arange(6), labels] = 0
    course_svm_loss = margins.sum() / 6
    assert mt.MultiMarginLoss()(scores, labels) == pytest.approx(course_svm_loss / 5, rel=1e-12)


def test_live_pytorch_cross_entropy_random_cases():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for smoothing in (0.0, 0.3):
        scores, labels = rng.standard_normal((9, 6)) * 5, rng.integers(0, 6, 9)
        ours = mt.CrossEntropyLoss(label_smoothing=smoothing)
        loss = ours(scores, labels)
        scores_t = torch.tensor(scores, requires_grad=True)
        expected = torch.nn.CrossEntropyLoss(label_smoothing=smoothing)(scores_t, torch.tensor(labels))
        expected.backward()
        assert loss == pytest.approx(expected.item(), rel=1e-12)
        np.testing.assert_allclose(ours.backward(), scores_t.grad.numpy(), rtol=1e-10, atol=1e-15)
