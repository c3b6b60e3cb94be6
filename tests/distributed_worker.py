"""Run by tests/test_distributed.py under `mpiexec -n 2`: `checks` runs every check on every
rank in lockstep and rank 0 prints one `RESULT {json}` line per check (ok, or each failing
rank's error); the other modes fail on purpose, to test that a failing job ends."""
import datetime
import json
import os
import sys
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import autograd as ag                                                  # noqa: E402
import autograd.distributed as dist                                    # noqa: E402
import nn                                                              # noqa: E402
import nn.functional as F                                              # noqa: E402
import optim                                                           # noqa: E402
from autograd.utils.data import DistributedSampler                     # noqa: E402
from nn.parallel import DistributedDataParallel as DDP                 # noqa: E402

CHECKS = {}
RTOL = 1e-10


def check(fn):
    CHECKS[fn.__name__] = fn
    return fn


def rank_array(shape, dtype, r, salt=0):
    """Rank r's input of a collective, known to every rank (so each can compute the result)."""
    rng = np.random.default_rng(1000 * salt + r)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-5, 6, shape).astype(dtype)
    return (rng.standard_normal(shape) * 2).astype(dtype)


def close(a, b, what, rtol=RTOL, atol=0.0):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
        err = np.max(np.abs(a - b)) if a.shape == b.shape else "shapes differ"
        raise AssertionError(f"{what}: got {a.ravel()[:4]}..., expected {b.ravel()[:4]}... "
                             f"(shapes {a.shape} {b.shape}, max abs err {err})")


# ---- collectives -----------------------------------------------------------------------------
SHAPES = [(), (7,), (3, 4)]
DTYPES = [np.float64, np.float32, np.float16, np.int64]
REDUCE = {dist.ReduceOp.SUM: np.sum, dist.ReduceOp.PRODUCT: np.prod,
          dist.ReduceOp.MIN: np.min, dist.ReduceOp.MAX: np.max, dist.ReduceOp.AVG: np.mean}


def tol(dtype):
    return {np.float16: 1e-3, np.float32: 1e-6}.get(dtype, 1e-12)


@check
def all_reduce_every_op_shape_dtype():
    rank, size = dist.get_rank(), dist.get_world_size()
    for salt, (shape, dtype, op) in enumerate((s, d, o) for s in SHAPES for d in DTYPES
                                              for o in REDUCE):
        if op is dist.ReduceOp.AVG and np.dtype(dtype).kind == "i":
            continue
        every = np.stack([rank_array(shape, dtype, r, salt) for r in range(size)])
        want = REDUCE[op](every.astype(np.float64), axis=0)
        t = ag.tensor(rank_array(shape, dtype, rank, salt))
        v0 = t._version[0] if t._version is not None else 0
        assert dist.all_reduce(t, op) is None
        assert t.dtype == dtype, f"all_reduce changed dtype {dtype} to {t.dtype}"
        close(t.data, want, f"all_reduce {op} {shape} {np.dtype(dtype)}", tol(dtype))
        assert t._version is not None and t._version[0] > v0, "all_reduce: no version bump"


@check
def async_collectives_and_arrays():
    rank, size = dist.get_rank(), dist.get_world_size()
    arrays = [rank_array((5, 3), np.float64, rank, s) for s in range(4)]
    works = [dist.all_reduce(a, async_op=True) for a in arrays]
    assert all(isinstance(w, dist.Work) for w in works)
    for s, (a, w) in enumerate(zip(arrays, works)):
        assert w.wait(datetime.timedelta(seconds=60)) is True and w.is_completed()
        close(a, sum(rank_array((5, 3), np.float64, r, s) for r in range(size)), f"async {s}")
    base = rank_array((4, 6), np.float64, rank, 9)                 # a transposed view
    view = base.T
    dist.all_reduce(view)
    close(base, sum(rank_array((4, 6), np.float64, r, 9) for r in range(size)), "strided")


@check
def broadcast_all_gather_reduce_scatter_barrier():
    rank, size = dist.get_rank(), dist.get_world_size()
    for dtype in DTYPES:
        for shape in SHAPES:
            t = ag.tensor(rank_array(shape, dtype, rank, 3))
            dist.broadcast(t, src=size - 1)
            close(t.data, rank_array(shape, dtype, size - 1, 3), f"broadcast {shape} {dtype}")
            outs = [ag.zeros(shape, dtype=dtype) for _ in range(size)]
            w = dist.all_gather(outs, ag.tensor(rank_array(shape, dtype, rank, 4)),
                                async_op=True)
            w.wait()
            for r, o in enumerate(outs):
                close(o.data, rank_array(shape, dtype, r, 4), f"all_gather {r} {shape} {dtype}")
            ins = [ag.tensor(rank_array(shape, dtype, rank, 5 + j)) for j in range(size)]
            out = ag.zeros(shape, dtype=dtype)
            dist.reduce_scatter(out, ins)
            want = sum(rank_array(shape, dtype, r, 5 + rank).astype(np.float64)
                       for r in range(size))
            close(out.data, want, f"reduce_scatter {shape} {dtype}", tol(dtype))
    assert dist.barrier() is None
    dist.barrier(async_op=True).wait()


@check
def collective_errors():
    size = dist.get_world_size()
    cases = [(lambda: dist.all_reduce(ag.ones(3, dtype=np.int64), dist.ReduceOp.AVG),
              TypeError, "AVG needs a floating dtype"),
             (lambda: dist.broadcast(ag.ones(3), src=size), ValueError, "is not a rank"),
             (lambda: dist.all_gather([ag.ones(3)], ag.ones(3)), ValueError, "entries"),
             (lambda: dist.all_gather([ag.ones(2)] * size, ag.ones(3)), ValueError, "shape"),
             (lambda: dist.all_reduce([1.0, 2.0]), TypeError, "Tensor or a numpy array"),
             (lambda: dist.all_reduce(ag.ones(3), "sum"), TypeError, "ReduceOp")]
    for fn, kind, text in cases:
        try:
            fn()
        except kind as e:
            assert text in str(e), f"message {e!r} lacks {text!r}"
        else:
            raise AssertionError(f"no {kind.__name__} ({text})")


# ---- the differentiable all_reduce: its gradient rows, checked on every rank in lockstep ------
@check
def grad_rows():
    import test_distributed
    from gradrows import check as check_row
    for row in test_distributed.GRAD_ROWS:
        check_row(row)


# ---- DistributedDataParallel against one process on the whole batch -----------------------------
def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1, bias=False)    # BN makes a bias moot
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 5 * 5, 3)

    def forward(self, x):
        return self.fc(F.relu(self.bn(self.conv(x))).reshape(x.shape[0], -1))


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True)
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


MODELS = {"mlp": (mlp, (6,)), "cnn": (CNN, (2, 5, 5)), "lstm": (LSTMNet, (4, 3))}
OPTIMIZERS = {"sgd": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
              "adam": lambda ps: optim.Adam(ps, lr=1e-2)}


def batch(step, shape, n=8):
    rng = np.random.default_rng(100 + step)
    return rng.standard_normal((n,) + shape), rng.integers(0, 3, n)


def build(name, seed):
    ag.manual_seed(seed)
    return MODELS[name][0]().double()


def ddp_run(name, opt, steps, sync_bn=False, seed_differs=True):
    """(reference model, ddp model): k steps on one process with the whole batch, and on this
    rank with its half under DDP (started from another seed on rank 1, to test the broadcast)."""
    rank, size = dist.get_rank(), dist.get_world_size()
    ref = build(name, 0)
    local = build(name, rank if seed_differs else 0)
    if sync_bn:
        local = nn.SyncBatchNorm.convert_sync_batchnorm(local)
    model = DDP(local)
    ref_opt, opt_ = OPTIMIZERS[opt](ref.parameters()), OPTIMIZERS[opt](model.parameters())
    plain_bn = name == "cnn" and not sync_bn
    for step in range(steps):
        x, y = batch(step, MODELS[name][1])
        ref_opt.zero_grad()
        if plain_bn:       # each rank normalises its own half; rank 0's buffers win
            halves = np.split(np.arange(len(x)), size)
            losses = []
            for r in reversed(range(size)):
                saved = {k: v.detach().numpy().copy() for k, v in ref.named_buffers()}
                losses.append(F.cross_entropy(ref(ag.tensor(x[halves[r]])), y[halves[r]]))
                if r:
                    for k, v in ref.named_buffers():
                        v.data[...] = saved[k]
            loss = sum(losses) / size
        else:
            loss = F.cross_entropy(ref(ag.tensor(x)), y)
        loss.backward()
        ref_opt.step()
        mine = np.split(np.arange(len(x)), size)[rank]
        opt_.zero_grad()
        F.cross_entropy(model(ag.tensor(x[mine])), y[mine]).backward()
        opt_.step()
    return ref, model


def compare(ref, model, what, buffers=True):
    mine = dict(model.module.named_parameters())
    for k, p in ref.named_parameters():
        close(mine[k].data, p.data, f"{what}: parameter {k}")
    if buffers:
        theirs = dict(model.module.named_buffers())
        for k, b in ref.named_buffers():
            close(theirs[k].data, b.data, f"{what}: buffer {k}")


def equivalence(name, opt, sync_bn=False):
    ref, model = ddp_run(name, opt, 3, sync_bn)
    plain_bn = name == "cnn" and not sync_bn
    compare(ref, model, f"{name} {opt}", buffers=not plain_bn or dist.get_rank() == 0)


def add_equivalence(name, opt, sync_bn=False):
    CHECKS[f"ddp_{name}{'_syncbn' if sync_bn else ''}_{opt}"] = (
        lambda: equivalence(name, opt, sync_bn))


for _name in MODELS:
    for _opt in OPTIMIZERS:
        add_equivalence(_name, _opt)
        if _name == "cnn":
            add_equivalence(_name, _opt, sync_bn=True)


@check
def ddp_state_dict_and_broadcast():
    model = DDP(build("mlp", dist.get_rank()))
    keys = list(model.state_dict())
    assert keys and all(k.startswith("module.") for k in keys), keys
    w = model.module[0].weight.data
    gathered = [np.empty_like(w) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, w)
    for g in gathered:
        close(g, gathered[0], "parameters after construction")


@check
def ddp_no_sync_accumulates():
    size, rank = dist.get_world_size(), dist.get_rank()
    ref, model = build("mlp", 0), DDP(build("mlp", 0))
    xs = [batch(s, (6,)) for s in range(2)]
    for x, y in xs:
        F.cross_entropy(ref(ag.tensor(x)), y).backward()
    mine = np.split(np.arange(8), size)[rank]
    with model.no_sync():
        F.cross_entropy(model(ag.tensor(xs[0][0][mine])), xs[0][1][mine]).backward()
    grads_local = model.module[0].weight.grad.detach().numpy().copy()
    F.cross_entropy(model(ag.tensor(xs[1][0][mine])), xs[1][1][mine]).backward()
    for (k, p), q in zip(ref.named_parameters(), model.module.parameters()):
        close(q.grad.data, p.grad.data, f"no_sync then sync: {k}")
    other = [np.empty_like(grads_local) for _ in range(size)]
    dist.all_gather(other, grads_local)
    assert size == 1 or not np.allclose(other[0], other[1]), "no_sync communicated"


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.used = nn.Linear(4, 3)
        self.unused = nn.Linear(4, 3)
        self.sometimes = nn.Linear(4, 3)

    def forward(self, x, branch):
        out = self.used(x)
        return out + self.sometimes(x) if branch else out


@check
def ddp_unused_parameters():
    rank, size = dist.get_rank(), dist.get_world_size()
    x = batch(0, (4,))[0]
    ag.manual_seed(0)
    model = DDP(Branchy().double())
    try:
        model(ag.tensor(x), True).sum().backward()
    except RuntimeError as e:
        assert "unused.weight" in str(e) and "find_unused_parameters=True" in str(e), str(e)
    else:
        raise AssertionError("an unused parameter without find_unused_parameters: no error")
    ag.manual_seed(0)
    ref = Branchy().double()
    ag.manual_seed(0)
    model = DDP(Branchy().double(), find_unused_parameters=True)
    mine = np.split(np.arange(8), size)[rank]
    for r in range(size):        # only rank 0 takes the branch through `sometimes`
        (ref(ag.tensor(x[np.split(np.arange(8), size)[r]]), r == 0).sum() / size).backward()
    m = model.module
    if rank:                     # a stale gradient of a locally unused parameter must not count
        m.sometimes.weight.grad = ag.ones(m.sometimes.weight.shape, dtype=np.float64) * 5
    model(ag.tensor(x[mine]), rank == 0).sum().backward()
    assert m.unused.weight.grad is None, "a parameter no rank used got a gradient"
    for name in ("used", "sometimes"):
        for k in ("weight", "bias"):
            close(getattr(getattr(m, name), k).grad.data,
                  getattr(getattr(ref, name), k).grad.data, f"{name}.{k}")


@check
def sampler_from_group():
    size, rank = dist.get_world_size(), dist.get_rank()
    s = DistributedSampler(range(11), shuffle=True, seed=3)
    s.set_epoch(2)
    mine = np.array(list(s), np.int64)
    everyone = [np.empty_like(mine) for _ in range(size)]
    dist.all_gather(everyone, mine)
    allidx = np.concatenate(everyone)
    assert len(allidx) == 12 and set(allidx) == set(range(11)), allidx


def run_checks(names):
    comm = dist.group.comm("checks")
    for name in names or CHECKS:
        try:
            CHECKS[name]()
            error = None
        except Exception:                                             # noqa: BLE001
            error = traceback.format_exc(limit=4)
        errors = comm.gather(error, root=0)
        if dist.get_rank() == 0:
            bad = {r: e for r, e in enumerate(errors) if e}
            print("RESULT " + json.dumps({"name": name, "errors": bad}), flush=True)


def fail(mode):
    """Fail on rank 1 in the way `mode` says, while rank 0 waits in a collective."""
    rank = dist.get_rank()
    if mode == "raise" and rank == 1:
        raise ValueError("rank 1 fails on purpose")
    if mode == "exit" and rank == 1:
        sys.exit(0)                                                   # leaves without a word
    if mode == "mismatch":
        DDP(nn.Linear(4, 3 + rank))
        return
    dist.all_reduce(ag.ones(3))
    dist.all_reduce(ag.ones(3))


if __name__ == "__main__":
    mode, names = sys.argv[1], sys.argv[2:]
    timeout = datetime.timedelta(seconds=120 if mode == "checks" else 5)
    dist.init_process_group("mpi", timeout=timeout)
    if mode == "checks":
        run_checks(names)
    else:
        fail(mode)
    dist.destroy_process_group()
