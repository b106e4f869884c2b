"""Without mpiexec a process is rank 0 of 1, never imports mpi4py, and every collective returns
its single-process answer; the misconfigured launches say what to do."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.distributed import (all_gather, all_reduce_gradients, all_reduce_sum, blas_threads_per_rank,
                                      broadcast_from_main, broadcast_parameters, check_same_on_every_rank,
                                      gather_to_main, is_main, launched_by_mpiexec, main_rank_first, rank, rank_label,
                                      run_as_mpi_job, world_size)

CLEAN_ENV = {name: value for name, value in os.environ.items()
             if name not in ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")}


def python(code: str, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, **kwargs)


def test_a_plain_process_is_rank_0_of_1(one_process):
    assert not launched_by_mpiexec()
    assert (rank(), world_size(), is_main()) == (0, 1, True)
    assert blas_threads_per_rank() is None


def test_mpi4py_is_not_imported_without_mpiexec():
    result = python("import sys, minitorch_nn as mt; mt.distributed.world_size(); "
                    "from minitorch_nn.run import cli; print('mpi4py' in sys.modules)", CLEAN_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_collectives_are_their_single_process_meaning(one_process):
    model = mt.MLP(3, [2], 2)
    model.zero_grad()
    model[0].weight.grad = np.ones_like(model[0].weight.data)
    before = model.state_dict()
    all_reduce_gradients(model.parameters(), batch_size=7)
    broadcast_parameters(model)
    np.testing.assert_array_equal(model[0].weight.grad, 1.0)
    assert all(np.array_equal(before[name], value) for name, value in model.state_dict().items())
    assert all_reduce_sum([1, 2.5]) == [1.0, 2.5]
    assert all_gather("x") == ["x"] and gather_to_main(3) == [3] and broadcast_from_main(4) == 4
    check_same_on_every_rank("anything", object())


def test_mpiexec_without_mpi4py_says_how_to_install_it(tmp_path):
    shadow = tmp_path / "mpi4py"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('no mpi4py here')\n")
    env = {**CLEAN_ENV, "PMI_SIZE": "2", "PMI_RANK": "0", "PYTHONPATH": f"{tmp_path}{os.pathsep}"
           f"{CLEAN_ENV.get('PYTHONPATH', '')}"}
    result = python("import sys, minitorch_nn as mt; mt.distributed.world_size()", env)
    assert result.returncode == 1
    assert "mpiexec started 2 processes, but mpi4py is not installed" in result.stderr
    assert 'pip install -e ".[mpi]"' in result.stderr
    # train.py says it in one line, without a traceback
    train = subprocess.run([sys.executable, "train.py", "--epochs", "1"], env=env, capture_output=True, text=True,
                           timeout=60, cwd=os.path.join(os.path.dirname(__file__), "..", ".."))
    assert train.returncode == 1 and "Traceback" not in train.stderr
    assert train.stderr.startswith("train.py: error: mpiexec started 2 processes, but mpi4py is not installed")


def test_a_launcher_of_another_mpi_is_recognised():
    pytest.importorskip("mpi4py", reason='needs mpi4py: pip install -e ".[mpi]"')
    # The launcher says 2 processes; MPI (started without its launcher) sees one.
    env = {**CLEAN_ENV, "PMI_SIZE": "2", "PMI_RANK": "0"}
    env.pop("PMI_FD", None), env.pop("PMI_PORT", None)
    result = python("import minitorch_nn as mt; mt.distributed.world_size()", env)
    assert result.returncode == 1
    assert "mpiexec started 2 processes, but MPI sees 1" in result.stderr
    assert "Use the mpiexec installed with it" in result.stderr


def test_the_job_helpers_change_nothing_in_one_process(one_process):
    assert run_as_mpi_job(lambda code: code)(3) == 3  # the exit code comes back, no abort
    with pytest.raises(KeyError):  # and exceptions propagate as usual
        run_as_mpi_job(lambda: {}["missing"])()
    with main_rank_first():
        ran = True
    assert ran and rank_label() == ""
