"""Run the benchmark suite: `python -m benchmarks [--only W1,W2] [--quick] [--json F]`."""
import argparse
import json
import os
import platform
import sys

from . import WORKLOADS
from .harness import measure, set_threads, table, torch_or_none


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--only", help="comma-separated workload keys, e.g. W1,W2")
    p.add_argument("--quick", action="store_true", help="few short repeats: a smoke test")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="BLAS and torch threads (default: all cores)")
    args = p.parse_args(argv)

    keys = None if not args.only else {k.strip().upper() for k in args.only.split(",")}
    chosen = [w for w in WORKLOADS if keys is None or w.key.upper() in keys
              or w.key.rstrip("abcdefghijklmnopqrstuvwxyz").upper() in keys]
    if keys and not chosen:
        p.error(f"no workload matches {args.only}; known: {', '.join(w.key for w in WORKLOADS)}")
    set_threads(args.threads)
    torch = torch_or_none()
    print(f"python {platform.python_version()}, {args.threads} threads, "
          f"torch {torch.__version__ if torch else 'not installed: its columns stay empty'}",
          flush=True)
    rounds, target = (3, 0.02) if args.quick else (9, 0.2)
    results = []
    for w in chosen:
        print(f"  running {w.key} {w.title} ...", file=sys.stderr, flush=True)
        results.append(measure(w, rounds=rounds, target=target))
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": args.threads, "torch": torch.__version__ if torch else None,
                       "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
