"""The on-disk cache of a kernel that calls ops/_vecmath follows edits to _vecmath.py: copies of
_vecmath.py and _nn_kernels.py, as a package in tmp_path, run exp_shifted_rows (whose row max
is _vecmath.maximum) in a fresh interpreter each time, with the cache in tmp_path too."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import pytest

pytestmark = pytest.mark.skipif(numba.config.DISABLE_JIT,
                                reason="NUMBA_DISABLE_JIT=1: nothing is compiled or cached")

OPS = Path(__file__).resolve().parent.parent / "ops"

RUN = """
import json, numpy as np
from kpkg import _nn_kernels as NK
x = np.array([[1.0, 3.0, 2.0]])
e, m, s = np.empty_like(x), np.empty(1), np.empty(1)
NK.exp_shifted_rows(x, e, m, s)
stats = NK.exp_shifted_rows.stats
print(json.dumps({"file": NK.__file__, "max": m[0], "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values())}))
"""


def _run(tmp_path):
    """The row max and the cache hits and misses of a fresh process's exp_shifted_rows."""
    # No .pyc: one is reused while the source keeps its size and mtime, as in the last edit
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"), PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run([sys.executable, "-c", RUN], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.splitlines()[-1])
    assert Path(out.pop("file")).parent == tmp_path / "kpkg"
    return out


def _edit(path, old, new, keep_mtime=False):
    """Replace the one `old` in the file by `new`, optionally keeping its mtime."""
    st = path.stat()
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_an_edit_to_vecmath_recompiles_the_kernels_that_call_it(tmp_path):
    pkg = tmp_path / "kpkg"
    pkg.mkdir()
    (pkg / "__init__.py").touch()
    for name in ("_vecmath.py", "_nn_kernels.py"):
        shutil.copy(OPS / name, pkg / name)
    vecmath = pkg / "_vecmath.py"

    assert _run(tmp_path) == {"max": 3.0, "hits": 0, "misses": 1}
    assert list((tmp_path / "cache").rglob("_nn_kernels.exp_shifted_rows-*.nbi"))
    assert _run(tmp_path) == {"max": 3.0, "hits": 1, "misses": 0}

    _edit(vecmath, "_llvm_maximum(a, b)", "min(a, b)")              # another size
    assert _run(tmp_path) == {"max": 1.0, "hits": 0, "misses": 1}

    _edit(vecmath, "min(a, b)", "max(a, b)", keep_mtime=True)      # same size and mtime
    assert _run(tmp_path) == {"max": 3.0, "hits": 0, "misses": 1}
    assert _run(tmp_path) == {"max": 3.0, "hits": 1, "misses": 0}
