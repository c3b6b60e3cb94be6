"""autograd.viz.make_dot: the DOT text of known graphs, parsed back (nodes, edges, labels), the
saved values on request, deep graphs without recursion, and rendering with or without dot."""
import re
import shutil

import numpy as np
import pytest

import autograd as ag
from autograd.viz import make_dot


def parse(source):
    """{id: (label, fillcolor)} and [(tail, head, attributes)] of a DOT text."""
    nodes = {i: (label.replace("\\n", "\n"), color) for i, label, color in
             re.findall(r'^    "([^"]+)" \[label="((?:[^"\\]|\\.)*)" fillcolor=(\w+)\]$',
                        source, re.M)}
    edges = re.findall(r'^    "([^"]+)" -> "([^"]+)"(.*)$', source, re.M)
    assert source.startswith("digraph {") and source.rstrip().endswith("}")
    return nodes, edges


def small_graph():
    a = ag.tensor(np.ones((2, 3)), requires_grad=True)
    b = ag.tensor(np.ones((2, 3)), requires_grad=True)
    x = ag.tensor(np.ones((2, 3)))                       # no grad: not drawn
    return (a * b + x).tanh().sum(), {"a": a, "b": b}


def test_dot_text_of_a_known_graph():
    y, params = small_graph()
    nodes, edges = parse(make_dot(y, params).source)
    labels = sorted(label for label, _ in nodes.values())
    assert labels == ["()", "a\n(2, 3)", "add\n(2, 3)", "b\n(2, 3)", "mul\n(2, 3)", "sum\n()",
                      "tanh\n(2, 3)"]
    by_label = {label.split("\n")[0]: i for i, (label, _) in nodes.items()}
    assert sorted((a, b) for a, b, _ in edges) == sorted(
        (by_label[a], by_label[b]) for a, b in [("a", "mul"), ("b", "mul"), ("mul", "add"),
                                                ("add", "tanh"), ("tanh", "sum"),
                                                ("sum", "()")])
    assert {nodes[by_label["a"]][1], nodes[by_label["()"]][1]} == {"lightblue",
                                                                   "darkolivegreen1"}


def test_saved_values_are_shown_until_backward_frees_them():
    y, params = small_graph()
    nodes, edges = parse(make_dot(y, params, show_saved=True).source)
    saved = sorted(label for label, color in nodes.values() if color == "orange")
    assert saved == ["saved input 0\n(2, 3)", "saved input 1\n(2, 3)",   # mul: a, b
                     "saved output\n(2, 3)"]                              # tanh: y
    assert sum(attrs == " [style=dotted]" for _, _, attrs in edges) == 3
    y.backward()
    nodes, _ = parse(make_dot(y, params, show_saved=True).source)
    assert not [label for label, color in nodes.values() if color == "orange"]


def test_unnamed_leaves_show_their_shape_and_deep_graphs_draw():
    x = ag.tensor(np.ones(3), requires_grad=True)
    y = x
    for _ in range(20000):                               # deeper than Python's recursion
        y = y * 1.0
    nodes, edges = parse(make_dot(y).source)
    assert len(nodes) == 20002 and len(edges) == 20001
    assert ("(3)", "lightblue") in nodes.values()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_render_with_dot(tmp_path):
    y, params = small_graph()
    out = make_dot(y, params).render(tmp_path / "graph", format="svg")
    assert out == str(tmp_path / "graph.svg")
    assert "<svg" in open(out).read() and "mul" in open(out).read()


def test_render_without_dot_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    y, _ = small_graph()
    with pytest.raises(RuntimeError, match="graphviz"):
        make_dot(y).render(tmp_path / "graph")


def test_reachable_from_the_package_as_in_torch():
    assert ag.viz.make_dot is make_dot
    assert callable(ag.onnx.export)
    with pytest.raises(AttributeError, match="no attribute 'vizz'"):
        ag.vizz
