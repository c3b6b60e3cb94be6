"""Timing side by side: every implementation of a workload is timed in the same rounds,
alternating, so that the ratios compare like with like on a noisy machine."""
import dataclasses
import os
import statistics
import time
from typing import Optional

import numpy as np

IMPLS = ("tapegrad", "torch", "numpy")


@dataclasses.dataclass
class Workload:
    key: str                                   # "W1", "W4f", ...: what --only selects
    title: str
    setups: dict                               # impl name -> () -> zero-argument step function
    flops: Optional[float] = None              # per step, where well defined; or a function
                                               # giving it, called when the workload is measured
    unit: str = "ms"                           # "ms" per step, or "us/op" with `per`
    per: int = 1                               # steps reported per call (ops in a chain)
    target: Optional[float] = None             # the ratio target vs PyTorch
    rss_steps: int = 0                         # peak RSS over this many steps, each framework
                                               # in a fresh process (benchmarks/rss.py); 0: none


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def set_threads(n):
    """Same thread count for everyone: BLAS threads (threadpoolctl) and torch's."""
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(n)
    except ImportError:
        pass
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(n)


def blas_kernel():
    """NumPy's BLAS and the kernel it runs (OpenBLAS's OPENBLAS_CORETYPE pins it): from
    threadpoolctl where installed (the bench extra), else from NumPy's build configuration."""
    try:
        from threadpoolctl import threadpool_info
        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        found = ", ".join(f"{i.get('internal_api')} {i.get('version') or ''} "
                          f"{i.get('architecture') or ''}".strip() for i in blas)
        if found:
            return found
    except ImportError:
        pass
    info = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    core = os.environ.get("OPENBLAS_CORETYPE")
    kernel = (f"kernel pinned by OPENBLAS_CORETYPE={core}" if core else
              "kernel chosen at run time; threadpoolctl would name it")
    return f"{info.get('name', '?')} {info.get('version', '')} ({kernel})".replace("  ", " ")


def _warm(fn, warmup, limit=2.0):
    """Run fn at least `warmup` times, then until two calls in a row agree within 10% (caches,
    kernels and the CPU's clock settle; a cold GEMM can take 4x as long), for at most `limit`
    seconds."""
    start, last = time.perf_counter(), None
    for k in range(10_000):
        t = time.perf_counter()
        fn()
        t = time.perf_counter() - t
        if k >= warmup and last is not None and abs(t - last) <= 0.1 * last:
            return
        if time.perf_counter() - start > limit:
            return
        last = t


def _batch(fn, target):
    """Calls per timed sample so that one sample lasts about `target` seconds."""
    t = time.perf_counter()
    fn()
    t = time.perf_counter() - t
    return max(1, int(target / t)) if t > 0 else 1000


def measure(w, rounds=7, target=0.1, warmup=2, settle=0.1):
    """Median, min and max seconds per step of each available implementation of `w`.

    The implementations take turns, one timed sample each per round. Before its sample, an
    implementation waits `settle` seconds and makes one untimed call: after a GEMM, OpenBLAS's
    worker threads spin for tens of milliseconds, and a framework timed in that window ran on
    one core (W12's torch step: 38 ms alone, 120 ms right after tapegrad's; tapegrad's 40 and
    49 ms). So each sample is the steady state a program running only that framework sees."""
    fns = {}
    for impl, setup in w.setups.items():
        if setup is None:
            continue
        fn = setup()
        if fn is None:                          # e.g. torch not installed
            continue
        _warm(fn, warmup)
        fns[impl] = (fn, _batch(fn, target))
    samples = {impl: [] for impl in fns}
    for _ in range(rounds):
        for impl, (fn, n) in fns.items():
            time.sleep(settle)
            fn()
            t = time.perf_counter()
            for _ in range(n):
                fn()
            samples[impl].append((time.perf_counter() - t) / (n * w.per))
    result = {"key": w.key, "title": w.title, "unit": w.unit, "target": w.target}
    for impl in IMPLS:
        s = samples.get(impl)
        result[impl] = None if not s else {
            "median": statistics.median(s), "min": min(s), "max": max(s), "repeats": len(s)}
    tg, pt = result["tapegrad"], result["torch"]
    result["ratio"] = tg["median"] / pt["median"] if tg and pt else None
    flops = w.flops() if callable(w.flops) else w.flops
    result["gflops"] = (flops / tg["median"] / 1e9) if (flops and tg) else None
    return result


def _fmt(r, impl):
    s = r[impl]
    if s is None:
        return "-"
    scale = 1e6 if r["unit"] == "us/op" else 1e3
    return f"{s['median'] * scale:.3g} ({s['min'] * scale:.3g}-{s['max'] * scale:.3g})"


def add_peak_fractions(results, machine_key="W9"):
    """With the machine's GEMM limit measured in the same run, give each workload with a FLOP
    count its achieved fraction of that peak (NumPy's GEMM GFLOP/s). A workload faster than
    the peak means the peak was measured low (a cold or busy machine): no shares are given,
    and `peak_inconsistent` marks the workloads above it."""
    limit = next((r for r in results if r["key"] == machine_key and r["numpy"]), None)
    # W9's tapegrad and NumPy columns run the same GEMM: the faster of the two is the peak
    fastest = limit and min(limit["numpy"]["median"], limit["tapegrad"]["median"])
    peak = limit and limit["gflops"] and limit["gflops"] * limit["tapegrad"]["median"] / fastest
    fractions = [r["gflops"] / peak if peak and r["gflops"] else None for r in results]
    consistent = all(f is None or f <= 1.0 for f in fractions)
    for r, f in zip(results, fractions):
        r["peak_fraction"] = f if consistent else None
        r["peak_inconsistent"] = f is not None and f > 1.0
    return results


def _target(r):
    """The target, marked where the ratio to PyTorch missed it."""
    if not r["target"]:
        return ""
    return f"<= {r['target']}" + (" MISSED" if r["ratio"] and r["ratio"] > r["target"] else "")


def table(results):
    """A plain-text table of `measure` results."""
    head = ["workload", "unit", "tapegrad med (min-max)", "torch", "numpy", "x torch", "target",
            "GFLOP/s", "of peak"]
    rows = [head]
    for r in results:
        rows.append([f"{r['key']} {r['title']}", r["unit"], _fmt(r, "tapegrad"), _fmt(r, "torch"),
                     _fmt(r, "numpy"),
                     f"{r['ratio']:.2f}" if r["ratio"] else "n/a (no torch)" if not r["torch"]
                     else "-",
                     _target(r),
                     f"{r['gflops']:.1f}" if r["gflops"] else "",
                     f"{100 * r['peak_fraction']:.0f}%" if r.get("peak_fraction") else
                     "above W9's peak?" if r.get("peak_inconsistent") else ""])
    return columns(rows)


def columns(rows):
    """Rows of strings, the first the header, as left-aligned plain-text columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
