"""Data-parallel training over MPI: the MNIST-1D CNN of examples.mnist1d, with each global batch
split across the ranks by a DistributedSampler and the gradients averaged by
DistributedDataParallel. Any number of ranks takes the same global batches in the same order,
so a 2-rank run follows the 1-process run step for step and reaches the same accuracy.

    mpiexec -n 2 python -m examples.ddp --threads 1          # 2 ranks, 1 BLAS thread each
    python -m examples.ddp --threads 1                       # the same training on 1 process
    mpiexec -n 2 python -m examples.ddp --checkpoint ck.npz  # resume from ck.npz if it exists

Needs the `distributed` extra (mpi4py, mpich) and the `examples` extra. With --checkpoint,
every rank loads the file if it exists (it holds the model, the optimizer and the step), the
training continues for --steps more, and rank 0 alone writes it back while the others wait
at a barrier (docs/distributed.md).
"""
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import nn
import nn.functional as F
import optim
from autograd import distributed as dist
from autograd import tensor
from autograd.utils.data import DistributedSampler
from examples._common import accuracy, parse_args, parser, seed_all, train
from examples.mnist1d import CNN, load


def batches(n, batch_size, seed):
    """This rank's index batches, epoch after epoch: its share of each global batch of
    `batch_size` rows of one shuffled epoch."""
    world = dist.get_world_size()
    if batch_size % world:
        raise ValueError(f"--batch-size {batch_size} must be divisible by the {world} ranks")
    sampler = DistributedSampler(range(n), shuffle=True, seed=seed, drop_last=True)
    local, epoch = batch_size // world, 0
    while True:
        sampler.set_epoch(epoch)
        mine = np.array(list(sampler))
        for i in range(0, len(mine) - local + 1, local):
            yield mine[i:i + local]
        epoch += 1


def run(steps, seed=0, lr=1e-2, batch_size=100, checkpoint=None, quiet=False):
    """Train the CNN data-parallel for `steps` steps; return (model, History, first step)."""
    x, y, x_test, y_test = load()
    seed_all(seed)
    model = nn.parallel.DistributedDataParallel(CNN())
    optimizer = optim.Adam(model.parameters(), lr=lr)
    start = 0
    if checkpoint and os.path.exists(checkpoint):        # every rank reads the same file
        state = nn.load(checkpoint)
        model.module.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["step"]
    order = batches(len(x), batch_size, seed)
    for _ in range(start):                               # the batches already trained on
        next(order)

    def loss_at(step):
        rows = next(order)
        return F.cross_entropy(model(tensor(x[rows])), y[rows])

    rank0 = dist.get_rank() == 0
    history = train(model, optimizer, loss_at, steps, name=f"rank {dist.get_rank()}",
                    evaluate=lambda: {"test acc %": 100 * accuracy(model, x_test, y_test)},
                    eval_every=max(steps // 4, 1), quiet=quiet or not rank0)
    if checkpoint:
        if rank0:                                        # one writer; the others wait for it
            nn.save({"model": model.module.state_dict(), "optimizer": optimizer.state_dict(),
                     "step": start + steps}, checkpoint)
        dist.barrier()
    return model, history, start


def main(argv=None):
    p = parser(__doc__.split("\n\n")[0], steps=3000, plots=False)
    p.add_argument("--batch-size", type=int, default=100, help="global batch (default 100)")
    p.add_argument("--checkpoint", metavar="PATH.npz", help="resume from and save to PATH")
    args = parse_args(p, argv)
    dist.init_process_group("mpi")
    _, h, start = run(args.steps, args.seed, batch_size=args.batch_size,
                      checkpoint=args.checkpoint)
    loss = np.array([h.losses[-1]])                      # this rank's share of the batch:
    dist.all_reduce(loss, dist.ReduceOp.AVG)             # the global batch's loss is the mean
    if dist.get_rank() == 0:
        print(f"{dist.get_world_size()} rank(s), steps {start} to {start + args.steps}: test "
              f"accuracy {h.last('test acc %'):.1f}% ({h.seconds:.1f} s, last batch's loss "
              f"{loss[0]:.4f})")
    dist.destroy_process_group()
    return h


if __name__ == "__main__":
    main()
