"""DistributedDataParallel: the same module on every rank, each on its share of the batch,
with gradients averaged over the ranks during backward, as PyTorch's.

The reducer groups the parameters, in reverse registration order (roughly the order backward
produces their gradients), into buckets of at most `bucket_cap_mb` (the first one 1 MiB, so
that communication starts early). A parameter's post-accumulate-grad hook marks it ready;
when every parameter of a bucket is ready and every earlier bucket has started, the bucket's
gradients are copied into one flat array whose non-blocking all-reduce (average) starts
there, in the middle of backward. A callback queued on the engine waits for the last one
and copies the averages back into .grad before backward() returns. Buckets start in the
same order on every rank, as MPI requires of collectives.
"""
import contextlib
from itertools import chain

import numpy as np

from autograd import distributed as dist
from autograd.backprop import queue_callback, reachable_leaves
from autograd.grad_mode import is_grad_enabled, no_grad
from autograd.tensor import Tensor
from ..module import Module

FIRST_BUCKET_BYTES = 1 << 20          # PyTorch's first bucket: small, so that it starts soon


class DistributedDataParallel(Module):
    """Wrap `module` for data-parallel training on the default process group.

    At construction every rank checks that the modules agree (names, shapes, dtypes of
    parameters and buffers) and takes rank 0's parameters and buffers. Each forward first
    copies rank 0's buffers (BatchNorm running statistics) to every rank
    (`broadcast_buffers`). Without `find_unused_parameters`, a parameter that gets no gradient
    in a backward is an error naming it; with it, the forward's graph is searched for them,
    and a parameter no rank used keeps its .grad. `no_sync()` accumulates gradients locally.
    The wrapped module is `.module`: state-dict keys carry the "module." prefix.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, gradient_as_bucket_view=False,
                 static_graph=False):
        super().__init__()
        what = "DistributedDataParallel"
        dist.group.comm(what)               # raises before init_process_group
        if device_ids or output_device is not None:
            raise ValueError(f"{what}: device_ids={device_ids!r}, output_device="
                             f"{output_device!r}: tapegrad computes on the CPU; leave them None")
        if process_group is not None:
            raise NotImplementedError(f"{what}: only the default group (process_group=None) "
                                      f"is supported")
        if dim != 0:
            raise ValueError(f"{what}: dim={dim}: each rank passes its own share of the batch")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        _check_same_module(module)
        with no_grad():
            _wait_all(dist.broadcast(t, 0, async_op=True)
                      for t in chain(module.parameters(), module.buffers()))
        cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 2 ** 20)
        self.reducer = _Reducer([(n, p) for n, p in module.named_parameters() if p.requires_grad],
                                cap)

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and dist.get_world_size() > 1:
            with no_grad():
                _wait_all(dist.broadcast(b, 0, async_op=True) for b in self.module.buffers())
        out = self.module(*inputs, **kwargs)
        sync = self.require_backward_grad_sync and is_grad_enabled()
        self.reducer.prepare(sync, _tensors(out) if sync and self.find_unused_parameters
                             else None)
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward passes accumulate gradients locally, without communicating; the
        first backward after it (of a forward outside) averages the accumulated ones."""
        old, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old


class _Bucket:
    """Parameters whose gradients are all-reduced together, in one flat array."""

    def __init__(self, params):
        self.params = params
        sizes = [p._data.size for p in params]
        self.offsets = np.cumsum([0] + sizes)
        self.flat = np.empty(self.offsets[-1], params[0].dtype)
        self.ready = 0
        self.work = None

    def views(self):
        """(param, the slice of the flat array that is its gradient, shaped like it)."""
        for p, a, b in zip(self.params, self.offsets[:-1], self.offsets[1:]):
            yield p, self.flat[a:b].reshape(p.shape)          # (size,) -> param's shape

    def start(self, unused):
        """Copy the gradients in (zeros for the parameters in `unused`, the ids of those this
        rank's forward did not reach) and start their all-reduce."""
        for p, view in self.views():
            if p.grad is None or id(p) in unused:
                view.fill(0)                                   # a locally unused parameter
            else:
                np.copyto(view, p.grad._data)
        self.work = dist.all_reduce(self.flat, dist.ReduceOp.AVG, async_op=True)


class _Reducer:
    def __init__(self, named, cap):
        self.names = [n for n, _ in named]
        self.params = [p for _, p in named]
        self.index = {id(p): i for i, p in enumerate(self.params)}
        self.buckets, self.bucket_of = _buckets(self.params, cap), {}
        for i, bucket in enumerate(self.buckets):
            for p in bucket.params:
                self.bucket_of[id(p)] = i
                p.register_post_accumulate_grad_hook(self._ready)
        self.state = "idle"                 # idle, armed (by forward), reducing, done
        self.used, self.unused = None, set()

    def prepare(self, sync, outputs):
        """Called by each forward: arm the hooks for the coming backward (if `sync`); with
        `outputs`, mark the parameters the graph cannot reach ready (and unused) now."""
        if self.state == "reducing":
            raise RuntimeError("DistributedDataParallel: the previous iteration's gradient "
                               "reduction did not finish (did its backward fail?)")
        self.state = "armed" if sync else "idle"
        self.next, self.ready = 0, set()
        for bucket in self.buckets:
            bucket.ready, bucket.work = 0, None
        self.used, self.unused = None, set()
        if sync and outputs is not None:
            reached = reachable_leaves(outputs)
            self.used = np.array([id(p) in reached for p in self.params], np.float64)
            self.unused = {id(p) for p in self.params if id(p) not in reached}
            for p in self.params:
                if id(p) in self.unused:
                    self._mark(p)

    def _ready(self, p):
        """A parameter's post-accumulate-grad hook: its gradient for this backward is in."""
        if self.state == "idle":
            return
        if self.state == "done":
            raise RuntimeError("DistributedDataParallel: a gradient arrived after this "
                               "iteration's reduction finished; call forward again before "
                               "another backward (or use no_sync())")
        if self.state == "armed":
            self.state = "reducing"
            queue_callback(self._finish)
        self._mark(p)
        for bucket in self.buckets[:self.next]:                # let MPI progress meanwhile
            bucket.work.is_completed()

    def _mark(self, p):
        if id(p) in self.ready:
            raise RuntimeError(f"DistributedDataParallel: parameter {self.name(p)!r} was "
                               f"marked ready twice in one iteration")
        self.ready.add(id(p))
        self.buckets[self.bucket_of[id(p)]].ready += 1
        while self.next < len(self.buckets) and self._full(self.buckets[self.next]):
            self.buckets[self.next].start(self.unused)
            self.next += 1

    def name(self, p):
        return self.names[self.index[id(p)]]

    @staticmethod
    def _full(bucket):
        return bucket.ready == len(bucket.params)

    def _finish(self):
        """After the backward: wait for every bucket, put the averages into .grad."""
        self.state = "done"
        for bucket in self.buckets[:self.next]:
            bucket.work.wait()
        if self.next < len(self.buckets):
            missing = [self.name(p) for b in self.buckets[self.next:]
                       for p in b.params if id(p) not in self.ready]
            raise RuntimeError(
                f"DistributedDataParallel: parameters that received no gradient in this "
                f"backward: {', '.join(missing)}. Pass find_unused_parameters=True if the "
                f"module does not use every parameter in every forward (and make sure every "
                f"forward output takes part in the loss)")
        used = None
        if self.used is not None:                     # a parameter no rank used keeps .grad
            used = self.used.copy()
            dist.all_reduce(used)
        for bucket in self.buckets:
            for p, view in bucket.views():
                if used is not None and not used[self.index[id(p)]]:
                    continue
                if p.grad is None:
                    p.grad = Tensor(view.copy())
                else:
                    np.copyto(p.grad._data, view)


def _buckets(params, cap):
    """Buckets of same-dtype parameters, in reverse order, each closed when it reaches `cap`
    bytes (the first of each dtype at FIRST_BUCKET_BYTES), ordered by their first parameter."""
    open_, done, limit = {}, [], {}
    for p in reversed(params):
        bucket = open_.setdefault(p.dtype, [0])             # [bytes, params...]
        bucket[0] += p._data.nbytes
        bucket.append(p)
        if bucket[0] >= limit.get(p.dtype, min(FIRST_BUCKET_BYTES, cap)):
            done.append(open_.pop(p.dtype)[1:])
            limit[p.dtype] = cap
    done += [b[1:] for b in open_.values()]
    position = {id(p): i for i, p in enumerate(reversed(params))}
    return [_Bucket(b) for b in sorted(done, key=lambda b: position[id(b[0])])]


def _check_same_module(module):
    """Raise on every rank, naming the first difference, unless every rank's module has the
    same parameters and buffers (names, shapes, dtypes) as rank 0's."""
    mine = [(kind, name, tuple(t.shape), str(t.dtype))
            for kind, named in (("parameter", module.named_parameters()),
                                ("buffer", module.named_buffers()))
            for name, t in named]
    everyone = dist.group.comm("DistributedDataParallel").allgather(mine)
    reference = everyone[0]
    for rank, theirs in enumerate(everyone):
        for a, b in zip(reference, theirs):
            if a != b:
                raise RuntimeError(
                    f"DistributedDataParallel: the modules differ across ranks: rank {rank} has "
                    f"{b[0]} {b[1]!r} of shape {b[2]} and dtype {b[3]} where rank 0 has "
                    f"{a[0]} {a[1]!r} of shape {a[2]} and dtype {a[3]}")
        if len(theirs) != len(reference):
            raise RuntimeError(f"DistributedDataParallel: the modules differ across ranks: rank "
                               f"{rank} has {len(theirs)} parameters and buffers, rank 0 has "
                               f"{len(reference)}")


def _wait_all(works):
    for work in list(works):
        work.wait()


def _tensors(out):
    """The Tensors in a forward's output (nested tuples, lists, dicts)."""
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, dict):
        out = out.values()
    if isinstance(out, (tuple, list, type({}.values()))):
        return [t for o in out for t in _tensors(o)]
    return []

