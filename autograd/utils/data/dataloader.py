"""DataLoader as torch.utils.data's: batches of a dataset, in the main process or in worker
processes (num_workers > 0).

With workers, the main process hands out the batches' indices round-robin (at most
prefetch_factor per worker in flight) and yields the batches in order. An exception in a
worker is raised again in the main process, with the worker's traceback in its message; a
worker that dies is an error naming its pid; `timeout` bounds the wait for a batch. Workers
ignore Ctrl-C (the main process handles it) and end when the iterator is exhausted, deleted,
or the program exits; they also end by themselves if the main process disappears.
"""
import atexit
import itertools
import multiprocessing
import os
import queue
import random
import signal
import sys
import time
import traceback
import weakref
from dataclasses import dataclass

from ... import random as ag_random
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

POLL = 1.0                        # seconds between checks that workers (or the parent) live


@dataclass(frozen=True)
class WorkerInfo:
    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    """In a DataLoader worker: its WorkerInfo (id, num_workers, seed, its dataset copy);
    in the main process: None."""
    return _worker_info


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size` (None: single samples, converted).

    `shuffle` draws a new order each epoch (from `generator`, or the default generator that
    autograd.manual_seed seeds); `sampler` or `batch_sampler` choose the order instead.
    `collate_fn` turns a list of samples into a batch (default_collate). `pin_memory` is
    accepted and does nothing (tapegrad computes on the CPU).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing: let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value!r}")
        elif sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if not iterable:
            if sampler is None:
                sampler = (RandomSampler(dataset, generator=generator) if shuffle
                           else SequentialSampler(dataset))
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.num_workers, self.timeout, self.generator = num_workers, timeout, generator
        self.collate_fn = collate_fn or (default_collate if self._auto_collation
                                         else default_convert)
        self.pin_memory, self.pin_memory_device = pin_memory, pin_memory_device
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor = 2 if num_workers and prefetch_factor is None else prefetch_factor
        self.persistent_workers, self.in_order = persistent_workers, in_order
        self._iterator = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None)

    def __iter__(self):
        if self.num_workers == 0:
            return _single_process(self)
        if self.persistent_workers and self._iterator is not None:
            self._iterator.reset(self)
            return self._iterator
        it = _WorkerIterator(self)
        if self.persistent_workers:
            self._iterator = it
        return it

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


# ---- fetching: what the main process (num_workers=0) or a worker does for one batch ----------
class _Fetcher:
    """Fetch one batch (or sample) of a loader's dataset: by indices for a map-style dataset,
    the next ones of its own stream for an iterable one. What a worker gets of its loader."""

    def __init__(self, loader):
        self.dataset, self.collate = loader.dataset, loader.collate_fn
        self.auto, self.batch_size = loader._auto_collation, loader.batch_size
        self.drop_last, self.stream = loader.drop_last, None
        self.init, self.num_workers = loader.worker_init_fn, loader.num_workers

    def __call__(self, indices):
        if not isinstance(self.dataset, IterableDataset):
            if self.auto:
                return self.collate([self.dataset[i] for i in indices])
            return self.collate(self.dataset[indices])
        if self.stream is None:
            self.stream = iter(self.dataset)
        if not self.auto:
            return self.collate(next(self.stream))
        batch = list(itertools.islice(self.stream, self.batch_size))
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise StopIteration
        return self.collate(batch)


def _single_process(loader):
    fetch = _Fetcher(loader)
    if isinstance(loader.dataset, IterableDataset):
        while True:
            try:
                yield fetch(None)
            except StopIteration:
                return
    for indices in (loader.batch_sampler if loader._auto_collation else loader.sampler):
        yield fetch(indices)


# ---- workers -----------------------------------------------------------------------------------
class _Failure:
    """An exception in a worker, carried to the main process and raised there again."""

    def __init__(self, where):
        kind, value, _ = sys.exc_info()
        self.kind = kind
        self.message = (f"Caught {kind.__name__} {where}.\nOriginal "
                        f"{''.join(traceback.format_exception(kind, value, value.__traceback__))}")

    def reraise(self):
        try:
            error = self.kind(self.message)
        except Exception:                                            # noqa: BLE001
            error = RuntimeError(self.message)
        raise error


class _Ended:
    """A worker's iterable dataset is exhausted."""


def _worker_loop(fetch, worker_id, seed, tasks, results):
    """A worker process: answer (task id, indices) from `tasks` on `results` until None."""
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_info = WorkerInfo(worker_id, fetch.num_workers, seed, fetch.dataset)
    random.seed(seed)
    ag_random.manual_seed(seed)
    failed = None
    if fetch.init is not None:
        try:
            fetch.init(worker_id)
        except Exception:                                            # noqa: BLE001
            failed = _Failure(f"in DataLoader worker process {worker_id}")
    parent = os.getppid()
    while True:
        try:
            if not tasks.poll(POLL):
                if os.getppid() != parent:                           # the main process is gone
                    return
                continue
            task = tasks.recv()
        except (EOFError, OSError):                                  # the main process closed it
            return
        if task is None:
            return
        if task == "restart":                                       # a new epoch (persistent)
            fetch.stream = None
            continue
        task_id, indices = task
        if failed is not None:
            data = failed
        else:
            try:
                data = fetch(indices)
            except StopIteration:
                data = _Ended()
            except Exception:                                        # noqa: BLE001
                data = _Failure(f"in DataLoader worker process {worker_id}")
        results.put((task_id, data))


_live = weakref.WeakSet()          # iterators with workers: ended at exit


class _WorkerIterator:
    def __init__(self, loader):
        ctx = multiprocessing.get_context(loader.multiprocessing_context)
        gen = loader.generator if loader.generator is not None else ag_random.default_generator()
        base_seed = int(gen.integers(2 ** 62))
        # results: a Queue the workers feed; tasks: a pipe to each worker, which the main
        # process writes without a feeder thread (a Ctrl-C in the middle of a Queue.put can
        # leave that thread waiting forever, and the exit waiting for it)
        self.results = ctx.Queue()
        self.tasks, self.workers = [], []
        for i in range(loader.num_workers):
            reader, writer = ctx.Pipe(duplex=False)
            w = ctx.Process(target=_worker_loop,
                            args=(_Fetcher(loader), i, base_seed + i, reader, self.results),
                            daemon=True)
            w.start()
            reader.close()
            self.tasks.append(writer)
            self.workers.append(w)
        self.timeout, self.persistent = loader.timeout, loader.persistent_workers
        _live.add(self)
        self.reset(loader, first=True)

    def reset(self, loader, first=False):
        """Start an epoch: a fresh pass of the sampler (or streams), tasks in flight."""
        self.iterable = isinstance(loader.dataset, IterableDataset)
        self.order = None if self.iterable else iter(
            loader.batch_sampler if loader._auto_collation else loader.sampler)
        self.active = [True] * len(self.workers)
        self.turn = itertools.cycle(range(len(self.workers)))
        self.sent = self.received = 0
        self.pending = {}                       # task id -> worker, or (worker, data) if early
        if not first and self.iterable:
            for q in self.tasks:
                q.send("restart")
        for _ in range(loader.prefetch_factor * len(self.workers)):
            self._send()

    def _send(self):
        if not any(self.active):
            return
        if self.iterable:
            indices = None
        else:
            indices = next(self.order, None)
            if indices is None:
                return
        worker = next(w for w in self.turn if self.active[w])
        self.tasks[worker].send((self.sent, indices))
        self.pending[self.sent] = (worker,)
        self.sent += 1

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            while self.received < self.sent and len(self.pending[self.received]) == 1 \
                    and not self.active[self.pending[self.received][0]]:
                del self.pending[self.received]                 # asked of an ended worker
                self.received += 1
            if self.received == self.sent:
                if not self.persistent:
                    self.shutdown()
                raise StopIteration
            entry = self.pending[self.received]
            if len(entry) == 2:
                data = entry[1]
            else:
                task_id, data = self._get()
                if task_id not in self.pending:
                    continue
                worker = self.pending[task_id][0]
                if isinstance(data, _Ended):
                    self.active[worker] = False
                    continue
                if task_id != self.received:
                    self.pending[task_id] = (worker, data)
                    continue
            del self.pending[self.received]
            self.received += 1
            self._send()
            if isinstance(data, _Failure):
                self.shutdown()
                data.reraise()
            return data

    def _get(self):
        """The next (task id, data) from any worker, checking that they live."""
        start = time.monotonic()
        while True:
            wait = POLL if not self.timeout else min(POLL, self.timeout)
            try:
                return self.results.get(timeout=wait)
            except queue.Empty:
                dead = [w for w in self.workers if not w.is_alive()]
                if dead:
                    self.shutdown()
                    raise RuntimeError(
                        "DataLoader worker (pid(s) "
                        f"{', '.join(str(w.pid) for w in dead)}) exited unexpectedly with exit "
                        f"code(s) {', '.join(str(w.exitcode) for w in dead)}") from None
                if self.timeout and time.monotonic() - start > self.timeout:
                    self.shutdown(wait=0)                       # a stuck worker: no waiting
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")

    def shutdown(self, wait=5):
        """End the workers (asked to, then after `wait` seconds by force), close the queues."""
        if not self.workers:
            return
        for q in self.tasks:
            try:
                q.send(None)
            except OSError:                                    # that worker is gone already
                pass
        for w in self.workers:
            w.join(timeout=wait)
            if w.is_alive():
                w.terminate()
                w.join()
        for q in self.tasks:
            q.close()
        self.results.cancel_join_thread()
        self.results.close()
        self.workers = []
        _live.discard(self)

    def __del__(self):
        self.shutdown()


@atexit.register
def _end_all():
    for it in list(_live):
        it.shutdown()
