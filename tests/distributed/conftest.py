"""The distributed tests come in three kinds:

* single-process ones (``test_world.py``, ``test_sync_batchnorm.py``): what every function does
  in one process, which is how nearly everyone runs the package;
* ones that run inside a 2-rank MPI job (``test_in_mpi_job.py``): ``.ci/run`` starts them with
  ``mpiexec -n 2 python -m pytest tests/distributed``; in a plain pytest run they skip;
* end-to-end ones (``test_data_parallel_run.py``) that start ``mpiexec -n 2 python train.py``
  themselves; they skip, saying why, where mpi4py or mpiexec is missing.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys

import pytest

from minitorch_nn.distributed import launched_by_mpiexec

# The mpiexec installed with mpi4py's MPI (the mpich wheel puts it next to python), else PATH's.
MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
HAS_MPI4PY = importlib.util.find_spec("mpi4py") is not None


@pytest.fixture
def one_process():
    """Skip inside an MPI job: these tests check the single-process behaviour."""
    if launched_by_mpiexec():
        pytest.skip("a single-process test: inside an MPI job only test_in_mpi_job.py runs")


@pytest.fixture
def mpiexec() -> str:
    """The mpiexec to start jobs with; skips (saying why) where MPI is not installed."""
    if launched_by_mpiexec():
        pytest.skip("starts mpiexec itself: run it without mpiexec")
    if MPIEXEC is None or not HAS_MPI4PY:
        missing = "mpi4py" if not HAS_MPI4PY else "mpiexec"
        pytest.skip(f'needs MPI, and {missing} is not installed: pip install -e ".[mpi]"')
    return MPIEXEC
