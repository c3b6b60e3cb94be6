"""`make_dot(output, params=None, show_saved=False)`: the graph recorded behind a Tensor, as
Graphviz DOT text (torchviz's shape), with no dependency.

One box per recorded node (the op's name and its output's shape), one per leaf that requires
grad (light blue: its name in `params`, else its shape), and the output (green); edges run from
each input to the op that consumed it, so the output is at the bottom. With show_saved, the
values a node keeps for its backward pass (see `save=` in docs/adding-an-op.md) hang off it in
orange. A backward without retain_graph frees a graph: its nodes then show no inputs and no
saved values. `.render(name, format)` needs
Graphviz's `dot` (Debian: apt install graphviz).
"""
import os
import shutil
import subprocess

import numpy as np

from . import engine

_STYLE = {"op": "lightgray", "leaf": "lightblue", "output": "darkolivegreen1",
          "saved": "orange"}


def _shape(shape):
    return "(" + ", ".join(map(str, shape)) + ")"


def _quote(text):
    """A DOT string: backslashes and quotes escaped, newlines as DOT's \\n."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + text + '"'


class Dot:
    """A DOT graph: `nodes` [(id, label, kind)], `edges` [(tail id, head id, style)];
    `source` is the DOT text (also str(dot))."""

    def __init__(self, nodes, edges):
        self.nodes, self.edges = nodes, edges

    @property
    def source(self):
        lines = ["digraph {", '    graph [size="12,12"]',
                 '    node [shape=box style=filled fontname=monospace fontsize=10 height=0.2]']
        lines += [f"    {_quote(i)} [label={_quote(label)} fillcolor={_STYLE[kind]}]"
                  for i, label, kind in self.nodes]
        lines += [f"    {_quote(a)} -> {_quote(b)}" + (f" [style={style}]" if style else "")
                  for a, b, style in self.edges]
        return "\n".join(lines + ["}"]) + "\n"

    def __str__(self):
        return self.source

    def render(self, filename, format="svg"):
        """Write the DOT text to `filename` and the picture to `filename.format` with
        Graphviz's dot; returns the picture's path. Raises RuntimeError saying what to install
        when dot is missing."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("render: Graphviz's `dot` program is not on PATH (install the "
                               "Debian/Ubuntu package graphviz, or brew install graphviz); the "
                               "DOT text itself is in .source")
        filename = os.fspath(filename)
        with open(filename, "w") as f:
            f.write(self.source)
        out = f"{filename}.{format}"
        run = subprocess.run([dot, f"-T{format}", filename, "-o", out], capture_output=True,
                             text=True)
        if run.returncode:
            raise RuntimeError(f"render: dot -T{format} failed: {run.stderr.strip()}")
        return out


def make_dot(output, params=None, show_saved=False):
    """The graph that produced `output` (a Tensor, or a sequence of them) as a Dot. `params`
    names leaves ({name: Tensor}, e.g. dict(model.named_parameters())); show_saved adds what
    each node keeps for its backward pass."""
    outputs = [output] if isinstance(output, engine.Tensor) else list(output)
    names = {id(t): name for name, t in (params or {}).items()}
    nodes, edges, seen = [], [], {}

    def visit(x):
        """The DOT id of a node or leaf, added (with everything it needs) on first sight."""
        if id(x) in seen:
            return seen[id(x)]
        stack = [x]
        while stack:
            item = stack[-1]
            pending = [e for e in _inputs(item) if id(e) not in seen]
            if pending:                          # inputs first: no recursion on deep graphs
                stack.extend(pending)
                continue
            stack.pop()
            if id(item) not in seen:
                seen[id(item)] = _add(item, nodes, edges, seen, names, show_saved)
        return seen[id(x)]

    for k, t in enumerate(outputs):
        label = f"output {k}\n{_shape(t.shape)}" if len(outputs) > 1 else _shape(t.shape)
        nodes.append((f"out{k}", label, "output"))
        source = t._node if t._node is not None else t
        if t.requires_grad:
            edges.append((visit(source), f"out{k}", None))
    return Dot(nodes, edges)


def _inputs(item):
    """The nodes and leaves a node's gradient flows to (none once backward freed it)."""
    edges = getattr(item, "edges", None) or ()
    return [e for e in edges if e is not None]


def _add(item, nodes, edges, seen, names, show_saved):
    """Add a node (with edges from its inputs, already added) or a leaf; its DOT id."""
    if not isinstance(item, engine.Node):
        i = f"leaf{len(nodes)}"
        name = names.get(id(item))
        nodes.append((i, f"{name}\n{_shape(item.shape)}" if name else _shape(item.shape), "leaf"))
        return i
    i = f"node{item.seq}"
    nodes.append((i, f"{item.name}\n{_shape(item.shape)}", "op"))
    edges += [(seen[id(e)], i, None) for e in _inputs(item)]
    if show_saved:
        saved = item.saved or []
        held = [(f"input {k}", v) for k, v in enumerate(saved) if v is not None]
        if item.out is not None and item.held is not None:
            held.append(("output", item.out))
        for what, value in held:
            j = f"{i}_saved{len(nodes)}"
            nodes.append((j, f"saved {what}\n{_shape(np.shape(value))}", "saved"))
            edges.append((j, i, "dotted"))
    return i
