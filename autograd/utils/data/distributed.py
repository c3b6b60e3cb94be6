"""DistributedSampler: each rank's share of a dataset's indices, as torch's."""
import math

import numpy as np

from .sampler import Sampler


class DistributedSampler(Sampler):
    """Iterate over the indices of `dataset` (anything with a len(), e.g. range(n)) that rank
    `rank` of `num_replicas` trains on this epoch.

    With `shuffle`, the order is a permutation drawn from `seed + epoch` (call `set_epoch` at
    every epoch; every rank must use the same seed). The indices are then padded by repeating
    them from the start to a multiple of num_replicas (or, with `drop_last`, cut to one), and
    rank r takes every num_replicas-th from position r: the ranks' shares are disjoint (up to
    the padding) and equally long. num_replicas and rank default to the process group's.
    The permutation is NumPy's (PCG64), not torch's, so the order differs from PyTorch's.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed
            num_replicas = distributed.get_world_size() if num_replicas is None else num_replicas
            rank = distributed.get_rank() if rank is None else rank
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, got "
                             f"{num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank}, rank should be in the "
                             f"interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            indices = np.arange(n)
        if self.total_size > n:                  # pad by repeating from the start
            indices = np.resize(indices, self.total_size)
        indices = indices[self.rank:self.total_size:self.num_replicas]
        return iter(indices.tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Draw this epoch's permutation: the same on every rank, another every epoch."""
        self.epoch = epoch
