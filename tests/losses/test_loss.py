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
