"""Timing side by side: every implementation of a workload is timed in the same rounds,
alternating, so that the ratios compare like with like on a noisy machine."""
import dataclasses
import statistics
import time
from typing import Optional

IMPLS = ("tapegrad", "torch", "numpy")


@dataclasses.dataclass
class Workload:
    key: str                                   # "W1", "W4f", ...: what --only selects
    title: str
    setups: dict                               # impl name -> () -> zero-argument step function
    flops: Optional[float] = None              # per step, where well defined
    unit: str = "ms"                           # "ms" per step, or "us/op" with `per`
    per: int = 1                               # steps reported per call (ops in a chain)
    target: Optional[float] = None             # the ratio target vs PyTorch


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
    """NumPy's BLAS and the kernel it runs (OpenBLAS's OPENBLAS_CORETYPE pins it), if known."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (install threadpoolctl)"
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(f"{i.get('internal_api')} {i.get('architecture', '')}".strip()
                     for i in blas) or "unknown"


def _batch(fn, target):
    """Calls per timed sample so that one sample lasts about `target` seconds."""
    t = time.perf_counter()
    fn()
    t = time.perf_counter() - t
    return max(1, int(target / t)) if t > 0 else 1000


def measure(w, rounds=7, target=0.1, warmup=2):
    """Median, min and max seconds per step of each available implementation of `w`."""
    fns = {}
    for impl, setup in w.setups.items():
        if setup is None:
            continue
        fn = setup()
        if fn is None:                          # e.g. torch not installed
            continue
        for _ in range(warmup):
            fn()
        fns[impl] = (fn, _batch(fn, target))
    samples = {impl: [] for impl in fns}
    for _ in range(rounds):
        for impl, (fn, n) in fns.items():
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
    result["gflops"] = (w.flops / tg["median"] / 1e9) if (w.flops and tg) else None
    return result


def _fmt(r, impl):
    s = r[impl]
    if s is None:
        return "-"
    scale = 1e6 if r["unit"] == "us/op" else 1e3
    return f"{s['median'] * scale:.3g} ({s['min'] * scale:.3g}-{s['max'] * scale:.3g})"


def add_peak_fractions(results, machine_key="W9"):
    """With the machine's GEMM limit measured in the same run, give each workload with a FLOP
    count its achieved fraction of that peak (NumPy's GEMM GFLOP/s)."""
    limit = next((r for r in results if r["key"] == machine_key and r["numpy"]), None)
    peak = limit and limit["gflops"] and limit["gflops"] * limit["tapegrad"]["median"] / (
        limit["numpy"]["median"])
    for r in results:
        r["peak_fraction"] = r["gflops"] / peak if peak and r["gflops"] else None
    return results


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
                     f"<= {r['target']}" if r["target"] else "",
                     f"{r['gflops']:.1f}" if r["gflops"] else "",
                     f"{100 * r['peak_fraction']:.0f}%" if r.get("peak_fraction") else ""])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
