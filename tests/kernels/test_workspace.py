"""Workspace: reused storage per purpose, never shared between purposes."""
import numpy as np

from minitorch_nn.kernels.workspace import Workspace


def test_storage_is_reused_per_purpose_and_grows():
    workspace = Workspace()
    first = workspace.array("a", (4, 5), np.float32)
    again = workspace.array("a", (2, 3), np.float32)
    assert np.shares_memory(first, again) and again.shape == (2, 3)
    larger = workspace.array("a", (10, 10), np.float64)
    assert larger.shape == (10, 10) and larger.dtype == np.float64 and workspace.nbytes >= 800


def test_purposes_never_alias():
    workspace = Workspace()
    a = workspace.like("a", np.zeros((3, 3)))
    b = workspace.like("b", np.zeros((3, 3)))
    assert not np.shares_memory(a, b)
    workspace.clear()
    assert workspace.nbytes == 0
