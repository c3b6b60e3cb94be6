"""The heap keeps what a step frees (autograd/memory.py): the next step's buffers come back
without a page fault each. Counted in page faults, which do not depend on the machine's load."""
import os
import platform
import subprocess
import sys

import pytest

import autograd as ag

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the heap's retention is a glibc malloc setting")

# a "step" that allocates and writes 24 buffers of 4 MiB, then frees them all; prints the minor
# page faults of five such steps after a first one
CHURN = """
import resource
import numpy as np
import autograd

def step():
    buffers = [np.ones(1 << 20, np.float32) for _ in range(24)]
    del buffers

step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _run(retain_mb, code=CHURN):
    env = dict(os.environ, TAPEGRAD_HEAP_RETAIN_MB=retain_mb)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@glibc_only
def test_freed_buffers_come_back_without_page_faults():
    kept, given_back = (int(_run(mb).stdout) for mb in ("512", "0"))
    # 5 steps x 96 MiB: about 120,000 pages (fewer where NumPy's buffers get huge pages)
    assert given_back > 10_000
    assert kept < given_back / 100


def test_bad_settings_name_the_variable_and_the_value():
    run = _run("lots", "import autograd")
    assert run.returncode != 0
    assert "TAPEGRAD_HEAP_RETAIN_MB must be a whole number of MiB" in run.stderr
    assert "'lots'" in run.stderr
    assert "must be >= 0, got -1" in _run("-1", "import autograd").stderr
    with pytest.raises(ValueError, match=r"retain_freed: limit must be >= 0 bytes, got -5"):
        ag.memory.retain_freed(-5)
