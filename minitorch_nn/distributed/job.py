"""A program run by mpiexec as one job: a failing rank ends every rank, only rank 0 prints.

Without care, a rank that stops with an error leaves the others waiting forever in their next
collective (an ``Allreduce`` that never completes). ``run_as_mpi_job`` wraps a ``main``:
when a rank's ``main`` returns a non-zero exit code or raises, the rank's message is printed
and ``MPI_Abort`` ends the whole job at once with that code.
"""
from __future__ import annotations

import contextlib
import functools
import os
import sys
import traceback
from typing import Callable

from .world import DistributedError, abort, barrier, is_main, rank, world_size


def run_as_mpi_job(main: Callable[..., int]) -> Callable[..., int]:
    """Decorate ``main`` (returning an exit code). In a single process it runs unchanged.

    Under mpiexec with N > 1: the standard output of ranks other than 0 is discarded (their
    errors still reach standard error), and a non-zero exit code or an exception on any rank
    aborts the job with that code: 1 for a ``DistributedError`` (printed as one line) or an
    unexpected exception (printed with its traceback).
    """
    @functools.wraps(main)
    def job(*args, **kwargs) -> int:
        try:
            ranks = world_size()
        except DistributedError as error:  # mpiexec without mpi4py, or another MPI's mpiexec
            _print_error(error)
            return 1
        if ranks == 1:
            return main(*args, **kwargs)
        try:
            with _quiet_unless_main():
                code = main(*args, **kwargs)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except DistributedError as error:
            _print_error(error)
            code = 1
        except BaseException:  # noqa: BLE001 - any way out of main must end the job, not hang it
            sys.stderr.write(traceback.format_exc())  # one write: the message reaches mpiexec whole
            code = 1
        if code:
            abort(code)
        return code

    return job


def _print_error(error: Exception) -> None:
    print(f"{os.path.basename(sys.argv[0]) or 'python'}: error{rank_label()}: {error}", file=sys.stderr)


@contextlib.contextmanager
def main_rank_first():
    """Rank 0 runs the block first (e.g. a download), then the other ranks (e.g. reading the files)."""
    if not is_main():
        barrier()
    yield
    if is_main():
        barrier()


def rank_label() -> str:
    """``" (rank 1 of 2)"`` under MPI, ``""`` in a single process: for error messages."""
    try:
        return f" (rank {rank()} of {world_size()})" if world_size() > 1 else ""
    except DistributedError:  # MPI itself is what failed
        return ""


@contextlib.contextmanager
def _quiet_unless_main():
    if is_main():
        yield
        return
    with open(os.devnull, "w", encoding="utf-8") as devnull, contextlib.redirect_stdout(devnull):
        yield
    sys.stdout.flush()
