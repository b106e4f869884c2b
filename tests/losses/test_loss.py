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
