"""``minitorch_nn.distributed``: data-parallel training on MPI (``mpiexec -n N python train.py``).

Every rank (process) holds the whole model and takes its share of every batch; after
``backward`` the ranks sum their gradients with one ``Allreduce`` (``all_reduce_gradients``),
so every rank takes the same optimiser step and the weights stay identical::

    import minitorch_nn.distributed as dist

    loader = DataLoader(train_set, batch_size=128, shuffle=True, seed=0,        # the global batch
                        rank=dist.rank(), world_size=dist.world_size())         # this rank's share
    dist.broadcast_parameters(model)                                            # rank 0's weights
    for x, y in loader:
        model.zero_grad()
        loss_fn(model(x), y)
        model.backward(loss_fn.backward())
        dist.all_reduce_gradients(model.parameters(), batch_size=len(y))       # the global gradient
        optimizer.step()

Without mpiexec a process is rank 0 of 1, mpi4py is never imported and every function here
does nothing (or returns its single-process answer). MPI comes from the ``mpi`` extra:
``pip install -e ".[mpi]"`` installs mpi4py and MPICH, whose ``mpiexec`` lands next to
``python`` in the environment. See docs/DISTRIBUTED.md.
"""
from .collectives import (all_gather, all_reduce_gradients, all_reduce_sum, broadcast_buffers, broadcast_from_main,
                          broadcast_parameters, check_same_on_every_rank, gather_to_main)
from .job import main_rank_first, rank_label, run_as_mpi_job
from .random_streams import resumed_stream_state, split_random_streams
from .sync_batchnorm import SyncBatchNorm, convert_sync_batchnorm
from .threads import blas_threads_per_rank, limit_blas_threads
from .world import DistributedError, barrier, is_main, launched_by_mpiexec, rank, world_size

__all__ = [
    "rank", "world_size", "is_main", "launched_by_mpiexec", "barrier", "DistributedError",
    "all_reduce_gradients", "broadcast_parameters", "broadcast_buffers", "all_reduce_sum", "all_gather",
    "gather_to_main", "broadcast_from_main", "check_same_on_every_rank",
    "SyncBatchNorm", "convert_sync_batchnorm", "split_random_streams", "resumed_stream_state",
    "blas_threads_per_rank", "limit_blas_threads", "run_as_mpi_job", "main_rank_first", "rank_label",
]
