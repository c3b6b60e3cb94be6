"""Scalar math for numba kernels that LLVM's loop vectorizer turns into SIMD code.

numba's math.exp is a scalar libm call (there is no SVML here), and its max() of two floats is
a compare and select that LLVM vectorizes as a reduction only under no-NaN fast math. These
are written so that a loop over them vectorizes and keeps NumPy's semantics:

- maximum(a, b): LLVM's `llvm.maximum`, which propagates NaN as np.maximum does.
- exp_nonpositive(v): exp(v) for v <= 0 (a max-shifted logit) to within 2 ulp in float32 and
  float64, with subnormal results flushed to 0; nan stays nan. About 3x NumPy's exp in
  float32 and 1.7x in float64, on AVX-512.
- expm1_nonpositive(v): exp(v) - 1 for v <= 0, without the cancellation near 0 (the same
  polynomial, its constant term left out).
- tanh(v) for any v, from expm1_nonpositive: an LSTM cell's activations.

Each is a plain Python function of NumPy scalars (used as is with NUMBA_DISABLE_JIT=1) that
numba compiles through an overload. A kernel that calls them may take `reassoc` fast math for
its own sums: these keep their own flags, so that `reassoc` cannot undo the two-part ln 2 below.
numba keys a kernel's on-disk cache on the kernel's own file only, so a kernel that calls these
is declared with njit_cached below, whose cache entries are also keyed on this file's contents:
after an edit here such a kernel compiles afresh in the next process, with nothing to clear.
"""
import hashlib
import math
from pathlib import Path

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.caching import FunctionCache
from numba.core.dispatcher import Dispatcher
from numba.extending import intrinsic, overload


def maximum(a, b):
    return np.maximum(a, b)


def exp_nonpositive(v):
    y = np.exp(v)
    return y.dtype.type(0) if y < np.finfo(y.dtype).tiny else y


def expm1_nonpositive(v):
    return np.expm1(v)


def tanh(v):
    return np.tanh(v)


@intrinsic
def _llvm_maximum(typingctx, a, b):
    def codegen(context, builder, signature, args):
        t = args[0].type
        name = "llvm.maximum.f64" if t == ir.DoubleType() else "llvm.maximum.f32"
        return builder.call(cgutils.get_or_insert_function(builder.module,
                                                           ir.FunctionType(t, [t, t]), name), args)
    return a(a, b), codegen


@intrinsic
def _as_float(typingctx, bits):
    """The float whose IEEE bits are the int32 (-> float32) or int64 (-> float64) `bits`."""
    out = types.float32 if bits.bitwidth == 32 else types.float64
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(out))
    return out(bits), codegen


@overload(maximum)
def _maximum_numba(a, b):
    if isinstance(a, types.Float) and a == b:
        return lambda a, b: _llvm_maximum(a, b)


# exp(v) = 2^k exp(r) with k = round(v / ln 2) and r = v - k ln 2 in [-ln 2 / 2, ln 2 / 2]:
# ln 2 is split in two (Cody and Waite) so that k ln2_hi is exact, and exp(r) is a polynomial.
# 2^k is built from its exponent bits. float32: Cephes' expf coefficients; float64: Taylor to
# r^12, whose remainder |r|^13 / 13! < 1.7e-16 is under an ulp.
_LOG2E = 1.4426950408889634
_F32 = dict(ln2=(0.693359375, -2.12194440e-4), smallest=-87.33654,
            poly=(1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                  1.6666665459e-1, 5.0000001201e-1, 1.0, 1.0))
_F64 = dict(ln2=(6.93147180369123816490e-01, 1.90821492927058770002e-10), smallest=-708.3964,
            poly=tuple(1 / math.factorial(n) for n in range(12, -1, -1)))


def _exp_kernels(f, itype, bias, mantissa_bits, ln2, smallest, poly):
    """exp_nonpositive and expm1_nonpositive for the float type f, whose IEEE bits read as the
    int type itype. The polynomial ends in r + 1: exp(r) = q r + 1, and at k = 0 (|v| below
    ln 2 / 2) expm1(v) is q r, exact to the last bits where exp(v) - 1 would cancel."""
    log2e, ln2_hi, ln2_lo, lo = f(_LOG2E), f(ln2[0]), f(ln2[1]), f(smallest)
    coef = tuple(f(c) for c in poly[:-1])
    bias, scale, zero, one = f(bias), f(2.0 ** mantissa_bits), f(0), f(1)
    rounder = f(1.5 * 2.0 ** mantissa_bits)      # x + rounder - rounder: x rounded to an integer

    @njit(fastmath={"contract"})
    def reduced(v):
        """(k, q r, 2^k) with v = k ln 2 + r and exp(r) = q r + 1."""
        k = (v * log2e + rounder) - rounder
        r = v - k * ln2_hi - k * ln2_lo
        q = coef[0]
        for c in coef[1:]:
            q = q * r + c
        return k, q * r, _as_float(itype((k + bias) * scale))   # biased k into the exponent

    @njit(fastmath={"contract"})
    def exp(v):
        _, qr, two_k = reduced(v)
        return zero if v < lo else (qr + one) * two_k

    @njit(fastmath={"contract"})
    def expm1(v):
        k, qr, two_k = reduced(v)
        y = (qr + one) * two_k - one
        return -one if v < lo else (qr if k == zero else y)
    return exp, expm1


_exp32, _expm1_32 = _exp_kernels(np.float32, np.int32, 127, 23, **_F32)
_exp64, _expm1_64 = _exp_kernels(np.float64, np.int64, 1023, 52, **_F64)


def _by_dtype(for32, for64):
    """An overload that calls for32 on a float32 and for64 on a float64."""
    def choose(v):
        if v == types.float32:
            return lambda v: for32(v)
        if v == types.float64:
            return lambda v: for64(v)
    return choose


overload(exp_nonpositive)(_by_dtype(_exp32, _exp64))
overload(expm1_nonpositive)(_by_dtype(_expm1_32, _expm1_64))


@overload(tanh)
def _tanh_numba(v):
    """tanh|v| = -m / (2 + m) with m = expm1(-2|v|) in [-1, 0], the sign of v put back."""
    if isinstance(v, types.Float):
        f = np.float32 if v == types.float32 else np.float64
        two, minus_two = f(2), f(-2)              # a float literal would be typed float64

        def impl(v):
            m = expm1_nonpositive(minus_two * abs(v))
            t = abs(m) / (two + m)
            return t if v >= 0 else -t
        return impl


_SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


# The hash goes into each entry's key, not into the index's source stamp: a stamp of our own
# would need a cache locator of our own, and numba chooses the cache folder through a list of
# them (NUMBA_CACHE_DIR, __pycache__, the user's cache) that ours would have to redo. The key
# only adds to numba's, through two internals that are the same in numba 0.58 to 0.68 (hence
# the cap in setup.cfg): Cache._index_key, and the Dispatcher's _cache that enable_caching
# sets. Entries for older versions of this file stay in the index (reverting an edit loads one
# again) until the kernel's own file changes, when numba starts its index anew.
class _VecmathCache(FunctionCache):
    def _index_key(self, sig, codegen):
        return super()._index_key(sig, codegen) + (_SOURCE_HASH,)


def njit_cached(**options):
    """njit(cache=True, **options) for a kernel that calls maximum or exp_nonpositive, itself
    or through another kernel: it inlines them, so its cache entries are keyed on this file's
    contents as well."""
    def decorate(py_func):
        kernel = njit(**options)(py_func)
        if isinstance(kernel, Dispatcher):        # else NUMBA_DISABLE_JIT=1 gave back py_func
            kernel._cache = _VecmathCache(py_func)
        return kernel
    return decorate
