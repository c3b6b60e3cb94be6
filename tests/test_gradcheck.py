"""gradcheck: reports that name the input and element, warnings, modes."""
import numpy as np
import pytest

import autograd as ag
from gradrows import Row, check


def test_gradcheck_reports_input_and_index():
    @ag.primitive(save=("x",))
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
