"""What the ranks of a data-parallel job exchange: gradients, weights, statistics, small results.

Every function is collective: all ranks call it, in the same order, with matching arguments.
Without MPI (one process) each one returns its input's single-process meaning at no cost.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ..module import Module
from ..parameter import Parameter
from .world import DistributedError, communicator


def all_reduce_gradients(parameters: Iterable[Parameter], batch_size: int | None = None) -> None:
    """Replace every ``.grad`` by the gradient of the global batch, identical on every rank.

    Rank r's ``.grad`` is g_r, the gradient of its mean loss over its own b_r samples. The
    gradient of the mean loss over the global batch of B = Σ b_r samples is::

        g = Σ_r (b_r / B) · g_r

    Each rank packs b_r · g_r for all parameters, and b_r itself, into one flat buffer; one
    ``Allreduce`` sums the buffers over the ranks, and the last entry, B, divides the rest.
    A parameter without a ``.grad`` counts as zeros (and has one afterwards).

    Frozen parameters (``requires_grad=False``) are left out.

    Args:
        parameters: the model's parameters, in the same order on every rank.
        batch_size: b_r, the samples this rank's gradient averages over (0 for a rank whose
            share of a batch is empty). None: every rank weighs the same (a plain mean).
    """
    parameters = [parameter for parameter in parameters if parameter.requires_grad]
    comm = communicator()
    if comm is None or comm.Get_size() == 1 or not parameters:
        return
    dtype = np.result_type(*(p.dtype for p in parameters))
    weight = 1.0 if batch_size is None else float(batch_size)
    sizes = [p.size for p in parameters]
    buffer = np.empty(sum(sizes) + 1, dtype=dtype)
    offset = 0
    for parameter, size in zip(parameters, sizes):
        part = buffer[offset:offset + size]
        if parameter.grad is None:
            part.fill(0)
        else:
            np.multiply(parameter.grad.reshape(-1), weight, out=part, casting="unsafe")
        offset += size
    buffer[-1] = weight
    comm.Allreduce(_in_place(), buffer)
    buffer[:-1] /= buffer[-1]
    offset = 0
    for parameter, size in zip(parameters, sizes):
        average = buffer[offset:offset + size].reshape(parameter.shape)
        if parameter.grad is None:
            parameter.accumulate_grad(average)  # a copy: the buffer is never shared
        else:
            np.copyto(parameter.grad, average, casting="unsafe")
        offset += size


def broadcast_parameters(module: Module) -> None:
    """Give every rank rank 0's parameters and buffers (its whole ``state_dict``), e.g. the
    initial weights, so that all ranks start from the same model.

    Raises:
        DistributedError: the ranks' models differ in structure (names or shapes).
    """
    comm = communicator()
    if comm is None or comm.Get_size() == 1:
        return
    shapes = [(name, tuple(array.shape)) for name, array in module.state_dict().items()]
    check_same_on_every_rank("the model's parameter names and shapes", shapes)
    state = comm.bcast(module.state_dict() if comm.Get_rank() == 0 else None, root=0)
    module.load_state_dict(state)


def broadcast_buffers(module: Module) -> None:
    """Copy rank 0's buffers (BatchNorm's running statistics) into every rank's, in place."""
    comm = communicator()
    if comm is None or comm.Get_size() == 1:
        return
    buffers = dict(module.named_buffers())
    if not buffers:
        return
    values = comm.bcast(buffers if comm.Get_rank() == 0 else None, root=0)
    for name, buffer in buffers.items():
        np.copyto(buffer, values[name])


def all_reduce_sum(values: Iterable[float]) -> list[float]:
    """The sum over the ranks of each value (counts and totals), on every rank."""
    array = np.array(list(values), dtype=np.float64)
    comm = communicator()
    if comm is not None and comm.Get_size() > 1:
        comm.Allreduce(_in_place(), array)
    return array.tolist()


def all_gather(value) -> list:
    """``[value of rank 0, value of rank 1, ...]`` on every rank (any picklable value)."""
    comm = communicator()
    return [value] if comm is None else comm.allgather(value)


def gather_to_main(value) -> list | None:
    """``[value of rank 0, ...]`` on rank 0, None on the other ranks."""
    comm = communicator()
    return [value] if comm is None else comm.gather(value, root=0)


def broadcast_from_main(value):
    """Rank 0's ``value``, on every rank (what the others pass is ignored)."""
    comm = communicator()
    return value if comm is None else comm.bcast(value, root=0)


def check_same_on_every_rank(what: str, value) -> None:
    """Raise ``DistributedError`` on every rank unless all ranks pass an equal ``value``.

    Args:
        what: names the value in the message ("the config and the data set").
    """
    values = all_gather(value)
    differing = [r for r, other in enumerate(values) if other != values[0]]
    if differing:
        raise DistributedError(f"{what} differ between the ranks: rank 0 has {values[0]!r}, rank {differing[0]} "
                               f"has {values[differing[0]]!r}. Every host must run the same code, config and "
                               f"data files (see docs/DISTRIBUTED.md)")


def _in_place():
    from mpi4py import MPI

    return MPI.IN_PLACE
