"""`with autograd.profile() as prof:` where the time goes, per primitive and in the engine.

Per primitive: calls and seconds in its forward (the NumPy work) and in its VJPs. The engine's
own time is the rest of each op call (unwrapping, recording the node) and of each backward
(walking the tape, accumulating gradients, checks). Ops called inside a VJP count as that VJP's
time. Off by default: when no profile is active, the engine pays one check per op.

`saved_bytes(out)`: the memory the graph behind `out` holds for its backward pass.
"""
import json
from time import perf_counter

import numpy as np

from . import engine


class profile:
    def __init__(self):
        self.ops = {}                 # name -> [calls, forward s, vjp calls, vjp s]
        self.engine_forward = 0.0
        self.engine_backward = 0.0
        self.wall = 0.0
        self._nested = 0              # > 0 while a VJP runs: its op calls are its own time
        self._vjp_time = 0.0          # VJP seconds in the backward now running

    def __enter__(self):
        if any(isinstance(h, profile) for h in engine._hooks):
            raise RuntimeError("profile: a profile is already active")
        engine.add_hook(self)
        self._start = perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = perf_counter() - self._start
        engine.remove_hook(self)

    def _stat(self, name):
        s = self.ops.get(name)
        if s is None:
            s = self.ops[name] = [0, 0.0, 0, 0.0]
        return s

    # ---- the engine's hook interface ------------------------------------------------------
    def forward(self, name, fwd_seconds, op_seconds, out, call):
        """An op call took `op_seconds`, of which its forward function `fwd_seconds`."""
        if self._nested:
            return
        s = self._stat(name)
        s[0] += 1
        s[1] += fwd_seconds
        self.engine_forward += op_seconds - fwd_seconds

    def before_vjp(self):
        self._nested += 1

    def after_vjp(self, node, seconds):
        self._nested -= 1
        s = self._stat(node.name)
        s[2] += 1
        s[3] += seconds
        self._vjp_time += seconds

    def check_vjp(self, node, gx):
        pass

    def backward(self, seconds):
        """A backward pass took `seconds` in all."""
        if not self._nested:
            self.engine_backward += seconds - self._vjp_time
            self._vjp_time = 0.0

    def rows(self):
        """One dict per primitive: op, calls, forward_s, vjp_calls, vjp_s, total_s."""
        return [{"op": name, "calls": c, "forward_s": f, "vjp_calls": vc, "vjp_s": v,
                 "total_s": f + v} for name, (c, f, vc, v) in self.ops.items()]

    def summary(self):
        ops_s = sum(r["total_s"] for r in self.rows())
        engine_s = self.engine_forward + self.engine_backward
        return {"wall_s": self.wall, "ops_s": ops_s, "engine_forward_s": self.engine_forward,
                "engine_backward_s": self.engine_backward,
                "other_s": self.wall - ops_s - engine_s}

    def table(self, sort_by="total", top=20):
        """The profile as text, `top` rows sorted by "total", "forward", "vjp" or "calls"."""
        key = {"total": "total_s", "forward": "forward_s", "vjp": "vjp_s", "calls": "calls"}
        if sort_by not in key:
            raise ValueError(f"profile.table: sort_by must be one of {sorted(key)}, "
                             f"got {sort_by!r}")
        rows = sorted(self.rows(), key=lambda r: r[key[sort_by]], reverse=True)[:top]
        wall = self.wall or 1e-12
        lines = [f"{'op':<18}{'calls':>8}{'forward ms':>12}{'vjp calls':>11}{'vjp ms':>10}"
                 f"{'total ms':>10}{'% wall':>8}"]
        for r in rows:
            lines.append(f"{r['op']:<18}{r['calls']:>8}{r['forward_s'] * 1e3:>12.3f}"
                         f"{r['vjp_calls']:>11}{r['vjp_s'] * 1e3:>10.3f}"
                         f"{r['total_s'] * 1e3:>10.3f}{100 * r['total_s'] / wall:>7.1f}%")
        s = self.summary()
        for label, k in (("engine, forward", "engine_forward_s"),
                         ("engine, backward", "engine_backward_s"),
                         ("other (your code)", "other_s"), ("wall", "wall_s")):
            lines.append(f"{label:<59}{s[k] * 1e3:>10.3f}{100 * s[k] / wall:>7.1f}%")
        return "\n".join(lines)

    def to_json(self):
        return json.dumps({"ops": self.rows(), **self.summary()}, indent=1)


def saved_bytes(*outputs):
    """Bytes of the distinct arrays that the graph behind `outputs` keeps for its backward
    pass: the values its nodes saved and the arrays their VJPs captured from the forward (a
    view counts as the whole array it views, once). Leaves' own data is counted only where a
    node saved it, as PyTorch's saved-tensor hooks see it."""
    arrays, seen = {}, {}               # seen: id -> the object, kept so ids are not reused

    def collect(v):
        if isinstance(v, np.ndarray):
            root = v if v.base is None or not isinstance(v.base, np.ndarray) else v.base
            arrays[id(root)] = root.nbytes
        elif id(v) in seen:
            return
        elif hasattr(v, "_node") and hasattr(v, "_data"):     # a Tensor
            collect(v._data)
        elif isinstance(v, (tuple, list)):
            seen[id(v)] = v
            for item in v:
                collect(item)
        elif isinstance(v, dict):
            seen[id(v)] = v
            for item in v.values():
                collect(item)
        elif callable(v) and getattr(v, "__closure__", None):
            seen[id(v)] = v
            for cell in v.__closure__:
                try:
                    collect(cell.cell_contents)
                except ValueError:                  # an empty cell
                    pass

    stack = [t._node for t in outputs if t._node is not None]
    nodes = set()
    while stack:
        node = stack.pop()
        if node in nodes or node.held is None:
            continue
        nodes.add(node)
        collect(node.out)
        collect(node.saved)
        collect(node.vjps)
        stack.extend(e for e in node.edges if isinstance(e, engine.Node))
    return sum(arrays.values())
