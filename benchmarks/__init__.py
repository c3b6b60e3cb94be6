"""`python -m benchmarks`: tapegrad side by side with PyTorch (CPU) and hand-written NumPy.

Each module lists its workloads in WORKLOADS; add a module's list here to include it."""
from . import core, machine, optim, functional, conv, rnn

WORKLOADS = [*core.WORKLOADS, *machine.WORKLOADS, *optim.WORKLOADS, *functional.WORKLOADS,
             *conv.WORKLOADS, *rnn.WORKLOADS]
