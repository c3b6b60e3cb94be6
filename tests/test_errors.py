"""Bad input: each misuse raises an exception naming the op and the shapes at fault."""
import numpy as np
import pytest

import autograd as ag
import ops
from gradrows import Row, check


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_binary_shape_mismatch(op):
    a = ag.tensor(np.ones((2, 3)), requires_grad=True)
    b = ag.tensor(np.ones(4))
    with pytest.raises(ValueError, match=rf"^{op}: .*shapes \(2,3\) \(4,\)"):
        getattr(ops, op)(a, b)


def test_matmul_inner_dimension_mismatch():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be "
                                         r"multiplied \(3 != 4\)"):
        ag.tensor(np.ones((2, 3))) @ ag.tensor(np.ones((4, 5)))


def test_static_setting_cannot_be_differentiated():
    x = ag.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match=r"clamp: argument of shape \(3,\) is a static setting"):
        ops.clamp(x, x)


def test_gradcheck_reports_input_and_index():
    @ag.primitive
    def wrong_square(x):
        return x * x, (lambda g, y, x: g * x,)      # should be 2 g x

    with pytest.raises(ag.GradcheckError, match=r"input 0 \(shape \(2,\)\) at index \(0,\): "
                                                r"analytic .*, numeric"):
        ag.gradcheck(wrong_square, np.array([1.0, 2.0]))
    del ag.PRIMITIVES["wrong_square"]


def test_gradcheck_warns_on_float32_inputs():
    with pytest.warns(UserWarning, match="not float64"):
        ag.gradcheck(lambda x: x * 2, np.ones(2, np.float32), atol=1e-2, rtol=1e-2)


def test_gradcheck_full_mode_and_rows():
    assert ag.gradcheck(lambda x: x.tanh(), np.ones(3), mode="full")
    check(Row("tanh", lambda x: x.tanh().sum(), [(2,)]))
    with pytest.raises(ValueError, match="mode"):
        ag.gradcheck(lambda x: x, np.ones(1), mode="fast")
