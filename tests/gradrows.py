"""The gradient table: one Row per primitive, checked by gradcheck and gradgradcheck in float64.

A test module lists its rows in a module-level GRAD_ROWS; test_coverage.py fails when a
registered primitive appears in no row of any module. Also the helpers the test modules share.
"""
import dataclasses
from typing import Callable, Optional

import numpy as np
import pytest

import autograd as ag


@dataclasses.dataclass
class Row:
    op: str                          # the primitive this row covers (its PRIMITIVES name)
    fn: Callable                     # takes Tensors, returns a Tensor (or a tuple of them)
    shapes: tuple                    # shapes of the random float64 inputs
    domain: Optional[Callable] = None  # maps the list of random arrays into the op's domain
    id: str = ""
    double: bool = True              # also run gradgradcheck
    atol: float = 1e-5
    rtol: float = 1e-3

    def inputs(self, seed=0):
        rng = np.random.default_rng(seed)
        xs = [rng.standard_normal(s) for s in self.shapes]
        return self.domain(xs) if self.domain else xs

    def __str__(self):
        return f"{self.op}-{self.id}" if self.id else self.op


def check(row):
    """gradcheck, then gradgradcheck, of one row."""
    xs = row.inputs()
    ag.gradcheck(row.fn, *xs, atol=row.atol, rtol=row.rtol)
    if row.double:
        ag.gradgradcheck(row.fn, *xs, atol=row.atol, rtol=row.rtol)


def positive(xs):
    """Inputs in [0.5, 2.5): for log, sqrt, pow bases and divisors."""
    return [np.abs(x) % 2 + 0.5 for x in xs]


def away_from_zero(xs):
    """Inputs with |x| >= 0.1: no kink of abs, relu, sign within the finite-difference step."""
    return [np.where(np.abs(x) < 0.1, x + np.sign(x + 1e-12) * 0.2, x) for x in xs]


def distinct(xs):
    """Inputs with no two values within 0.01 of each other: no ties for max, min, sort."""
    out, offset = [], 0.0
    for x in xs:
        perm = np.random.default_rng(len(out)).permutation(x.size)
        out.append((perm.reshape(x.shape) * 0.05 + offset - x.size * 0.025).astype(np.float64))
        offset += 0.013
    return out


def raises_starting_with(call, message):
    """call() raises ValueError or TypeError whose message starts with `message` (which names
    the op and the shapes at fault)."""
    with pytest.raises((ValueError, TypeError)) as e:
        call()
    assert str(e.value).startswith(message)


def backward_both(torch, ours, theirs, rng):
    """Backpropagate the same random weighting of each pair of outputs (ours, PyTorch's)."""
    loss_m = loss_t = 0
    for m, t in zip(ours, theirs):
        u = rng.standard_normal(t.shape)
        loss_m = loss_m + (m * ag.tensor(u)).sum()
        loss_t = loss_t + (t * torch.tensor(u)).sum()
    loss_m.backward()
    loss_t.backward()


def _outputs(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def torch_parity(ours, theirs, *arrays):
    """`ours` on Tensors and `theirs` on torch tensors agree in their outputs and in the
    gradients of a random weighting of their floating outputs. Skips without torch."""
    torch = pytest.importorskip("torch")
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ys, zs = _outputs(ours(*xs)), _outputs(theirs(*ts))
    assert len(ys) == len(zs)
    rng = np.random.default_rng(0)
    ours_loss = theirs_loss = 0
    for y, z in zip(ys, zs):
        np.testing.assert_allclose(y.data, z.detach().numpy(), rtol=1e-10, atol=1e-12)
        if z.dtype.is_floating_point:
            w = rng.standard_normal(y.shape)
            ours_loss = ours_loss + (y * w).sum()
            theirs_loss = theirs_loss + (z * torch.tensor(w)).sum()
    if isinstance(ours_loss, int):                  # integer outputs only: nothing to differentiate
        return
    ours_loss.backward()
    theirs_loss.backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
