"""Data-parallel training over MPI, as torch.distributed: the default process group, its
collectives, and (in autograd.distributed.nn.functional) a differentiable all_reduce.
mpi4py comes with the `distributed` extra and is imported by init_process_group only;
docs/distributed.md tells how to launch, checkpoint and scale.
"""
from .group import (init_process_group, is_initialized, is_available, get_rank,
                    get_world_size, get_backend, destroy_process_group)
from .collectives import (ReduceOp, Work, all_reduce, broadcast, all_gather, reduce_scatter,
                          barrier)

__all__ = ["init_process_group", "is_initialized", "is_available", "get_rank", "get_world_size",
           "get_backend", "destroy_process_group", "ReduceOp", "Work", "all_reduce",
           "broadcast", "all_gather", "reduce_scatter", "barrier"]
