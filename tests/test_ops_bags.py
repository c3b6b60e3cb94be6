"""embedding_bag: gradient rows (through the embedding lookup, index_put_add and gather),
PyTorch parity of values and weight gradients over modes, bag layouts, empty bags,
padding_idx and per-sample weights, and bad input."""
import numpy as np
import pytest

import ops
from gradrows import Row, check, distinct, torch_parity

FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9])
GRAD_ROWS = [
    Row("index_put_add", lambda w: ops.embedding_bag(FLAT, w, np.array([0, 3]), mode="mean"),
        [(10, 3)], id="embedding_bag-mean"),
    Row("gather", lambda w: ops.embedding_bag(FLAT.reshape(2, 4), w, mode="max"), [(10, 3)],
        domain=distinct, id="embedding_bag-max"),
]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=str)
def test_gradients(row):
    check(row)


CASES = [
    (FLAT.reshape(2, 4), None, dict(mode="mean")),
    (FLAT.reshape(4, 2), None, dict(mode="max")),
    (FLAT, [0, 4], dict(mode="sum")),
    (FLAT, [0, 0, 4, 4], dict(mode="mean")),                      # empty bags give zeros
    (FLAT, [0, 0, 4, 4], dict(mode="max")),
    (FLAT, [0, 3, 8], dict(mode="max", include_last_offset=True)),
    (np.array([1, 0, 4, 5, 0, 3, 2, 9]), [0, 2, 5], dict(mode="mean", padding_idx=0)),
    (np.array([1, 0, 4, 5, 0, 3, 2, 9]), [0, 2, 5], dict(mode="max", padding_idx=0)),
    (FLAT, [0, 4], dict(mode="sum", per_sample_weights=np.linspace(0.5, 2, 8))),
]


@pytest.mark.parametrize("index,offsets,kw", CASES)
def test_matches_torch(index, offsets, kw):
    torch = pytest.importorskip("torch")
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    w = np.random.default_rng(0).standard_normal((10, 3))
    off = None if offsets is None else np.array(offsets)
    torch_parity(lambda t: ops.embedding_bag(index, t, off, **kw),
                 lambda t: torch.nn.functional.embedding_bag(
                     torch.tensor(index), t, None if off is None else torch.tensor(off), **tkw),
                 w)


@pytest.mark.parametrize("call,message", [
    (lambda w: ops.embedding_bag(FLAT, w), r"embedding_bag: expected a 2-D input, or a 1-D "
                                           r"input with offsets"),
    (lambda w: ops.embedding_bag(FLAT.reshape(2, 4), w, np.array([0])),
     "embedding_bag: offsets must be None for a 2-D input"),
    (lambda w: ops.embedding_bag(FLAT, w, np.array([1, 3])),
     r"embedding_bag: offsets must start at 0 and not decrease within the input's length 8, "
     r"got \[1, 3\]"),
    (lambda w: ops.embedding_bag(FLAT, w, np.array([0, 3]), include_last_offset=True),
     "embedding_bag: with include_last_offset, the last offset must be the input's length 8"),
    (lambda w: ops.embedding_bag(FLAT, w, np.array([0]), mode="min"),
     "embedding_bag: mode must be 'sum', 'mean' or 'max', got 'min'"),
    (lambda w: ops.embedding_bag(FLAT, w, np.array([0]), per_sample_weights=np.ones(8)),
     "embedding_bag: per_sample_weights needs mode 'sum', got 'mean'"),
])
def test_bad_input_names_the_op(call, message):
    with pytest.raises(ValueError, match="^" + message):
        call(np.ones((10, 3)))
