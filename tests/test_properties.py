"""Property tests of the broadcasting binary ops on random broadcast-compatible shapes: the
forward equals NumPy's, and the gradients have the input shapes and match central
differences.

Values lie on a grid of step 1/8, so two inputs either tie exactly (maximum/minimum split the
gradient evenly, which central differences reproduce) or differ by far more than the step.
"""
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
import ops

settings.register_profile("tapegrad", max_examples=25, deadline=None, database=None)
PROFILE = settings.get_profile("tapegrad")

BINARY = {
    "add": (ops.add, np.add, (-2, 2), (-2, 2)),
    "sub": (ops.sub, np.subtract, (-2, 2), (-2, 2)),
    "mul": (ops.mul, np.multiply, (-2, 2), (-2, 2)),
    "div": (ops.div, np.true_divide, (-2, 2), (0.5, 2)),
    "maximum": (ops.maximum, np.maximum, (-1, 1), (-1, 1)),
    "minimum": (ops.minimum, np.minimum, (-1, 1), (-1, 1)),
    "pow": (ops.pow, np.power, (0.5, 2), (-2, 2)),
}


def grid_arrays(shape, bounds, dtype=np.float64):
    lo, hi = bounds
    return hnp.arrays(dtype, shape, elements=st.integers(int(lo * 8), int(hi * 8)).map(
        lambda k: k / 8))


@st.composite
def operands(draw, n, bounds, dtype=np.float64):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=3,
                                                    max_side=3)).input_shapes
    return [draw(grid_arrays(s, b, dtype)) for s, b in zip(shapes, bounds)]


def check_gradients(fn, arrays):
    """Gradients shaped like the inputs, and equal to central differences."""
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*xs)
    y.backward(np.random.default_rng(0).standard_normal(y.shape))
    assert [x.grad.shape for x in xs] == [a.shape for a in arrays]
    assert ag.gradcheck(fn, *arrays)


@PROFILE
@given(st.sampled_from(sorted(BINARY)), st.sampled_from([np.float32, np.float64]), st.data())
def test_binary_forward_matches_numpy(name, dtype, data):
    op, ref, *bounds = BINARY[name]
    a, b = data.draw(operands(2, bounds, dtype))
    y = op(ag.tensor(a), ag.tensor(b))
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, ref(a, b))


@PROFILE
@given(st.sampled_from(sorted(BINARY)), st.data())
def test_binary_gradients(name, data):
    op, _, *bounds = BINARY[name]
    check_gradients(op, data.draw(operands(2, bounds)))


@PROFILE
@given(st.data())
def test_where(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                         max_side=3)).input_shapes
    cond = data.draw(hnp.arrays(np.bool_, shapes[0]))
    a, b = (data.draw(grid_arrays(s, (-2, 2))) for s in shapes[1:])
    np.testing.assert_array_equal(ops.where(cond, ag.tensor(a), ag.tensor(b)).data,
                                  np.where(cond, a, b))
    check_gradients(lambda a, b: ops.where(cond, a, b), [a, b])
