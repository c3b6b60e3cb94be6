"""Indexing: gradient rows (repeated indices accumulate), forward against NumPy, bad input,
gather / scatter_add parity with PyTorch."""
import numpy as np
import pytest

import autograd as ag
import ops
from gradrows import Row, check, torch_parity

X = [(4, 3)]
MASK = np.array([True, False, True, True])
I = np.array([[0, 2, 2], [1, 1, 0]])                  # repeats along dim 1
J = np.array([[3, 0, 3], [3, 1, 0]])                  # repeats along dim 0, rows < 4
GRAD_ROWS = [
    Row("getitem", lambda x: x[1, ::2], X, id="int-slice-step"),
    Row("getitem", lambda x: x[::-2, 1:], X, id="negative-step"),
    Row("getitem", lambda x: x[None, ..., 1], X, id="none-ellipsis"),
    Row("getitem", lambda x: x[[0, 0, 3, 0]], X, id="repeated-rows"),
    Row("getitem", lambda x: x[[0, 1, 1, 1], [2, 2, 0, 2]], X, id="repeated-pairs"),
    Row("getitem", lambda x: x[ag.tensor(np.array([[1, 1], [2, 1]]))], X, id="tensor-index"),
    Row("getitem", lambda x: x[:, [2, 0, 2]], X, id="slice-and-array"),
    Row("getitem", lambda x: x[MASK], X, id="bool-mask"),
    Row("getitem", lambda x: x[MASK, 1:], X, id="bool-mask-and-slice"),
    Row("getitem", lambda x: x[x.data > 0], X, id="bool-of-values"),
    Row("getitem", lambda x: x[[]], X, id="empty"),
    Row("index_put_add", lambda g: ops.index_put_add(g, (4, 3), ([0, 0, 2],)), [(3, 3)]),
    Row("index_put_add", lambda g: ops.index_put_add(g, shape=(4, 3), index=(slice(1, 3),)),
        [(2, 3)], id="basic"),
    Row("index_put_add", lambda g: ops.index_put_add(g, (4, 3), (MASK, 1)), [(3,)],
        id="mask"),
    Row("gather", lambda x: ops.gather(x, 1, I), X),
    Row("gather", lambda x: x.gather(0, J), X, id="dim-0"),
    Row("gather", lambda x: ops.gather(x, -2, J[:, :2]), X, id="negative-dim-smaller"),
    Row("scatter_add", lambda x, s: ops.scatter_add(x, 1, I, s), [(4, 3), (2, 3)]),
    Row("scatter_add", lambda x, s: x.scatter_add(0, J, s), [(4, 3), (3, 4)],
        id="dim-0-larger-src"),
    Row("scatter_add", lambda s: ops.scatter_add(np.zeros((4, 3)), -1, I, s), [(2, 3)],
        id="src-only"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


INDICES = [(1, slice(None, None, 2)), (slice(None, None, -2), slice(1, None)), (None, Ellipsis, 1),
           ([0, 0, 3],), ([0, 1, 1], [2, 2, 0]), (slice(None), [2, 0, 2]), (MASK,), (MASK, 1),
           (np.array([[1, 1], [2, 1]]),), (-1,), (Ellipsis,)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index", INDICES, ids=range(len(INDICES)))
def test_getitem_matches_numpy(index, dtype):
    a = np.random.default_rng(0).standard_normal((4, 3)).astype(dtype)
    y = ag.tensor(a, requires_grad=True)[index]
    assert y.dtype == dtype and y.requires_grad
    np.testing.assert_array_equal(y.data, a[index])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gather_scatter_add_index_put_add_match_numpy(dtype):
    rng = np.random.default_rng(1)
    a, src = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    y = ops.gather(ag.tensor(a), 1, I)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, [[a[i, I[i, j]] for j in range(3)] for i in range(2)])
    expected = a.copy()
    for i, j in np.ndindex(J.shape):                  # torch's definition for dim = 0
        expected[J[i, j], j] += src[i, j]
    y = ops.scatter_add(ag.tensor(a), 0, J, ag.tensor(src))
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, expected, rtol=1e-6)
    z = ops.index_put_add(ag.tensor(src[0]), (3, 2), ([0, 2, 0, 0], [1, 1, 1, 0]))
    assert z.dtype == dtype
    np.testing.assert_allclose(z.data, [[src[0, 3], src[0, 0] + src[0, 2]], [0, 0],
                                        [0, src[0, 1]]], rtol=1e-6)


@pytest.mark.parametrize("shape, rows", [((5, 3), [4, 0, 4, 4]), ((5, 2, 2), [[1, 1], [0, 3]]),
                                         ((5,), [2, 2, 0]), ((5, 3), [-1, 0, -1])])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_index_put_add_of_whole_rows_matches_add_at(shape, rows, dtype):
    """Row indices take the numba scatter (negative ones and float16 NumPy's add.at): same
    sums."""
    rows = np.array(rows)
    g = np.random.default_rng(2).standard_normal(rows.shape + shape[1:]).astype(dtype)
    expected = np.zeros(shape, dtype)
    np.add.at(expected, rows, g)
    z = ops.index_put_add(ag.tensor(g), shape, (rows,))
    assert z.dtype == dtype
    np.testing.assert_allclose(z.numpy(), expected, rtol=1e-3 if dtype == np.float16 else 1e-6)


def test_repeated_indices_accumulate_their_gradients():
    x = ag.tensor(np.zeros(4), requires_grad=True)
    (x[[0, 0, 2, 0]] * ag.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [7, 0, 3, 0])
    x.grad = None
    ops.gather(x, 0, np.array([1, 1, 3])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 2, 0, 1])


def test_index_does_not_require_grad_and_data_is_not_aliased_in_gradient():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x[0].sum().backward()
    x[0].sum().backward()                              # accumulation into .grad
    np.testing.assert_array_equal(x.grad.data, [[2, 2, 2], [0, 0, 0]])
    np.testing.assert_array_equal(x.data, np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("call,exc,message", [
    (lambda x: x[np.array([0.5])], IndexError,
     r"getitem: tensors used as indices must be integer or bool, got float64"),
    (lambda x: x[4], IndexError, r"getitem: index 4 is out of bounds for axis 0 with size 4"),
    (lambda x: ops.gather(x, 1, I.astype(float)), IndexError,
     r"gather: index must be an integer tensor, got dtype float64"),
    (lambda x: ops.gather(x, 1, I[0]), IndexError,
     r"gather: index of shape \(3,\) must have as many dims as the input of shape \(4, 3\)"),
    (lambda x: ops.gather(x, 2, I), IndexError,
     r"gather: dimension 2 out of range for a tensor of 2 dims"),
    (lambda x: ops.gather(x, 0, np.zeros((2, 4), int)), IndexError,
     r"gather: index of shape \(2, 4\) is larger than the input of shape \(4, 3\) outside "
     r"dimension 0"),
    (lambda x: ops.gather(x, 1, I + 2), IndexError, r"gather: index 4 is out of bounds"),
    (lambda x: ops.gather(x, 1, I - 1), IndexError,
     r"gather: index -1 is out of bounds for dimension 1 with size 3"),
    (lambda x: ops.scatter_add(x, 0, J, np.ones((1, 3))), IndexError,
     r"scatter_add: index of shape \(2, 3\) is larger than src of shape \(1, 3\)"),
    (lambda x: ops.scatter_add(x, -3, J, np.ones((2, 3))), IndexError,
     r"scatter_add: dimension -3 out of range"),
    (lambda x: ops.scatter_add(x, 0, J > 1, np.ones((2, 3))), IndexError,
     r"scatter_add: index must be an integer tensor, got dtype bool"),
])
def test_bad_input(call, exc, message):
    with pytest.raises(exc, match="^" + message):
        call(ag.tensor(np.ones((4, 3)), requires_grad=True))


@pytest.mark.parametrize("dim,index", [(1, I), (0, J), (-1, I[:, :2]), (0, J[:1])])
def test_gather_matches_torch(dim, index):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal((4, 3))
    torch_parity(lambda x: x.gather(dim, index), lambda x: x.gather(dim, torch.tensor(index)), a)


@pytest.mark.parametrize("dim,index,src_shape",
                         [(1, I, (2, 3)), (0, J, (2, 3)), (-1, I[:, :2], (2, 2))])
def test_scatter_add_matches_torch(dim, index, src_shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a, src = rng.standard_normal((4, 3)), rng.standard_normal(src_shape)
    torch_parity(lambda x, s: x.scatter_add(dim, index, s),
                 lambda x, s: x.scatter_add(dim, torch.tensor(index), s), a, src)
