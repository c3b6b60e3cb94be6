"""Run the benchmark suite: tapegrad side by side with PyTorch (CPU, when importable) and
hand-written NumPy, with the ratio tapegrad / PyTorch of the median step times."""
import argparse
import json
import os
import platform
import sys

from . import WORKLOADS, compare
from .harness import (add_peak_fractions, blas_kernel, measure, set_threads, table,
                      torch_or_none)
from .rss import peak_rss, table as rss_table


def _select(only, parser):
    """(the workloads `only` names, whether it names D: the data-parallel figures)."""
    if not only:
        return list(WORKLOADS), True
    keys = {k.strip().upper() for k in only.split(",")}
    # "W4" selects W4 and its lettered variants (W4f, W4c), not W40
    chosen = [w for w in WORKLOADS if w.key.upper() in keys
              or w.key.upper().rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") in keys]
    if not chosen and "D" not in keys:
        parser.error(f"no workload matches {only!r}; known: "
                     f"{', '.join(w.key for w in WORKLOADS)}, D (data-parallel, over MPI)")
    return chosen, "D" in keys


def _with_peak(chosen):
    """`chosen`, with W9 (the GEMM peak) in front where some workload counts FLOPs and W9 is not
    already there: the share-of-peak column needs the peak measured in the same run."""
    if any(w.key == "W9" for w in chosen) or not any(w.flops for w in chosen):
        return chosen
    return [w for w in WORKLOADS if w.key == "W9"] + chosen


def _progress(items):
    try:
        from tqdm import tqdm
    except ImportError:
        return items
    return tqdm(items, file=sys.stderr, unit="workload", leave=False)


def _profile(workloads, steps):
    import autograd as ag
    for w in workloads:
        step = w.setups["tapegrad"]()
        step()                                   # warm-up: caches, numba compilation
        with ag.profile() as prof:
            for _ in range(steps):
                step()
        print(f"\nprofile of {w.key} {w.title}, {steps} steps:\n{prof.table()}")


def _plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot needs matplotlib (python -m pip install matplotlib); no chart written",
              file=sys.stderr)
        return
    rs = [r for r in results if r["ratio"]]
    fig, ax = plt.subplots(figsize=(max(4, 0.8 * len(rs) + 2), 3.5))
    ax.bar([r["key"] for r in rs], [r["ratio"] for r in rs], color="tab:blue")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_ylabel("tapegrad time / PyTorch time")
    ax.set_title("lower is better; 1.0 = PyTorch")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"chart written to {path}")


def _data_parallel(wanted, quick, torch):
    """The D1-D4 figures (benchmarks/distributed.py) when wanted and MPI is installed."""
    if not wanted:
        return None
    from . import distributed
    if not distributed.available():
        print("\nD (data-parallel over MPI): skipped, mpi4py or mpiexec missing "
              "(pip install -e \".[distributed]\")")
        return None
    figures = distributed.measure(quick, torch=torch is not None)
    print(f"\ndata-parallel over MPI (mpiexec, 1 thread per rank):\n"
          f"{distributed.report(figures)}")
    return figures


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--only", help="comma-separated workload keys, e.g. W1,W2")
    p.add_argument("--quick", action="store_true", help="few short repeats: a smoke test")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--plot", metavar="PNG", help="bar chart of the ratios (needs matplotlib)")
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="BLAS and torch threads for everyone (default: all cores)")
    p.add_argument("--saved", action="store_true",
                   help="print the bytes each framework's graph keeps for backward, and exit")
    p.add_argument("--profile", metavar="KEYS",
                   help="print where tapegrad's time goes in these workloads instead of timing")
    p.add_argument("--compare", metavar="REF.json",
                   help="also print each workload's change against an earlier --json run")
    args = p.parse_args(argv)
    ref = None
    if args.compare:
        try:
            ref = compare.load(args.compare)
        except ValueError as e:
            p.error(str(e))

    if args.saved:
        from .memory import report
        print(report())
        return 0
    chosen, parallel = _select(args.profile or args.only, p)
    set_threads(args.threads)
    if args.profile:
        _profile(chosen, steps=3 if args.quick else 20)
        return 0
    torch = torch_or_none()
    print(f"python {platform.python_version()}, numpy BLAS {blas_kernel()}, {args.threads} "
          f"threads, torch {torch.__version__ if torch else 'not installed: its columns stay empty'}",
          flush=True)
    rounds, target, settle = (3, 0.02, 0.0) if args.quick else (9, 0.2, 0.1)
    chosen = _with_peak(chosen)
    results = add_peak_fractions([measure(w, rounds=rounds, target=target, settle=settle)
                                  for w in _progress(chosen)])
    for w, r in zip(chosen, results):
        steps = 1 if args.quick else w.rss_steps
        r["rss"] = peak_rss(w, steps, args.threads) if w.rss_steps else None
    if results:
        print(table(results))
    if any(r["peak_inconsistent"] for r in results):
        print("note: a workload ran faster than W9's GEMM, the measured peak, so the machine was "
              "not at full speed during W9 (cold or busy): shares of peak are left out; rerun")
    memory = rss_table(results)
    if memory:
        print(f"\n{memory}")
    setting = {"blas": blas_kernel(), "threads": args.threads,
               "torch": torch.__version__ if torch else None}
    if ref is not None:
        print(f"\nagainst {args.compare}:\n{compare.report(results, ref, setting)}")
    data_parallel = _data_parallel(parallel and not args.profile, args.quick, torch)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"python": platform.python_version(), **setting, "results": results,
                       "data_parallel": data_parallel}, f, indent=1)
    if args.plot:
        _plot(results, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
