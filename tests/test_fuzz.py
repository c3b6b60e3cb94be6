"""Fuzzing: random compositions of ops on random broadcast-compatible shapes, checked against
NumPy (forward) and central differences (first and second order).

The default budget is modest; TAPEGRAD_FUZZ_EXAMPLES=500 python -m pytest tests/test_fuzz.py
runs a longer search. Only smooth ops are drawn, so finite differences are exact enough.
"""
import os

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
import ops

EXAMPLES = int(os.environ.get("TAPEGRAD_FUZZ_EXAMPLES", "20"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None)

# name: (tapegrad, NumPy reference); all smooth on the whole real line
UNARY = {
    "tanh": (ops.tanh, np.tanh),
    "sigmoid": (ops.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "softplus": (ops.softplus, lambda x: np.logaddexp(0, x)),
    "square": (lambda x: x * x, lambda x: x * x),
    "neg": (ops.neg, np.negative),
    "exp_tanh": (lambda x: ops.exp(ops.tanh(x)), lambda x: np.exp(np.tanh(x))),
    "log_cosh_ish": (lambda x: ops.log(1 + x * x), lambda x: np.log(1 + x * x)),
    "sqrt_pos": (lambda x: ops.sqrt(1 + x * x), lambda x: np.sqrt(1 + x * x)),
}
BINARY = {
    "add": (ops.add, np.add),
    "sub": (ops.sub, np.subtract),
    "mul": (ops.mul, np.multiply),
    "div_pos": (lambda a, b: a / (1 + b * b), lambda a, b: a / (1 + b * b)),
    "pow_pos": (lambda a, b: (1 + a * a) ** ops.tanh(b), lambda a, b: (1 + a * a) ** np.tanh(b)),
}
FINAL = {
    "sum": (lambda x, d: ops.sum(x, d), lambda x, d: np.sum(x, d)),
    "mean": (lambda x, d: ops.mean(x, d), lambda x, d: np.mean(x, d)),
    "logsumexp": (lambda x, d: ops.logsumexp(x, d),
                  lambda x, d: np.log(np.sum(np.exp(x), d))),
    "none": (lambda x, d: x, lambda x, d: x),
}


@st.composite
def programs(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3,
                                                    max_side=3)).input_shapes
    arrays = [draw(hnp.arrays(np.float64, s, elements=st.floats(-2, 2, width=32)))
              for s in shapes]
    steps = draw(st.lists(st.one_of(st.tuples(st.just("u"), st.sampled_from(sorted(UNARY))),
                                    st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)),
                                              st.integers(0, 1), st.booleans())),
                          min_size=1, max_size=4))
    final = draw(st.sampled_from(sorted(FINAL)))
    out_ndim = len(np.broadcast_shapes(*shapes))
    dim = draw(st.integers(-out_ndim, out_ndim - 1))
    return arrays, steps, final, dim


def run(program, lib):
    """Evaluate the program with tapegrad (lib=0) or NumPy (lib=1)."""
    _, steps, final, dim = program

    def fn(*xs):
        h = xs[0] + xs[1]
        for step in steps:
            if step[0] == "u":
                h = UNARY[step[1]][lib](h)
            else:
                _, name, k, left = step
                f = BINARY[name][lib]
                h = f(h, xs[k]) if left else f(xs[k], h)
        return FINAL[final][lib](h, dim)
    return fn


@FUZZ
@given(programs())
def test_forward_matches_numpy(program):
    arrays = program[0]
    got = run(program, 0)(*[ag.tensor(a) for a in arrays])
    np.testing.assert_allclose(got.data, run(program, 1)(*arrays), rtol=1e-10, atol=1e-12)


@FUZZ
@given(programs())
def test_first_and_second_order_gradients(program):
    fn = run(program, 0)
    assert ag.gradcheck(fn, *program[0])
    assert ag.gradgradcheck(fn, *program[0])
