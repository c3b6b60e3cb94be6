"""autograd.distributed, DistributedDataParallel, SyncBatchNorm and DistributedSampler.

The collective and data-parallel checks run under `mpiexec -n 2` (tests/distributed_worker.py,
one job for all of them, and one job per way of failing); they skip where mpi4py or mpiexec
is absent (the `distributed` extra). What needs no MPI runs here.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import autograd as ag
import autograd.distributed as dist
import nn
from autograd.distributed.nn import functional as dist_F
from autograd.utils.data import DistributedSampler
from gradrows import Row

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "distributed_worker.py")

# checked on 2 ranks by the worker (GRAD_ROWS_RUN_BY): a rank's x reaches every rank's output,
# so the numerical and analytical derivatives of every rank (which perturb in lockstep) both
# count all ranks
GRAD_ROWS_RUN_BY = "test_on_two_ranks[grad_rows]"
GRAD_ROWS = [Row("all_reduce", lambda x: dist_F.all_reduce(x), ((3, 4),)),
             Row("all_reduce", lambda x, w: dist_F.all_reduce(x * w) * x, ((5,), (5,)),
                 id="product"),
             Row("all_reduce", lambda x: dist_F.all_reduce(x, dist.ReduceOp.AVG).tanh(),
                 ((2, 3),), id="avg")]


def _mpiexec():
    if not dist.is_available():
        pytest.skip("mpi4py is not installed (pip install -e \".[distributed]\")")
    exe = shutil.which("mpiexec")
    if exe is None:
        pytest.skip("mpiexec is not on PATH (pip install mpich)")
    return exe


def launch(mode, *names, timeout=240):
    """Run the worker on 2 ranks; (return code, stdout, stderr)."""
    cmd = [_mpiexec(), "-n", "2", sys.executable, WORKER, mode, *names]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def results():
    code, out, err = launch("checks")
    found = {}
    for line in out.splitlines():
        if line.startswith("RESULT "):
            r = json.loads(line[len("RESULT "):])
            found[r["name"]] = r["errors"]
    assert code == 0 and found, f"the 2-rank job failed (exit {code}):\n{out}\n{err}"
    return found


CHECKS = ["all_reduce_every_op_shape_dtype", "async_collectives_and_arrays",
          "broadcast_all_gather_reduce_scatter_barrier", "collective_errors", "grad_rows",
          "ddp_mlp_sgd", "ddp_mlp_adam", "ddp_cnn_sgd", "ddp_cnn_adam", "ddp_cnn_syncbn_sgd",
          "ddp_cnn_syncbn_adam", "ddp_lstm_sgd", "ddp_lstm_adam",
          "ddp_state_dict_and_broadcast", "ddp_no_sync_accumulates", "ddp_unused_parameters",
          "sampler_from_group"]


@pytest.mark.parametrize("name", CHECKS)
def test_on_two_ranks(results, name):
    assert name in results, f"the worker did not run {name}"
    errors = results[name]
    assert not errors, "\n".join(f"rank {r}:\n{e}" for r, e in errors.items())


def test_every_worker_check_is_listed(results):
    assert sorted(results) == sorted(CHECKS)


@pytest.mark.parametrize("mode, expect", [
    ("raise", ["rank 1 of 2 failed with ValueError: rank 1 fails on purpose"]),
    ("exit", ["waited 5 s for the other ranks"]),
    ("mismatch", ["the modules differ across ranks", "'weight' of shape (4, 4)",
                  "where rank 0 has parameter 'weight' of shape (3, 4)"]),
])
def test_a_failing_rank_ends_the_job(mode, expect):
    code, out, err = launch(mode, timeout=60)
    assert code != 0, f"{mode}: the job exited 0\n{out}\n{err}"
    for text in expect:
        assert text in out + err, f"{mode}: {text!r} not in\n{out}\n{err}"


# ---- without a process group --------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: dist.all_reduce(ag.ones(3)), lambda: dist.broadcast(ag.ones(3), 0),
    lambda: dist.barrier(), lambda: dist.get_rank(), lambda: dist.get_world_size(),
    lambda: dist_F.all_reduce(ag.ones(3)),
    lambda: nn.parallel.DistributedDataParallel(nn.Linear(2, 2)),
    lambda: DistributedSampler(range(4))])
def test_before_init_process_group_raises(call):
    with pytest.raises(ValueError, match="process group has not been initialized"):
        call()


def test_init_process_group_refuses_other_backends():
    with pytest.raises(ValueError, match="backend 'nccl' is not available"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized()


def test_sync_batchnorm_without_a_group_is_batchnorm():
    ag.manual_seed(0)
    bn = nn.BatchNorm2d(3).double()
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(bn))[0]
    assert type(sync) is nn.SyncBatchNorm and sync.weight is bn.weight
    assert sync.running_mean is bn.running_mean
    x = np.random.default_rng(0).standard_normal((4, 3, 2, 2))
    ref = nn.BatchNorm2d(3).double()
    np.testing.assert_allclose(sync(ag.tensor(x)).data, ref(ag.tensor(x)).data)
    np.testing.assert_allclose(sync.running_var.data, ref.running_var.data)
    with pytest.raises(ValueError, match="expected at least 2D input"):
        sync(ag.ones(3))


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (2, 5, False),
                                                    (12, 4, True), (7, 1, False)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_distributed_sampler_matches_torch_layout(n, replicas, drop_last, shuffle):
    shares = [list(DistributedSampler(range(n), replicas, r, shuffle=shuffle, seed=1,
                                      drop_last=drop_last)) for r in range(replicas)]
    assert len({len(s) for s in shares}) == 1 and len(shares[0]) == len(
        DistributedSampler(range(n), replicas, 0, drop_last=drop_last))
    flat = [i for s in shares for i in s]
    if drop_last:
        assert len(set(flat)) == len(flat) == n // replicas * replicas
    else:
        assert set(flat) == set(range(n)) and len(flat) == -(-n // replicas) * replicas
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    theirs = [list(TorchSampler(range(n), replicas, r, shuffle=False, drop_last=drop_last))
              for r in range(replicas)]
    if not shuffle:                  # torch's permutation is its own generator's
        assert shares == theirs


def test_distributed_sampler_epochs():
    s = DistributedSampler(range(20), 2, 0, seed=5)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    assert list(s) != first and sorted(set(first)) != []
    with pytest.raises(ValueError, match=r"invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), 2, 2)


def test_example_trains_the_same_on_two_ranks_and_resumes(tmp_path):
    import numba
    if numba.config.DISABLE_JIT:
        pytest.skip("NUMBA_DISABLE_JIT=1: 450 CNN training steps as plain Python take minutes")
    pytest.importorskip("mnist1d")
    pytest.importorskip("tqdm")
    mpiexec = _mpiexec()
    ck = str(tmp_path / "ck.npz")

    def run(*cmd):
        p = subprocess.run([*cmd, sys.executable, "-m", "examples.ddp", "--threads", "1",
                            "--steps", "150", "--checkpoint", ck], cwd=os.path.dirname(HERE),
                           capture_output=True, text=True, timeout=180)
        assert p.returncode == 0, p.stdout + p.stderr
        line = p.stdout.strip().splitlines()[-1]
        return line, float(line.split("test accuracy ")[1].split("%")[0])

    line, acc2 = run(mpiexec, "-n", "2")
    assert line.startswith("2 rank(s), steps 0 to 150")
    line, resumed = run(mpiexec, "-n", "2")
    assert line.startswith("2 rank(s), steps 150 to 300"), line
    os.remove(ck)
    line, acc1 = run()
    assert line.startswith("1 rank(s), steps 0 to 150")
    assert abs(acc1 - acc2) <= 3.0, (acc1, acc2)        # float32 rounding differs, not the math
    assert resumed > acc2 - 3.0
