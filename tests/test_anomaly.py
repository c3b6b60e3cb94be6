"""detect_anomaly: the first NaN/Inf in forward or in a VJP names the op and where it was called."""
import numpy as np
import pytest

import autograd as ag
import autograd.engine as engine


def test_off_by_default_and_restored():
    assert not ag.is_anomaly_enabled() and engine._hooks == ()
    with ag.detect_anomaly():
        assert ag.is_anomaly_enabled()
    assert not ag.is_anomaly_enabled() and engine._hooks == ()


def test_nan_in_forward_names_the_op_and_the_caller():
    x = ag.tensor([1.0, np.nan], requires_grad=True)
    with ag.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"(?s)mul: forward produced NaN values \(output "
                                               r"shape \(2,\)\).*test_anomaly.py"):
            x * 2


def test_nan_in_a_vjp_shows_where_the_forward_op_was_called():
    @ag.primitive(save=())
    def fragile(x):
        return x * 1.0, (lambda g, y, x: g * np.nan,)

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    try:
        with ag.detect_anomaly():
            y = fragile(x)            # the line the error must show
            with pytest.raises(RuntimeError, match=r"(?s)fragile: its VJP returned NaN values "
                                                   r"\(gradient of shape \(2,\)\).*y = fragile\(x\)"):
                y.sum().backward()
    finally:
        del engine.PRIMITIVES["fragile"]


def test_set_detect_anomaly_and_decorator():
    @ag.detect_anomaly()
    def f(x):
        return ag.is_anomaly_enabled()

    assert f(1) and not ag.is_anomaly_enabled()
    ag.set_detect_anomaly(True)
    try:
        assert ag.is_anomaly_enabled()
        x = ag.tensor([1.0], requires_grad=True)
        (x * 2).sum().backward()      # finite: no error
    finally:
        ag.set_detect_anomaly(False)
    assert engine._hooks == ()


def test_works_together_with_the_profiler():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.profile() as prof, ag.detect_anomaly():
        (x.exp() * 2).sum().backward()
    assert {r["op"] for r in prof.rows()} == {"exp", "mul", "sum"}
