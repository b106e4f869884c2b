"""``--threads N`` / ``train.threads``: how many threads numpy's BLAS uses for matrix products.

The default (0) leaves the library's choice: one thread per core. On a machine whose cores are
busy with other work, fewer threads can be faster, because BLAS threads that wait for a core
stall each product (see docs/speed.md); ``--threads 1`` is then the safe choice.
"""
from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

_active: list = []


def set_blas_threads(threads: int) -> str | None:
    """Limit numpy's BLAS to ``threads`` threads until ``restore_blas_threads()``; 0 changes
    nothing. Returns a line for the run's log, or None."""
    if not threads:
        return None
    _active.append(threadpool_limits(limits=threads, user_api="blas"))
    libraries = sorted({f"{pool['internal_api']}" for pool in threadpool_info() if pool["user_api"] == "blas"})
    return f"BLAS threads: {threads} ({', '.join(libraries) or 'no BLAS library found'})"


def restore_blas_threads() -> None:
    """Undo every ``set_blas_threads`` (``train.py``'s ``main`` does, so a caller keeps its setting)."""
    while _active:
        _active.pop().restore_original_limits()
