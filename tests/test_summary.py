from __future__ import annotations

import minitorch_nn as mt


def test_summary_lists_layers_shapes_and_counts():
    model = mt.MLP(784, [512, 64], 10, batchnorm=True)
    printed = []
    table = mt.summary(model, (1, 784), print_fn=printed.append)
    assert printed == [table]
    lines = table.splitlines()
    assert any("0 (Linear)" in line and "(1, 512)" in line and "401,920" in line for line in lines)
    assert any("6 (Linear)" in line and "(1, 10)" in line and "650" in line for line in lines)
    assert "Total params: 436,554" in table
    assert model.training  # restored after the eval-mode pass
