"""Workspace: one reused buffer per purpose and shape, never shared between purposes."""
import numpy as np

from minitorch_nn.kernels.workspace import Workspace


def test_the_same_purpose_and_shape_gives_the_same_array():
    workspace = Workspace()
    first = workspace.array("a", (4, 5), np.float32)
    assert workspace.array("a", (4, 5), np.float32) is first
    assert workspace.like("a", np.zeros((4, 5), np.float32)) is first
    other_shape = workspace.array("a", (2, 3), np.float64)
    assert other_shape.shape == (2, 3) and other_shape.dtype == np.float64 and other_shape.flags.c_contiguous
    assert workspace.nbytes == 4 * 5 * 4 + 2 * 3 * 8


def test_purposes_never_alias():
    workspace = Workspace()
    a = workspace.like("a", np.zeros((3, 3)))
    b = workspace.like("b", np.zeros((3, 3)))
    assert not np.shares_memory(a, b)
    workspace.clear()
    assert workspace.nbytes == 0
