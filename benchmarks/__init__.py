"""`python -m benchmarks`: tapegrad side by side with PyTorch (CPU) and hand-written NumPy.

Each module lists its workloads in WORKLOADS; add a module's list here to include it."""
import re

from . import core, conv, functional, machine, models, optim, rnn

WORKLOADS = sorted([*core.WORKLOADS, *conv.WORKLOADS, *rnn.WORKLOADS, *functional.WORKLOADS,
                    *optim.WORKLOADS, *machine.WORKLOADS, *models.WORKLOADS],
                   key=lambda w: (int(re.match(r"W(\d+)", w.key).group(1)), w.key))
