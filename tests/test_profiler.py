"""autograd.profile: exact counts on a known graph, times that add up to the wall time."""
import json
import numpy as np
import pytest

import autograd as ag
import autograd.engine as engine


def test_counts_are_exact_on_a_known_graph():
    x = ag.tensor(np.ones((4, 4)), requires_grad=True)
    with ag.profile() as prof:
        for _ in range(3):
            y = (x * 2 + 1).tanh().sum()      # mul, add, tanh, sum: one call and one VJP each
            ag.grad(y, [x])
    rows = {r["op"]: r for r in prof.rows()}
    assert set(rows) == {"mul", "add", "tanh", "sum"}
    for op in ("mul", "add", "tanh", "sum"):
        assert rows[op]["calls"] == 3 and rows[op]["vjp_calls"] == 3
    assert engine._hooks == ()


def _unaccounted_fraction():
    x = ag.tensor(np.random.default_rng(0).random((128, 128)) / 128, requires_grad=True)
    with ag.profile() as prof:
        for _ in range(10):
            h = x
            for _ in range(10):
                h = (h @ x).tanh() * 0.5
            h.sum().backward()
    s = prof.summary()
    assert s["other_s"] >= -1e-3
    accounted = s["ops_s"] + s["engine_forward_s"] + s["engine_backward_s"]
    return abs(accounted - s["wall_s"]) / s["wall_s"]


def test_times_add_up_to_wall_time():
    # a busy machine can preempt the loop between ops; the best of three runs is the fair one
    assert min(_unaccounted_fraction() for _ in range(3)) <= 0.1


def test_table_and_json():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.profile() as prof:
        (x.exp() * x).sum().backward()
    text = prof.table(sort_by="calls", top=2)
    assert text.splitlines()[0].split()[:2] == ["op", "calls"] and "engine, backward" in text
    assert len([ln for ln in text.splitlines() if ln.split()[0] in ("exp", "mul", "sum")]) == 2
    data = json.loads(prof.to_json())
    assert {r["op"] for r in data["ops"]} == {"exp", "mul", "sum"} and data["wall_s"] > 0
    with pytest.raises(ValueError, match="sort_by"):
        prof.table(sort_by="name")


def test_profiles_do_not_nest_and_are_off_by_default():
    assert engine._hooks == ()
    with ag.profile():
        with pytest.raises(RuntimeError, match="already active"):
            with ag.profile():
                pass
    assert engine._hooks == ()
