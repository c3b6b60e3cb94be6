"""autograd.utils.data: datasets, samplers, collation and DataLoader (also with worker
processes: order, errors from workers, dead workers, timeouts, clean ends), against
torch.utils.data where torch is installed."""
import collections
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import autograd as ag
from autograd.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                                 IterableDataset, RandomSampler, SequentialSampler, Subset,
                                 SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                                 default_collate, get_worker_info, random_split)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tensors(n=10):
    return TensorDataset(ag.tensor(np.arange(n, dtype=np.float64).reshape(n, 1)),
                         ag.tensor(np.arange(n)))


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        if i == 5 and os.environ.get("TAPEGRAD_TEST_FAIL_AT_5"):
            raise KeyError("no item 5")
        return {"x": np.full(2, float(i)), "i": i}


class Stream(IterableDataset):
    """0..n-1, each worker its own stride of it."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


# ---- datasets --------------------------------------------------------------------------------
def test_tensor_dataset_subset_concat():
    ds = tensors()
    x, y = ds[3]
    assert float(x.data[0]) == 3 and int(y.data) == 3 and len(ds) == 10
    sub = Subset(ds, [4, 1])
    assert int(sub[0][1].data) == 4 and len(sub) == 2
    both = ConcatDataset([sub, ds])
    assert len(both) == 12 and int(both[2][1].data) == 0 and int(both[-1][1].data) == 9
    assert len(ds + sub) == 12
    with pytest.raises(ValueError, match="size mismatch between tensors"):
        TensorDataset(ag.ones(3), ag.ones(4))
    with pytest.raises(TypeError, match="does not support IterableDataset"):
        ConcatDataset([Stream(3)])


def test_random_split():
    parts = random_split(range(10), [3, 7], generator=ag.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(i for p in parts for i in p) == list(range(10))
    again = random_split(range(10), [3, 7], generator=ag.Generator().manual_seed(0))
    assert [list(p) for p in parts] == [list(p) for p in again]
    assert [len(p) for p in random_split(range(11), [0.5, 0.3, 0.2])] == [6, 3, 2]
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(range(10), [3, 3])


def test_random_split_fractions_match_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import random_split as torch_split
    for n, fractions in ((11, [0.5, 0.3, 0.2]), (7, [0.1, 0.9]), (5, [1 / 3] * 3)):
        ours = [len(p) for p in random_split(range(n), fractions)]
        theirs = [len(p) for p in torch_split(range(n), fractions,
                                              generator=torch.Generator().manual_seed(0))]
        assert ours == theirs


# ---- samplers ------------------------------------------------------------------------------------
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = ag.Generator().manual_seed(1)
    perm = list(RandomSampler(range(6), generator=g))
    assert sorted(perm) == list(range(6))
    assert list(RandomSampler(range(6), generator=ag.Generator().manual_seed(1))) == perm
    long = list(RandomSampler(range(3), num_samples=7))
    assert len(long) == 7 and sorted(long[:6]) == [0, 0, 1, 1, 2, 2]
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    assert sorted(SubsetRandomSampler([5, 9, 2])) == [2, 5, 9]
    w = list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=ag.Generator().manual_seed(0)))
    assert w.count(0) == 0 and 0.7 < w.count(2) / 4000 < 0.8
    assert sorted(WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False)) == [0, 1, 2]
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2


@pytest.mark.parametrize("make, message", [
    (lambda: RandomSampler(range(3), num_samples=0), "num_samples should be a positive integer"),
    (lambda: RandomSampler(range(3), replacement=1), "replacement should be a boolean"),
    (lambda: WeightedRandomSampler([[1.0]], 2), "weights should be a 1d sequence"),
    (lambda: WeightedRandomSampler([1.0, -1.0], 2), "non-negative"),
    (lambda: WeightedRandomSampler([1.0, 0.0], 2, replacement=False), "without replacement"),
    (lambda: BatchSampler(range(3), 0, False), "batch_size should be a positive integer"),
    (lambda: BatchSampler(range(3), 2, None), "drop_last should be a boolean")])
def test_sampler_errors(make, message):
    with pytest.raises((ValueError, TypeError, RuntimeError), match=message):
        make()


# ---- collation -----------------------------------------------------------------------------------
Point = collections.namedtuple("Point", "x y")


def test_default_collate_structures_match_torch():
    samples = [({"a": np.ones(2) * i, "b": float(i)}, i, Point(i, np.float32(i)), f"s{i}",
                ag.tensor([i, i + 1])) for i in range(3)]
    batch = default_collate(samples)
    assert isinstance(batch, list) and len(batch) == 5
    assert batch[0]["a"].shape == (3, 2) and batch[0]["b"].dtype == np.float64
    assert batch[1].dtype == np.int64 and batch[1].data.tolist() == [0, 1, 2]
    assert type(batch[2]) is Point and batch[2].y.dtype == np.float32
    assert batch[3] == ("s0", "s1", "s2") and batch[4].shape == (3, 2)
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    theirs = torch_collate([s[:4] + (torch.tensor(s[4].numpy()),) for s in samples])
    assert type(theirs) is type(batch) and str(theirs[0]["b"].dtype) == "torch.float64"
    np.testing.assert_array_equal(theirs[0]["a"].numpy(), batch[0]["a"].data)
    assert str(theirs[1].dtype) == "torch.int64" and theirs[3] == batch[3]


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size"):
        default_collate([ag.ones(2), ag.ones(3)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])


# ---- DataLoader -----------------------------------------------------------------------------------
def labels(loader):
    return [b[1].data.tolist() for b in loader]


@pytest.mark.parametrize("workers", [0, 2])
def test_loader_batches_in_order(workers):
    loader = DataLoader(tensors(), batch_size=4, num_workers=workers)
    assert labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    loader = DataLoader(tensors(), batch_size=4, drop_last=True, num_workers=workers)
    assert labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(loader) == 2
    single = list(DataLoader(Squares(), batch_size=None, num_workers=workers))
    assert single[3]["i"] == 3 and single[3]["x"].shape == (2,)
    batches = list(DataLoader(Squares(), batch_sampler=[[6, 0], [2]], num_workers=workers))
    assert [b["i"].data.tolist() for b in batches] == [[6, 0], [2]]


@pytest.mark.filterwarnings("ignore:This DataLoader will create 3 worker processes")
@pytest.mark.parametrize("workers", [0, 2, 3])
def test_iterable_dataset_with_workers_matches_torch(workers):
    ours = [b.data.tolist() for b in DataLoader(Stream(10), batch_size=2, num_workers=workers)]
    assert sorted(i for b in ours for i in b) == list(range(10))
    torch = pytest.importorskip("torch")
    import torch.utils.data as tud

    class TorchStream(tud.IterableDataset):
        def __iter__(self):
            info = tud.get_worker_info()
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            return iter(range(start, 10, step))
    theirs = [b.tolist() for b in tud.DataLoader(TorchStream(), batch_size=2,
                                                 num_workers=workers)]
    assert ours == theirs


def test_shuffle_is_reproducible_and_changes_per_epoch():
    ag.manual_seed(0)
    loader = DataLoader(tensors(), batch_size=10, shuffle=True)
    first, second = labels(loader), labels(loader)
    assert first != second and sorted(first[0]) == list(range(10))
    ag.manual_seed(0)
    assert labels(loader) == first
    g = ag.Generator().manual_seed(3)
    a = labels(DataLoader(tensors(), batch_size=10, shuffle=True, generator=g))
    g.manual_seed(3)
    assert labels(DataLoader(tensors(), batch_size=10, shuffle=True, generator=g)) == a


def _record_worker(worker_id):
    info = get_worker_info()
    assert info.id == worker_id and info.num_workers == 2
    os.environ["TAPEGRAD_WORKER_SEED"] = str(info.seed)


class WhoAmI(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return os.getpid(), int(os.environ.get("TAPEGRAD_WORKER_SEED", -1))


def test_worker_init_fn_seeds_and_persistent_workers():
    loader = DataLoader(WhoAmI(), batch_size=1, num_workers=2, worker_init_fn=_record_worker,
                        persistent_workers=True)
    epoch1 = [(int(p.data[0]), int(s.data[0])) for p, s in loader]
    epoch2 = [(int(p.data[0]), int(s.data[0])) for p, s in loader]
    pids = {p for p, _ in epoch1}
    assert len(pids) == 2 and os.getpid() not in pids
    assert {p for p, _ in epoch2} == pids                       # the same worker processes
    assert len({s for _, s in epoch1}) == 2 and all(s >= 0 for _, s in epoch1)
    assert get_worker_info() is None


def test_an_error_in_a_worker_is_raised_with_its_traceback(monkeypatch):
    monkeypatch.setenv("TAPEGRAD_TEST_FAIL_AT_5", "1")
    with pytest.raises(KeyError, match=r"Caught KeyError in DataLoader worker process \d"
                       r"[\s\S]*no item 5"):
        list(DataLoader(Squares(), batch_size=1, num_workers=2))
    time.sleep(0.2)
    assert not multiprocessing.active_children()


class Dies(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


def test_a_dead_worker_is_an_error():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                       r"unexpectedly with exit code\(s\) -9"):
        list(DataLoader(Dies(), batch_size=1, num_workers=1))
    assert not multiprocessing.active_children()


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(3)
        return i


def test_timeout():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.5))
    assert not multiprocessing.active_children()


def test_no_worker_outlives_its_iterator():
    it = iter(DataLoader(tensors(), batch_size=1, num_workers=2))
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    assert not multiprocessing.active_children()


def test_ctrl_c_leaves_no_worker_behind():
    script = textwrap.dedent("""
        import os, sys, time
        sys.path.insert(0, sys.argv[1])
        from autograd.utils.data import DataLoader, Dataset
        class Slow(Dataset):
            def __len__(self): return 100
            def __getitem__(self, i):
                time.sleep(0.05)
                return i
        it = iter(DataLoader(Slow(), num_workers=2))
        next(it)
        import multiprocessing
        print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
        for _ in it:
            pass
    """)
    p = subprocess.Popen([sys.executable, "-c", script, ROOT], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    pids = [int(x) for x in p.stdout.readline().split()]
    assert len(pids) == 2
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode != 0 and "KeyboardInterrupt" in err
    time.sleep(0.5)
    alive = [pid for pid in pids if _alive(pid)]
    assert not alive, f"workers {alive} outlived the main process"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:                       # a zombie is not alive
        return f.read().split()[2] != "Z"


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(timeout=-1), "timeout option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching")])
def test_loader_argument_errors_match_torch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(tensors(), **kwargs)
    torch = pytest.importorskip("torch")
    import torch.utils.data as tud
    with pytest.raises(ValueError):
        tud.DataLoader(tud.TensorDataset(torch.ones(10)), **kwargs)


def test_iterable_dataset_refuses_shuffle_and_samplers():
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(4), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(4), sampler=[0])
    assert len(DataLoader(Stream(5), batch_size=2)) == 3
