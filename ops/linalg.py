"""Linear algebra: matmul (batched, broadcasting, 1-D promotion as NumPy), dot, outer, einsum."""
import math
import string

import numpy as np

from autograd.extend import primitive, unbroadcast
from . import shape as sh
from .arrange import diagonal


@primitive(save=("a", "b"))
def _matmul(a, b):
    """(..., n, k) @ (..., k, m) -> (..., n, m), batch dims broadcast."""
    try:
        y = np.matmul(a, b)
    except ValueError:
        raise ValueError(f"batch dimensions of shapes {a.shape} and {b.shape} cannot be "
                         "broadcast") from None
    # d(ab) = da b + a db
    return y, (lambda g, y, a, b: unbroadcast(g @ sh.mT(b), a.shape),
                             lambda g, y, a, b: unbroadcast(sh.mT(a) @ g, b.shape))


def matmul(a, b):
    """a @ b as NumPy: a 1-D `a` is a row (k,) -> (1, k), a 1-D `b` a column, and the added
    axis is removed from the result."""
    a_shape, b_shape = np.shape(a), np.shape(b)
    if not a_shape or not b_shape:
        raise ValueError(f"matmul: both operands need at least 1 dim, got shapes {a_shape} "
                         f"and {b_shape}")
    k = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
    if a_shape[-1] != k:
        raise ValueError(f"matmul: shapes {a_shape} and {b_shape} cannot be multiplied "
                         f"({a_shape[-1]} != {k})")
    if len(a_shape) > 1 and len(b_shape) > 1:
        return _matmul(a, b)
    y = _matmul(sh.reshape(a, (1,) + a_shape) if len(a_shape) == 1 else a,     # (k,) -> (1, k)
                sh.reshape(b, b_shape + (1,)) if len(b_shape) == 1 else b)     # (k,) -> (k, 1)
    out = np.broadcast_shapes(a_shape[:-2], b_shape[:-2]) + (
        a_shape[-2:-1] if len(a_shape) > 1 else ()) + (b_shape[-1:] if len(b_shape) > 1 else ())
    return sh.reshape(y, out)


def dot(a, b):
    """Inner product of two 1-D tensors."""
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise ValueError(f"dot: expected two 1-D tensors, got shapes {np.shape(a)} and "
                         f"{np.shape(b)}")
    return matmul(a, b)


def outer(a, b):
    """Outer product of two 1-D tensors: (n,) x (m,) -> (n, m)."""
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise ValueError(f"outer: expected two 1-D tensors, got shapes {np.shape(a)} and "
                         f"{np.shape(b)}")
    return sh.reshape(a, (-1, 1)) * sh.reshape(b, (1, -1))           # (n, 1) * (1, m)


def _parse(subscripts, shapes):
    """'ij,jk->ik' as (['ij', 'jk'], 'ik') for operands of `shapes`. '...' is spelled out in
    letters the subscripts do not use, aligned from the right as NumPy broadcasts it
    ('...ij,jk' for shapes (5, 2, 3), (3, 4) is (['Aij', 'jk'], 'Aik')); the implicit output
    is NumPy's: the ellipsis dims, then the indices used once, sorted."""
    s = subscripts.replace(" ", "")
    ins, arrow, out = s.partition("->")
    ins = ins.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {subscripts!r} names {len(ins)} operands, {len(shapes)} "
                         "given")
    free = []
    if "." in s:
        counts = []
        for k, (sub, shape) in enumerate(zip(ins, shapes)):
            named = len(sub) - 3 if "..." in sub else len(sub)
            if sub.replace("...", "").count(".") or (named > len(shape) and "..." in sub):
                raise ValueError(f"einsum: operand {k} of shape {tuple(shape)} does not match "
                                 f"{sub!r} in {subscripts!r}")
            counts.append(len(shape) - named if "..." in sub else 0)
        free = [c for c in string.ascii_letters if c not in s][:max(counts)]
        ins = [sub.replace("...", "".join(free[len(free) - n:])) for sub, n in zip(ins, counts)]
        out = out.replace("...", "".join(free))
    if not arrow:
        joined = "".join(ins)
        out = "".join(free) + "".join(sorted(c for c in set(joined) - set(free)
                                             if joined.count(c) == 1))
    return ins, out


def _sizes(ins, xs):
    """{index: its size}, checked: an index has one size in every operand, or size 1 there
    (broadcast, as NumPy allows)."""
    sizes = {}
    for k, (sub, x) in enumerate(zip(ins, xs)):
        if len(sub) != np.ndim(x):
            raise ValueError(f"einsum: operand {k} has shape {np.shape(x)} but subscripts "
                             f"{sub!r}")
        for c, n in zip(sub, np.shape(x)):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise ValueError(f"einsum: index {c!r} has size {n} in operand {k} of shape "
                                 f"{np.shape(x)} but size {sizes[c]} in an earlier operand")
            sizes[c] = n if n != 1 else sizes.get(c, 1)
    return sizes


@primitive(save=("xs",))
def _einsum(*xs, subscripts):
    ins, out = _parse(subscripts, [np.shape(x) for x in xs])
    sizes = _sizes(ins, xs)
    # NumPy's BLAS path costs ~10 us to plan; its C loop is faster below ~32k multiply-adds
    optimize = "greedy" if math.prod(sizes.values()) > 1 << 15 else False

    def vjp(k, shape):
        # d/dx_k: contract g with every other operand onto x_k's indices; sum where x_k was
        # broadcast (size 1), and broadcast back along an index only x_k has (summed away)
        others = ins[:k] + ins[k + 1:]
        seen = set(out).union(*others)
        kept = "".join(c for c in ins[k] if c in seen)
        spec = ",".join([out] + others) + "->" + kept
        summed = tuple(n if c in seen else 1 for c, n in zip(ins[k], shape))

        def gk(g, y, *xs):
            r = _einsum(g, *xs[:k], *xs[k + 1:], subscripts=spec)
            if kept != ins[k]:
                r_sizes = iter(r.shape)
                r = sh.reshape(r, tuple(next(r_sizes) if c in seen else 1 for c in ins[k]))
            r = unbroadcast(r, summed)
            return r if r.shape == shape else sh.broadcast_to(r, shape)
        return gk
    y = np.einsum(f"{','.join(ins)}->{out}", *xs, optimize=optimize)
    return y, tuple(vjp(k, np.shape(x)) for k, x in enumerate(xs))


def einsum(subscripts, *operands):
    """np.einsum for explicit or implicit subscripts, with '...' for broadcast dims. An index
    repeated within one operand ('ii->i') takes its diagonal first."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ins, out = _parse(subscripts, [np.shape(x) for x in operands])
    xs = list(operands)
    for k, sub in enumerate(ins):
        for c in sorted(set(c for c in sub if sub.count(c) > 1)):
            while sub.count(c) > 1:     # the diagonal of the first two becomes a last axis
                i = sub.index(c)
                j = sub.index(c, i + 1)
                if np.shape(xs[k])[i] != np.shape(xs[k])[j]:
                    raise ValueError(f"einsum: index {c!r} repeated in operand {k} has sizes "
                                     f"{np.shape(xs[k])[i]} and {np.shape(xs[k])[j]}")
                xs[k] = diagonal(xs[k], 0, i, j)
                sub = sub[:i] + sub[i + 1:j] + sub[j + 1:] + c
        ins[k] = sub
    return _einsum(*xs, subscripts=",".join(ins) + "->" + out)
