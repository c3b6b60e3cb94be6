"""Data-parallel training over MPI, measured: `python -m benchmarks --only D` (part of the full
run when mpi4py and mpiexec are installed: the `distributed` extra).

It launches itself under mpiexec, one BLAS thread per rank, on the W3 LeNet with a global
batch of 256 (float32, 28 x 28):
- D1 scaling: steps per second of 2 ranks (DistributedDataParallel, 128 rows each) against
  1 process on the whole batch; target >= 1.7x.
- D2 overlap: the DDP step against the same step of the bare model (no communication) and
  that step plus one blocking all-reduce of every gradient after backward; the share of the
  all-reduce time hidden behind backward is (blocking - DDP) / (blocking - local).
- D3 against PyTorch's DDP (gloo backend, 2 processes, same model, batch and threads).
- D4 all-reduce bus bandwidth, 2(p-1)/p x bytes / time, of 1 MB and 25 MB float32 buffers
  through autograd.distributed against mpi4py's Allreduce on the same arrays; target >= 0.9x.
Each rank times every step between barriers; a step's time is the slowest rank's. The
variants of a job are timed round by round in turn, and the 1-process, 2-rank and PyTorch
jobs are launched in turn three times; each figure is a median over those.
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

import numpy as np

from .conv import LENET, lenet_logits

GLOBAL_BATCH = 256


def available():
    """mpiexec and mpi4py are both there."""
    if shutil.which("mpiexec") is None:
        return False
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def _data(rows):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((GLOBAL_BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, GLOBAL_BATCH)
    params = [(rng.standard_normal(s) / np.sqrt(np.prod(s[1:]) if len(s) > 1 else 10))
              .astype(np.float32) for s in LENET]
    return x[rows], y[rows], params


def _median_step(step, barrier, slowest, steps):
    """The median over `steps` of the slowest rank's time for one step."""
    times = []
    for _ in range(steps):
        barrier()
        t = time.perf_counter()
        step()
        times.append(slowest(time.perf_counter() - t))
    return statistics.median(times)


def _alternated(steps, barrier, slowest, rounds, warmup=3):
    """{name: median over `rounds` of the median step time} for the step functions in
    `steps`, timed round by round in turn (a drift of the machine hits all of them alike)."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            times[name].append(_median_step(step, barrier, slowest, 5))
    return {name: statistics.median(t) for name, t in times.items()}


def _tapegrad(rounds):
    """On every rank: the step times of D1/D2 and the all-reduce timings of D4."""
    import autograd as ag
    import autograd.distributed as dist
    import nn
    import nn.functional as F
    from mpi4py import MPI

    class LeNet(nn.Module):
        def __init__(self, params):
            super().__init__()
            self.params = nn.ParameterList([nn.Parameter(ag.tensor(p)) for p in params])

        def forward(self, x):
            return lenet_logits(F, x, list(self.params))

    dist.init_process_group("mpi")
    comm, rank, size = MPI.COMM_WORLD, dist.get_rank(), dist.get_world_size()
    x, y, params = _data(np.array_split(np.arange(GLOBAL_BATCH), size)[rank])
    x = ag.tensor(x)

    def slowest(t):
        return comm.allreduce(t, op=MPI.MAX)

    def step(model, after_backward=lambda: None):
        def run():
            model.zero_grad()
            F.cross_entropy(model(x), y).backward()
            after_backward()
        return run

    local = LeNet(params)
    if size == 1:
        return {"world": 1, **_alternated({"local": step(local)}, comm.Barrier, slowest, rounds)}
    ddp = nn.parallel.DistributedDataParallel(LeNet(params))

    def blocking_all_reduce():
        flat = np.concatenate([p.grad.numpy().ravel() for p in local.parameters()])
        comm.Allreduce(MPI.IN_PLACE, flat)
    out = {"world": size, "param_bytes": sum(p.nbytes for p in params),
           **_alternated({"local": step(local), "ddp": step(ddp),
                          "blocking": step(local, blocking_all_reduce)},
                         comm.Barrier, slowest, rounds)}
    for mb in (0, 1, 25):                                     # 0: one float, the latency
        a = np.ones(max(mb * 2 ** 20 // 4, 1), np.float32)
        both = _alternated({"ours": lambda: dist.all_reduce(a),
                            "raw": lambda: comm.Allreduce(MPI.IN_PLACE, a)},
                           comm.Barrier, slowest, 3 if mb == 25 else 10, warmup=2)
        out[f"allreduce_{mb}mb"] = {"bytes": a.nbytes, **both}
    return out


def _torch(rounds, port):
    """PyTorch's DDP on the gloo backend, on the ranks mpiexec started."""
    import torch
    import torch.distributed as tdist
    import torch.nn.functional as F

    torch.set_num_threads(1)
    rank, size = int(os.environ["PMI_RANK"]), int(os.environ["PMI_SIZE"])
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                             world_size=size)

    class LeNet(torch.nn.Module):
        def __init__(self, params):
            super().__init__()
            self.params = torch.nn.ParameterList([torch.nn.Parameter(torch.tensor(p))
                                                  for p in params])

        def forward(self, x):
            return lenet_logits(F, x, list(self.params))

    x, y, params = _data(np.array_split(np.arange(GLOBAL_BATCH), size)[rank])
    x, y = torch.tensor(x), torch.tensor(y)
    ddp = torch.nn.parallel.DistributedDataParallel(LeNet(params))

    def slowest(t):
        t = torch.tensor([t], dtype=torch.float64)
        tdist.all_reduce(t, op=tdist.ReduceOp.MAX)
        return float(t)

    def step():
        ddp.zero_grad()
        F.cross_entropy(ddp(x), y).backward()
    out = _alternated({"ddp": step}, tdist.barrier, slowest, rounds)
    tdist.barrier()
    tdist.destroy_process_group()
    return out


def _launch(ranks, mode, *args):
    """Run this module's `mode` on `ranks` ranks; rank 0's JSON result."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = subprocess.run(["mpiexec", "-n", str(ranks), sys.executable, "-m",
                        "benchmarks.distributed", mode, *map(str, args)], cwd=root, env=env,
                       capture_output=True, text=True, timeout=600)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode or not lines:
        raise RuntimeError(f"benchmarks.distributed {mode} on {ranks} ranks failed:\n"
                           f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return json.loads(lines[-1])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(quick=False, torch=True):
    """The D1 to D4 figures (a dict), from fresh mpiexec jobs: the 1-process, 2-rank and
    PyTorch jobs launched in turn (three times each, once with `quick`), each figure the
    median over the jobs."""
    rounds, launches = (1, 1) if quick else (4, 3)
    runs = {"one": [], "two": [], "torch": []}
    for _ in range(launches):
        runs["one"].append(_launch(1, "tapegrad", rounds))
        runs["two"].append(_launch(2, "tapegrad", rounds))
        if torch:
            runs["torch"].append(_launch(2, "torch", rounds, _free_port()))
    return {k: _median_of(v) for k, v in runs.items() if v}


def _median_of(results):
    """The per-key median of a list of equally shaped result dicts (numbers median'ed, the
    rest taken from the first)."""
    first = results[0]
    if isinstance(first, dict):
        return {k: _median_of([r[k] for r in results]) for k in first}
    if isinstance(first, float):
        return statistics.median(results)
    return first


def _links(two):
    """(latency a, bandwidth b) of one link from the 2-rank all-reduce times (p = 2:
    T = 2a + n/b): a from the one-float all-reduce, b from the 25 MB one."""
    a = two["allreduce_0mb"]["raw"] / 2
    big = two["allreduce_25mb"]
    return a, big["bytes"] / max(big["raw"] - 2 * a, 1e-12)


def ring_time(p, n, a, b):
    """Seconds of a ring all-reduce of n bytes over p ranks: 2(p-1) a + 2(p-1)/p n / b."""
    return 2 * (p - 1) * a + 2 * (p - 1) / p * n / b


def efficiency(p, n, compute, a, b, hidden=0.0):
    """Weak-scaling efficiency of a step whose compute takes `compute` s per rank, with a
    share `hidden` of its all-reduce overlapped."""
    return compute / (compute + (1 - hidden) * ring_time(p, n, a, b))


def report(m):
    """The D1 to D4 table of `measure`'s figures, and the predicted scaling of the model."""
    one, two, peer = m["one"], m["two"], m.get("torch")
    comm = two["blocking"] - two["local"]
    hidden = (two["blocking"] - two["ddp"]) / comm if comm > 0 else float("nan")
    rows = [
        ("D1", "LeNet b256: 2 ranks DDP vs 1 process, speed-up",
         f"{one['local'] * 1e3:.1f} -> {two['ddp'] * 1e3:.1f} ms",
         f"{one['local'] / two['ddp']:.2f}x", ">= 1.7x"),
        ("D2", "overlap: DDP / no comm / blocking all-reduce",
         f"{two['ddp'] * 1e3:.2f} / {two['local'] * 1e3:.2f} / {two['blocking'] * 1e3:.2f} ms",
         f"{hidden:.0%} of {comm * 1e3:.2f} ms hidden" if comm > 0 else "no comm cost", ""),
        ("D3", "DDP step vs PyTorch DDP (gloo), 2 ranks",
         f"{two['ddp'] * 1e3:.1f} vs {peer['ddp'] * 1e3:.1f} ms" if peer else "no torch",
         f"{two['ddp'] / peer['ddp']:.2f}" if peer else "", "ratio, < 1 faster"),
    ]
    for k, v in two.items():
        if k.startswith("allreduce") and v["bytes"] > 4:
            busbw = 2 * (two["world"] - 1) / two["world"] * v["bytes"] / 1e9
            rows.append(("D4", f"all-reduce {v['bytes'] >> 20} MB bus bandwidth",
                         f"{busbw / v['ours']:.2f} vs raw {busbw / v['raw']:.2f} GB/s",
                         f"{v['raw'] / v['ours']:.2f}x of raw", ">= 0.9x"))
    small = two["allreduce_0mb"]
    rows.append(("D4", "all-reduce of one float: latency",
                 f"{small['ours'] * 1e6:.1f} vs raw {small['raw'] * 1e6:.1f} us",
                 f"{small['raw'] / small['ours']:.2f}x of raw", ""))
    width = max(len(r[1]) for r in rows)
    lines = [f"{k:<4}{title:<{width + 2}}{fig:<32}{ratio:<18}{target}"
             for k, title, fig, ratio, target in rows]
    a, b = _links(two)
    lines.append(f"links: latency a = {a * 1e6:.1f} us, bandwidth b = {b / 1e9:.2f} GB/s; "
                 f"predicted weak-scaling efficiency of this LeNet (128 rows per rank, no "
                 f"overlap counted: its gradient is one bucket): " + ", ".join(
                     f"p={p} {efficiency(p, two['param_bytes'], two['local'], a, b):.0%}"
                     for p in (8, 64, 256)))
    return "\n".join(lines)


if __name__ == "__main__":
    mode = sys.argv[1]
    result = _tapegrad(int(sys.argv[2])) if mode == "tapegrad" else _torch(int(sys.argv[2]),
                                                                         sys.argv[3])
    if int(os.environ.get("PMI_RANK", "0")) == 0:
        print(json.dumps(result), flush=True)
    if mode == "torch":
        # PyTorch's gloo threads can outlive destroy_process_group and abort the process while
        # the interpreter finalizes ("terminate called without an active exception", SIGABRT on
        # both ranks after rank 0 printed its result: one CI run in about ten). The result is
        # out and nothing of ours is left to clean up: leave without finalizing.
        sys.stderr.flush()
        os._exit(0)
