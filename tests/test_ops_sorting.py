"""sort, argsort, topk and median: gradient rows (through gather), PyTorch parity of values,
indices and gradients (ties, NaN, descending), and bad input."""
import numpy as np
import pytest

import autograd as ag
import ops
from gradrows import Row, check, distinct, torch_parity

X = [(3, 5)]
GRAD_ROWS = [
    Row("gather", lambda x: ops.sort(x, 1, descending=True).values, X, domain=distinct,
        id="sort"),
    Row("gather", lambda x: ops.topk(x, 2, 0).values * x[:2], X, domain=distinct, id="topk"),
    Row("gather", lambda x: ops.median(x, 1).values, X, domain=distinct, id="median"),
    Row("gather", lambda x: ops.median(x), X, domain=distinct, id="median-all"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


TIES = np.array([[3.0, 1.0, 3.0, np.nan, -2.0, 1.0], [0.5, 0.5, 0.5, -1.0, 2.0, -1.0]])
RANDOM = np.random.default_rng(0).standard_normal((4, 3, 6))


@pytest.mark.parametrize("x", [TIES, RANDOM], ids=["ties-nan", "random"])
@pytest.mark.parametrize("dim,descending", [(-1, False), (-1, True), (0, True)])
def test_sort_and_argsort_match_torch(x, dim, descending):
    torch_parity(lambda t: t.sort(dim, descending, stable=True),
                 lambda t: t.sort(dim=dim, descending=descending, stable=True), x)
    torch_parity(lambda t: t.argsort(dim, descending, stable=True),
                 lambda t: t.argsort(dim=dim, descending=descending, stable=True), x)


@pytest.mark.parametrize("k,dim,largest", [(3, -1, True), (2, 1, False), (4, 0, True)])
def test_topk_matches_torch(k, dim, largest):
    torch_parity(lambda t: t.topk(k, dim, largest), lambda t: t.topk(k, dim, largest), RANDOM)


@pytest.mark.parametrize("dim,keepdim", [(None, False), (-1, False), (0, True)])
def test_median_matches_torch(dim, keepdim):
    args = () if dim is None else (dim, keepdim)
    torch_parity(lambda t: t.median(*args), lambda t: t.median(*args), RANDOM)


def test_bad_input_names_the_op():
    x = ag.tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match=r"^topk: k \(4\) is out of range for dimension 1 of "
                                         r"size 3 \(input \(2, 3\)\)"):
        x.topk(4)
    with pytest.raises(IndexError, match="^sort: dimension 2 out of range|^argsort: dimension 2"):
        x.sort(2)
    with pytest.raises(ValueError, match="^median: the input is empty"):
        ag.tensor(np.ones(0)).median()
