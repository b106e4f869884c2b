"""A data-parallel training job whose rank ``FAILING_RANK`` raises in its third training step:
``tests/distributed/test_data_parallel_run.py`` checks that the whole job ends at once, with that
rank's message, instead of the other rank waiting forever in its next allreduce."""
import sys

import numpy as np

import minitorch_nn as mt
from minitorch_nn.data import DataLoader
from minitorch_nn.distributed import rank, run_as_mpi_job, world_size

FAILING_RANK = int(sys.argv[1])


class FailingLoss(mt.CrossEntropyLoss):
    calls = 0

    def forward(self, scores, y):
        self.calls += 1
        if self.calls == 3 and rank() == FAILING_RANK:
            raise RuntimeError(f"rank {rank()} fails in its third step")
        return super().forward(scores, y)


@run_as_mpi_job
def main() -> int:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((400, 8)).astype(np.float32), rng.integers(0, 3, 400)
    model = mt.MLP(8, [16], 3)
    loader = DataLoader((x, y), batch_size=20, shuffle=True, seed=0, rank=rank(), world_size=world_size())
    trainer = mt.Trainer(model, FailingLoss(), mt.optim.SGD(model.parameters(), lr=0.1), log=None)
    trainer.fit(loader, epochs=1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
