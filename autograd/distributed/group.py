"""The default process group: MPI_COMM_WORLD through mpi4py (the `distributed` extra), its
rank and size, and the rules that keep a failing job from hanging.

- A rank that dies of an uncaught exception prints it with its rank and aborts the whole job
  (MPI_Abort), so every rank exits non-zero at once.
- Every wait on a collective polls with the group's `timeout`: past it, the waiting rank
  raises (and so aborts the job) instead of waiting for a rank that left or is stuck.
- A rank that exits while the group is initialized first waits, up to `timeout`, for every
  rank to reach its exit too; a rank left behind (one that exited early, by sys.exit or the
  end of its script) so ends the job instead of leaving the others in a collective forever.
"""
import atexit
import datetime
import sys
import time
import traceback

_state = {"comm": None, "timeout": None}

DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)      # PyTorch's default for CPU backends
SPIN = 0.05          # seconds a wait polls without sleeping: a collective's usual latency

_NOT_INITIALIZED = ("{}: the default process group has not been initialized; call "
                    "autograd.distributed.init_process_group(backend=\"mpi\") first")


def _mpi():
    """mpi4py's MPI module, or an ImportError saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError("autograd.distributed needs mpi4py and an MPI runtime: "
                          "pip install -e \".[distributed]\" (mpi4py, mpich)") from e
    return MPI


def is_available():
    """True when mpi4py can be imported (the MPI backend is usable)."""
    try:
        _mpi()
    except ImportError:
        return False
    return True


def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1):
    """Join the job's processes (as started by mpiexec, srun, ...) into the default group.

    Only the "mpi" backend exists: ranks and world size come from MPI, so `world_size` and
    `rank`, if given, must agree with it; `init_method` must be None or "env://". `timeout`
    (a timedelta, default 30 minutes) bounds every wait for other ranks."""
    if backend not in ("mpi", None):
        raise ValueError(f"init_process_group: backend {backend!r} is not available; tapegrad "
                         f"runs its collectives over MPI: use backend=\"mpi\"")
    if init_method not in (None, "env://"):
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported: "
                         f"MPI's launcher (mpiexec, srun) starts and connects the ranks")
    if _state["comm"] is not None:
        raise RuntimeError("init_process_group: trying to initialize the default process group "
                           "twice")
    MPI = _mpi()
    comm = MPI.COMM_WORLD
    for name, given, actual in (("world_size", world_size, comm.Get_size()),
                                ("rank", rank, comm.Get_rank())):
        if given not in (-1, None) and given != actual:
            raise ValueError(f"init_process_group: {name}={given}, but MPI started this process "
                             f"as {name} {actual}")
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"init_process_group: timeout must be a datetime.timedelta, got "
                        f"{type(timeout).__name__}")
    _state["comm"], _state["timeout"] = comm, timeout.total_seconds()
    if comm.Get_size() > 1:
        sys.excepthook = _abort_on_exception
        atexit.register(_exit_together)    # after mpi4py's own exit handler: runs before it



def is_initialized():
    return _state["comm"] is not None


def comm(what):
    """The group's communicator; `what` names the caller in the error raised before init."""
    c = _state["comm"]
    if c is None:                                       # a ValueError, as PyTorch's
        raise ValueError(_NOT_INITIALIZED.format(what))
    return c


def get_rank(group=None):
    return comm("get_rank").Get_rank()


def get_world_size(group=None):
    return comm("get_world_size").Get_size()


def get_backend(group=None):
    comm("get_backend")
    return "mpi"


def destroy_process_group(group=None):
    """Leave the default group (MPI itself is finalized when the process exits)."""
    comm("destroy_process_group")
    _state["comm"] = None
    atexit.unregister(_exit_together)
    if sys.excepthook is _abort_on_exception:
        sys.excepthook = sys.__excepthook__


def wait(request, what, timeout=None):
    """Complete an MPI request, polling, and raise past `timeout` seconds (default: the
    group's): a rank that left or hangs ends the job through the raising rank instead of
    blocking it forever."""
    if request.Test():
        return
    timeout = _state["timeout"] if timeout is None else timeout
    start = time.monotonic()
    spin_until, deadline = start + SPIN, start + timeout
    pause = 0.0
    while not request.Test():        # spin as MPI_Wait does, then back off to 1 ms sleeps
        now = time.monotonic()
        if now > deadline:
            raise RuntimeError(
                f"{what}: rank {get_rank()} waited {timeout:g} s for the other ranks "
                f"(the timeout); a rank may have exited early or be stuck")
        if now > spin_until:
            time.sleep(pause)
            pause = min(2 * pause + 1e-6, 1e-3)


def _abort_on_exception(kind, value, tb):
    """sys.excepthook while a group of more than one rank is initialized: print the error
    (one write, naming this rank), then abort every rank of the job."""
    c = _state["comm"]
    text = "".join(traceback.format_exception(kind, value, tb))
    _abort(c, f"rank {c.Get_rank()} of {c.Get_size()} failed with {kind.__name__}: {value}; "
              f"aborting all ranks\n{text}")


def _abort(c, message):
    sys.stderr.write(f"autograd.distributed: {message}")
    sys.stderr.flush()
    time.sleep(0.2)                 # let the launcher forward the message before the kill
    c.Abort(1)


def _exit_together():
    """A rank that exits with the group initialized waits (bounded) for the others to exit."""
    c = _state["comm"]
    if c is None:
        return
    try:
        wait(c.Ibarrier(), "exit")
    except RuntimeError as e:
        _abort(c, f"{e}; aborting all ranks\n")
