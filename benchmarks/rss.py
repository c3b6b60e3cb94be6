"""Peak resident memory of a workload's train steps, each framework in a fresh process, so that
neither's memory (in use, cached by its allocator, or its imports) counts against the other.

The child process imports the benchmarks (so tapegrad and numba also in PyTorch's process: its
model's weights are copied from tapegrad's), builds the step, notes its RSS (`start`: imports,
model, data), resets the kernel's high-water mark, runs the steps and reports that mark (`peak`:
the whole process's largest RSS during the steps). Linux only (/proc/self); elsewhere, or if a
child fails, the figures are None.
"""
import json
import os
import subprocess
import sys

from .harness import columns, set_threads, torch_or_none

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _status_mib(field):
    """A memory field of /proc/self/status (kB) in MiB."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def child(key, impl, steps, threads):
    """Run in the fresh process: print {"start_mib", "peak_mib", "steps"} as one JSON line."""
    from . import WORKLOADS
    set_threads(threads)
    step = next(w for w in WORKLOADS if w.key == key).setups[impl]()
    start = _status_mib("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                     # VmHWM := VmRSS: the setup's peak no longer counts
    for _ in range(steps):
        step()
    print(json.dumps({"start_mib": start, "peak_mib": _status_mib("VmHWM"), "steps": steps}))


def _run_child(key, impl, steps, threads):
    code = f"from benchmarks.rss import child; child({key!r}, {impl!r}, {steps}, {threads})"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if run.returncode:
        print(f"peak RSS of {key} on {impl} not measured: its process failed:\n"
              f"{run.stderr[-800:]}", file=sys.stderr)
        return None
    return json.loads(run.stdout.splitlines()[-1])


def peak_rss(w, steps, threads):
    """{framework: {"start_mib", "peak_mib", "steps"} or None} for Workload `w`."""
    impls = ["tapegrad"] + (["torch"] if torch_or_none() and "torch" in w.setups else [])
    return {impl: _run_child(w.key, impl, steps, threads) if impl in impls else None
            for impl in ("tapegrad", "torch")}


def _mib(figures):
    return f"{figures['peak_mib']:.0f} ({figures['start_mib']:.0f})" if figures else "-"


def _ratio(ours, theirs):
    return f"{ours / theirs:.2f}" if theirs > 0 else "-"


def table(results):
    """The peak RSS of the results that have it, as plain text (None when none has)."""
    rows = [r for r in results if r.get("rss")]
    if not rows:
        return None
    steps = next((f["steps"] for r in rows for f in r["rss"].values() if f), "?")
    lines = [["workload", "tapegrad MiB", "torch MiB", "x torch", "x torch above start"]]
    for r in rows:
        ours, theirs = r["rss"]["tapegrad"], r["rss"]["torch"]
        peak = above = "-"
        if ours and theirs:
            peak = _ratio(ours["peak_mib"], theirs["peak_mib"])
            above = _ratio(ours["peak_mib"] - ours["start_mib"],
                           theirs["peak_mib"] - theirs["start_mib"])
        lines.append([r["key"], _mib(ours), _mib(theirs), peak, above])
    return (f"peak RSS over {steps} step(s), each framework in a fresh process (in brackets: "
            f"at the first step, after imports and setup)\n{columns(lines)}")
