"""`python -m benchmarks --compare REF.json`: this run against an earlier `--json` run, workload
by workload: tapegrad's median step then and now (now / then below 1 is faster), and the ratio
tapegrad / PyTorch then and now (which cancels most of a machine's change of speed)."""
import json

from .harness import columns


def load(path):
    """An earlier run's JSON (as `--json` writes it); ValueError naming the file where it is
    missing, not JSON, or has no results list."""
    try:
        with open(path) as f:
            ref = json.load(f)
    except (OSError, ValueError) as e:                # missing, unreadable, not JSON
        raise ValueError(f"--compare: cannot read {path}: {e}") from e
    if not isinstance(ref, dict) or not isinstance(ref.get("results"), list):
        raise ValueError(f"--compare: {path} is not a `python -m benchmarks --json` file "
                         f"(no results list)")
    return ref


def _median(r):
    return r["tapegrad"]["median"] if r and r.get("tapegrad") else None


def _change(new, old):
    return f"{new / old:.2f}" if new and old else "-"


def _value(x, scale=1.0):
    return f"{x * scale:.3g}" if x else "-"


def report(results, ref, setting):
    """A plain-text table of `results` against the earlier run `ref`; `setting` is this run's
    {"blas", "threads", "torch"}, and a line notes where the earlier run's differed."""
    old = {r["key"]: r for r in ref["results"]}
    head = ["workload", "unit", "tapegrad then", "now", "now/then", "x torch then", "now",
            "now/then"]
    rows = [head]
    for r in results:
        o = old.get(r["key"])
        scale = 1e6 if r["unit"] == "us/op" else 1e3
        if o is None:
            rows.append([r["key"], r["unit"], "not in REF", _value(_median(r), scale), "", "",
                         _value(r["ratio"]), ""])
            continue
        rows.append([r["key"], r["unit"], _value(_median(o), scale), _value(_median(r), scale),
                     _change(_median(r), _median(o)), _value(o.get("ratio")),
                     _value(r["ratio"]), _change(r["ratio"], o.get("ratio"))])
    differ = [f"{k} {ref.get(k)!r} then, {v!r} now" for k, v in setting.items()
              if ref.get(k) != v]
    return columns(rows) + ("\nnote: the runs differ in " + "; ".join(differ) if differ else "")
