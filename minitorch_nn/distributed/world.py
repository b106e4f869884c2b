"""Which process this is: rank r of the N processes of an MPI job, or rank 0 of 1.

``mpiexec -n N python train.py`` starts N copies of the program and tells each one, through
environment variables (``PMI_RANK`` / ``PMI_SIZE`` from MPICH's launcher, ``OMPI_COMM_WORLD_SIZE``
from Open MPI's, ``PMIX_RANK``), that it is one of N. Only then is mpi4py imported, which
starts MPI: a process started without mpiexec is rank 0 of 1 and never loads MPI, whether
mpi4py is installed or not.

Every function here is cheap after the first call; ``ranks_on_this_host`` and ``barrier``
are collective (every rank must call them).
"""
from __future__ import annotations

import os
import sys
import time

# Set by the MPI launchers for the processes they start (MPICH/Hydra, Slurm's PMI, Open MPI, PMIx).
LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")
OUTPUT_GRACE_SECONDS = 1.0  # before MPI_Abort, for the launcher to pass on the last output
INSTALL_HINT = 'pip install -e ".[mpi]" (mpi4py and an MPICH build, as wheels)'


class DistributedError(RuntimeError):
    """The MPI job is set up wrongly (no mpi4py, a mismatched mpiexec, ranks that disagree)."""


_connection: dict = {}  # {"communicator": COMM_WORLD or None} once resolved


def launched_by_mpiexec() -> bool:
    """True when an MPI launcher (mpiexec, mpirun, srun) started this process."""
    return any(name in os.environ for name in LAUNCHER_VARIABLES)


def communicator():
    """mpi4py's ``MPI.COMM_WORLD`` when this process was started by an MPI launcher, else None.

    The first call imports mpi4py (which initialises MPI) and checks that the launcher and
    mpi4py's MPI agree on the number of processes.

    Raises:
        DistributedError: mpiexec started several processes but mpi4py is missing, or
            mpi4py belongs to another MPI than that mpiexec (each process would train alone).
    """
    if "communicator" not in _connection:
        _connection["communicator"] = _connect() if launched_by_mpiexec() else None
    return _connection["communicator"]


def rank() -> int:
    """This process's number in the job, 0 … N-1 (0 without mpiexec)."""
    comm = communicator()
    return 0 if comm is None else comm.Get_rank()


def world_size() -> int:
    """N, the number of processes in the job (1 without mpiexec)."""
    comm = communicator()
    return 1 if comm is None else comm.Get_size()


def is_main() -> bool:
    """True on rank 0, the process that prints and writes files."""
    return rank() == 0


def ranks_on_this_host() -> int:
    """How many ranks of the job share this machine (collective under MPI; 1 without it)."""
    comm = communicator()
    if comm is None or comm.Get_size() == 1:
        return 1
    from mpi4py import MPI

    host = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return host.Get_size()
    finally:
        host.Free()


def barrier() -> None:
    """Wait until every rank gets here (nothing without MPI)."""
    comm = communicator()
    if comm is not None:
        comm.Barrier()


def abort(exit_code: int) -> None:
    """End every process of the job now with ``exit_code`` (``MPI_Abort``); ranks blocked in a
    collective are ended too. Without MPI this is ``sys.exit(exit_code)``."""
    sys.stdout.flush()
    sys.stderr.flush()
    comm = communicator()
    if comm is None:
        sys.exit(exit_code)
    # The launcher forwards each rank's output through a pipe; MPI_Abort tears the job down at
    # once and can cut off what is still in transit, e.g. the message saying why.
    time.sleep(OUTPUT_GRACE_SECONDS)
    comm.Abort(exit_code)


def _launcher_size() -> int | None:
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return None


def _connect():
    launched = _launcher_size()
    try:
        from mpi4py import MPI
    except ImportError:
        if launched is not None and launched > 1:
            raise DistributedError(f"mpiexec started {launched} processes, but mpi4py is not installed, so they "
                                   f"cannot train together; install it with {INSTALL_HINT}, or run without "
                                   f"mpiexec") from None
        return None
    comm = MPI.COMM_WORLD
    if launched is not None and launched != comm.Get_size():
        raise DistributedError(
            f"mpiexec started {launched} processes, but MPI sees {comm.Get_size()}: the mpiexec on PATH belongs "
            f"to another MPI than mpi4py's ({' '.join(MPI.Get_library_version().split()[:3])}). Use the "
            f"mpiexec installed with it, {os.path.join(os.path.dirname(sys.executable), 'mpiexec')}")
    return comm
