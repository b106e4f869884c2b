"""BLAS threads per rank: N ranks on one machine share its cores instead of fighting over them.

A process uses every core for its matrix products by default. N ranks on a machine with C
cores would start N·C threads; each rank gets C / N instead (at least 1). Setting
``OMP_NUM_THREADS`` or ``OPENBLAS_NUM_THREADS`` yourself (``mpiexec -env OMP_NUM_THREADS 2 …``)
keeps your choice.
"""
from __future__ import annotations

import os

from .world import ranks_on_this_host, world_size

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def blas_threads_per_rank() -> int | None:
    """``cores // ranks on this host`` (at least 1) under MPI, None when there is nothing to
    decide: a single process, or a thread count set in the environment. Collective under MPI."""
    if world_size() == 1:
        return None
    ranks = ranks_on_this_host()
    if any(os.environ.get(name) for name in THREAD_VARIABLES):
        return None
    return max(1, available_cores() // ranks)


def limit_blas_threads(threads: int) -> None:
    """Make numpy's BLAS (OpenBLAS, MKL …) use ``threads`` threads from now on."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")
