"""Bad input to a loss: clear ValueErrors, never a numpy traceback or a silent result."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt

CLASS_LOSSES = [mt.CrossEntropyLoss, mt.NLLLoss, mt.MultiMarginLoss]


@pytest.mark.parametrize("loss", CLASS_LOSSES, ids=lambda c: c.__name__)
def test_label_out_of_range(loss):
    with pytest.raises(ValueError, match=r"target 10 is out of range for 10 classes \(labels must be in \[0, 9\]\)"):
        loss()(np.zeros((3, 10)), np.array([1, 10, 2]))
    with pytest.raises(ValueError, match="target -1 is out of range"):
        loss()(np.zeros((3, 10)), np.array([1, -1, 2]))


@pytest.mark.parametrize("loss", CLASS_LOSSES, ids=lambda c: c.__name__)
def test_labels_of_wrong_length(loss):
    with pytest.raises(ValueError, match=r"expected 3 targets \(shape \(3,\)\) for scores of shape \(3, 10\), got targets of shape \(4,\)"):
        loss()(np.zeros((3, 10)), np.array([1, 2, 3, 4]))


@pytest.mark.parametrize("loss", CLASS_LOSSES + [mt.MSELoss], ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_scores_name_the_loss(loss, bad):
    scores = np.zeros((3, 4))
    scores[1, 2] = bad
    target = np.zeros((3, 4)) if loss is mt.MSELoss else np.array([0, 1, 2])
    with pytest.raises(ValueError, match=f"{loss.__name__}: the input scores contain {'NaN' if bad != np.inf else 'inf'}"):
        loss()(scores, target)


def test_float_labels_and_wrong_rank():
    with pytest.raises(ValueError, match="class targets must be integers"):
        mt.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"expected float scores of shape \(N, C\)"):
        mt.CrossEntropyLoss()(np.zeros(3), np.array([0]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        mt.CrossEntropyLoss(reduction="average")
    with pytest.raises(ValueError, match=r"input shape \(2, 3\) and target shape \(2,\) differ"):
        mt.MSELoss()(np.zeros((2, 3)), np.zeros(2))


def test_ignore_index_is_allowed_out_of_range():
    loss = mt.CrossEntropyLoss()(np.zeros((2, 3)), np.array([-100, 1]))
    assert loss == pytest.approx(np.log(3))


ALL_LOSSES = CLASS_LOSSES + [mt.MSELoss]


def targets_for(loss, scores):
    n, num_classes = scores.shape
    return np.zeros_like(scores) if loss is mt.MSELoss else np.arange(n) % num_classes


@pytest.mark.parametrize("loss, message", [
    (mt.CrossEntropyLoss, r"CrossEntropyLoss: the input scores contain NaN; the model diverged \(lower the learning "
                          r"rate, check the data for NaN, or clip gradients\)$"),
    (mt.MSELoss, r"MSELoss: the input scores contain NaN; the model diverged \(lower the learning rate, check the "
                 r"data for NaN, or clip gradients\)$"),
], ids=lambda c: getattr(c, "__name__", ""))
def test_the_divergence_message_says_what_to_do(loss, message):
    scores = np.array([[0.0, np.nan], [1.0, 2.0]])
    with pytest.raises(ValueError, match=message):
        loss()(scores, targets_for(loss, scores))


@pytest.mark.parametrize("make, call, error, message", [
    (lambda: mt.CrossEntropyLoss(), lambda f: f(np.zeros((2, 3)), np.array([0.0, 1.0])), ValueError,
     r"^CrossEntropyLoss: class targets must be integers, got dtype float64 \(convert with targets\.astype\(np\.int64\)\)$"),
    (lambda: mt.NLLLoss(), lambda f: f(np.zeros((2, 3), np.int64), np.array([0, 1])), ValueError,
     r"^NLLLoss: expected float scores of shape \(N, C\), got int64 array of shape \(2, 3\)$"),
    (lambda: mt.MultiMarginLoss(weight=[1.0, 2.0]), lambda f: f(np.zeros((2, 3)), np.array([0, 1])), ValueError,
     r"^MultiMarginLoss: weight must have shape \(3,\), got \(2,\)$"),
    (lambda: mt.MSELoss(), lambda f: f(np.zeros((2, 3)), np.zeros((2, 2))), ValueError,
     r"^MSELoss: input shape \(2, 3\) and target shape \(2, 2\) differ; pass targets shaped like the predictions$"),
    (lambda: mt.MSELoss(), lambda f: f(np.zeros((2, 3), np.int64), np.zeros((2, 3))), ValueError,
     r"^MSELoss: expected float predictions, got dtype int64$"),
    (lambda: mt.MultiMarginLoss(p=3), None, ValueError, r"^MultiMarginLoss: only p == 1 and p == 2 are supported, got p=3$"),
    (lambda: mt.CrossEntropyLoss(label_smoothing=1.5), None, ValueError,
     r"^CrossEntropyLoss: label_smoothing must be in \[0, 1\], got 1\.5$"),
    (lambda: mt.NLLLoss(reduction="avg"), None, ValueError,
     r"^NLLLoss: reduction must be one of \('mean', 'sum', 'none'\), got 'avg'$"),
], ids=["float-labels", "int-scores", "weight-shape", "mse-shapes", "mse-int", "margin-p", "smoothing", "reduction"])
def test_every_message_names_the_loss_and_the_fix(make, call, error, message):
    with pytest.raises(error, match=message):
        loss = make()
        call(loss)


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=lambda c: c.__name__)
def test_backward_before_forward_names_the_loss(loss):
    with pytest.raises(RuntimeError, match=rf"^{loss.__name__}\.backward\(\) called before forward\(\)"):
        loss().backward()


def test_label_checks_with_an_ignored_label_and_class_zero():
    scores = np.zeros((3, 4))
    for loss in (mt.CrossEntropyLoss(), mt.NLLLoss(), mt.CrossEntropyLoss(label_smoothing=0.1)):
        assert np.isfinite(loss(scores, np.array([0, -100, 3])))  # 0 is a class, -100 ignored
        with pytest.raises(ValueError, match="target 4 is out of range for 4 classes"):
            loss(scores, np.array([0, -100, 4]))  # the bad one is named, not the 0
        with pytest.raises(ValueError, match="target -1 is out of range"):
            loss(scores, np.array([2, -100, -1]))


@pytest.mark.parametrize("loss", [mt.CrossEntropyLoss, mt.NLLLoss], ids=lambda c: c.__name__)
def test_a_single_class_with_ignored_samples(loss):
    scores = np.array([[0.5], [-1.0], [2.0]])
    criterion = loss()
    value = criterion(scores, np.array([0, -100, 0]))
    expected = 0.0 if loss is mt.CrossEntropyLoss else -(0.5 + 2.0) / 2  # log-softmax of one class is 0
    assert value == pytest.approx(expected, abs=1e-15)
    np.testing.assert_allclose(criterion.backward(), [[0.0], [0.0], [0.0]] if loss is mt.CrossEntropyLoss
                               else [[-0.5], [0.0], [-0.5]], atol=1e-15)


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=lambda c: c.__name__)
def test_an_empty_batch_is_nan_for_mean_and_zero_for_sum_as_pytorch(loss):
    scores = np.zeros((0, 4))
    targets = np.zeros((0, 4)) if loss is mt.MSELoss else np.zeros(0, np.int64)
    mean, total = loss(), loss(reduction="sum")
    assert np.isnan(mean(scores, targets)) and total(scores, targets) == 0.0
    assert mean.backward().shape == total.backward().shape == (0, 4)


@pytest.mark.parametrize("loss, options", [
    (mt.CrossEntropyLoss, {}), (mt.CrossEntropyLoss, {"label_smoothing": 0.2}),
    (mt.CrossEntropyLoss, {"weight": [1.0, 2.0, 0.5]}), (mt.NLLLoss, {}), (mt.NLLLoss, {"weight": [1.0, 2.0, 0.5]}),
], ids=["ce", "ce-smoothing", "ce-weight", "nll", "nll-weight"])
def test_every_target_ignored_gives_pytorch_s_nan_mean_zero_sum_and_zero_gradient(loss, options):
    scores, targets = np.array([[0.3, -1.0, 2.0], [1.0, 0.0, 0.0]]), np.array([-100, -100])
    mean, total, per_sample = (loss(reduction=r, **options) for r in ("mean", "sum", "none"))
    assert np.isnan(mean(scores, targets)) and total(scores, targets) == 0.0
    np.testing.assert_array_equal(per_sample(scores, targets), [0.0, 0.0])
    for criterion, upstream in ((mean, 1.0), (total, 1.0), (per_sample, np.ones(2))):
        np.testing.assert_array_equal(criterion.backward(upstream), np.zeros((2, 3)))


def test_the_reduction_adds_in_float64_so_float32_batches_lose_nothing():
    """2**24 + 1 is not a float32: a float32 sum would give 16777216 (PyTorch's float32 result);
    the losses return a Python float accumulated in float64."""
    log_probs = np.array([[-2.0**24, 0.0], [0.0, -1.0]], np.float32)
    assert mt.NLLLoss(reduction="sum")(log_probs, np.array([0, 1])) == 2.0**24 + 1
    # the weighted mean's denominator too: (2**24 + 1) / (2**24 + 1)
    weighted = mt.NLLLoss(weight=np.array([2.0**24, 1.0], np.float32))
    assert weighted(np.array([[-1.0, 0.0], [0.0, -1.0]], np.float32), np.array([0, 1])) == 1.0
    smoothing_free = mt.CrossEntropyLoss(weight=np.array([2.0**24, 1.0], np.float32), ignore_index=5)
    assert smoothing_free(np.zeros((2, 2), np.float32), np.array([0, 1])) == pytest.approx(np.log(2), rel=1e-7)
    squared = mt.MSELoss(reduction="sum")
    assert squared(np.array([2.0**12, 1.0], np.float32), np.zeros(2, np.float32)) == 2.0**24 + 1


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("upstream", [2.0, 0.5, 1.0])
def test_backward_scales_by_the_upstream_gradient(loss, upstream):
    rng = np.random.default_rng(3)
    scores = rng.standard_normal((4, 3))
    for reduction in ("mean", "sum"):
        criterion = loss(reduction=reduction)
        criterion(scores, targets_for(loss, scores))
        unit = criterion.backward().copy()  # the default upstream gradient is 1
        criterion(scores, targets_for(loss, scores))
        np.testing.assert_array_equal(criterion.backward(1.0), unit)
        criterion(scores, targets_for(loss, scores))
        np.testing.assert_allclose(criterion.backward(upstream), upstream * unit, rtol=1e-15)


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=lambda c: c.__name__)
def test_per_sample_losses_keep_float32(loss):
    scores = np.random.default_rng(4).standard_normal((5, 3)).astype(np.float32)
    criterion = loss(reduction="none")
    values = criterion(scores, targets_for(loss, scores).astype(np.float32) if loss is mt.MSELoss
                       else targets_for(loss, scores))
    assert values.dtype == np.float32
    assert criterion.backward(np.ones(values.shape, np.float32)).dtype == np.float32


def test_mse_mean_of_one_element():
    criterion = mt.MSELoss()
    assert criterion(np.array([3.0]), np.array([1.0])) == 4.0
    np.testing.assert_array_equal(criterion.backward(), [4.0])  # 2 (x - y) / 1


def test_targets_that_are_neither_labels_nor_probabilities_are_refused():
    scores = np.zeros((2, 3))
    for criterion in (mt.CrossEntropyLoss(), mt.CrossEntropyLoss(label_smoothing=0.1)):
        with pytest.raises(ValueError, match=r"^CrossEntropyLoss: expected 2 targets \(shape \(2,\)\) for scores of "
                                             r"shape \(2, 3\), got targets of shape \(2, 3\)$"):
            criterion(scores, np.zeros((2, 3), np.int64))  # integer (N, C): not probabilities
        with pytest.raises(ValueError, match=r"^CrossEntropyLoss: class targets must be integers, got dtype float64"):
            criterion(scores, np.array([0.0, 1.0]))  # float (N,): not labels


@pytest.mark.parametrize("loss", [mt.CrossEntropyLoss, mt.NLLLoss, mt.MultiMarginLoss], ids=lambda c: c.__name__)
def test_class_weights_are_used_in_the_scores_dtype(loss):
    """Weights given in float64 act exactly as their float32 values on float32 scores."""
    scores = np.random.default_rng(5).standard_normal((6, 3)).astype(np.float32)
    labels = np.array([0, 1, 2, 2, 1, 0])
    weight = np.array([0.1, 1 / 3, 0.7])
    given, cast = loss(weight=weight), loss(weight=weight.astype(np.float32))
    assert given(scores, labels) == cast(scores, labels)
    np.testing.assert_array_equal(given.backward(), cast.backward())
    per_sample = loss(weight=weight, reduction="none")(scores, labels)
    assert per_sample.dtype == np.float32


def test_the_weighted_mean_s_denominator_adds_in_float64():
    """log-softmax of [0, -100] is exactly [0, -100] in float32, so the loss is 100 / (2**24 + 1) exactly
    when the weights 2**24 and 1 are added in float64 (float32 would give 2**24)."""
    scores = np.array([[0.0, -100.0], [0.0, -100.0]], np.float32)
    criterion = mt.CrossEntropyLoss(weight=np.array([2.0**24, 1.0], np.float32))
    assert criterion(scores, np.array([0, 1])) == 100 / (2**24 + 1)


def test_a_single_weighted_class_with_ignored_samples():
    criterion = mt.CrossEntropyLoss(weight=[2.0])
    assert criterion(np.array([[0.5], [1.0]]), np.array([0, -100])) == 0.0
    np.testing.assert_array_equal(criterion.backward(), [[0.0], [0.0]])


# ------------------------------------------------------------------ a user's own loss: subclassing mt.Loss
class OneHotSquaredError(mt.Loss):
    """``loss_i = sum_c (x_ic - [c = y_i])²``, written as a user would: ``forward`` and ``backward`` only;
    the base class validates ``reduction`` and makes it a Module."""

    def forward(self, input, target):
        self._residual = np.array(input, dtype=np.float64)
        self._residual[np.arange(len(target)), target] -= 1
        per_sample = (self._residual ** 2).sum(axis=1)
        if self.reduction == "none":
            return per_sample
        return float(per_sample.mean() if self.reduction == "mean" else per_sample.sum())

    def backward(self, grad_output=1.0):
        grad = 2 * self._residual
        if self.reduction == "none":
            return grad * np.asarray(grad_output)[:, None]
        return grad * grad_output / (len(grad) if self.reduction == "mean" else 1)


def test_a_loss_subclass_gets_reduction_checks_repr_and_module_behaviour():
    assert OneHotSquaredError().reduction == "mean"
    assert repr(OneHotSquaredError(reduction="sum")) == "OneHotSquaredError(reduction='sum')"
    with pytest.raises(ValueError, match=r"OneHotSquaredError: reduction must be one of \('mean', 'sum', 'none'\)"):
        OneHotSquaredError(reduction="average")
    loss = OneHotSquaredError()
    assert isinstance(loss, mt.Module) and list(loss.parameters()) == [] and loss.eval().training is False
    scores, labels = np.array([[0.5, 0.0], [0.0, 2.0]]), np.array([0, 1])
    assert loss(scores, labels) == pytest.approx(((0.25 + 0) + (0 + 1)) / 2)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_a_loss_subclass_passes_gradcheck(reduction):
    rng = np.random.default_rng(0)
    assert mt.gradcheck(OneHotSquaredError(reduction=reduction), rng.standard_normal((5, 3)), rng.integers(0, 3, 5))


def test_a_loss_subclass_trains_a_model_with_the_trainer():
    from minitorch_nn.data import DataLoader, Digits

    data = Digits(train=True)
    x, y = data.data[:300].reshape(300, -1).astype(np.float32) / 255, data.targets[:300]
    mt.manual_seed(0)
    model = mt.MLP(64, [32], 10)
    trainer = mt.Trainer(model, OneHotSquaredError(), mt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9), log=None)
    history = trainer.fit(DataLoader((x, y), batch_size=20, shuffle=True, seed=0), epochs=5)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0] and history.train_accuracy[-1] > 0.8


def test_the_base_class_says_what_a_subclass_must_implement():
    class Unfinished(mt.Loss):
        pass

    with pytest.raises(NotImplementedError):
        Unfinished()(np.zeros((2, 3)), np.array([0, 1]))
    with pytest.raises(NotImplementedError, match=r"Unfinished must implement backward\(grad_output\)"):
        Unfinished().backward(1.0)
