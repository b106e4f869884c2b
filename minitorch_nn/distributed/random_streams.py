"""Per-rank random streams: each rank draws its own dropout masks, reproducibly.

All ranks build the model from the run's seed, so their global generators
(``mt.random.default_generator()``) agree after initialisation. Were they left so, every rank
would draw the same dropout masks for different images; instead each rank r continues with a
stream of its own, ``default_rng([k, r])``, where k is the next draw of the shared generator.
The data order never uses these streams: the ``DataLoader`` of a run has its own seed.
"""
from __future__ import annotations

import numpy as np

from ..random import get_rng_state, set_rng_state
from .world import rank, world_size


def rank_stream_state(shared_state: dict, rank_: int) -> dict:
    """The generator state of rank ``rank_``'s own stream, derived from ``shared_state``
    (a ``get_rng_state()`` that every rank has)."""
    bit_generator = getattr(np.random, shared_state["bit_generator"])()
    bit_generator.state = shared_state
    key = int(np.random.Generator(bit_generator).integers(2**63))
    return np.random.default_rng([key, rank_]).bit_generator.state


def split_random_streams() -> None:
    """Under MPI, move every rank's global generator onto a stream of its own (see the module
    docstring); in a single process nothing changes."""
    if world_size() > 1:
        set_rng_state(rank_stream_state(get_rng_state(), rank()))


def resumed_stream_state(rank0_state: dict, rank_states: list | None) -> dict:
    """This rank's generator state when resuming from a checkpoint.

    Args:
        rank0_state: the checkpoint's ``rng`` (rank 0's generator, or the only one).
        rank_states: the checkpoint's ``rank_rng`` (every rank's generator), or None.

    Resuming with as many ranks as wrote the checkpoint restores each rank's own state, so
    the run continues exactly. With another number of ranks, one process continues rank 0's
    stream and several derive theirs from it (see ``rank_stream_state``): the weights, the
    optimiser and the data order continue exactly, the dropout masks do not.
    """
    if rank_states is not None and len(rank_states) == world_size():
        return rank_states[rank()]
    if world_size() == 1:
        return rank0_state
    return rank_stream_state(rank0_state, rank())
