"""The connectionist temporal classification loss (Graves et al. 2006), as PyTorch's
F.ctc_loss: the negative log-likelihood of each target sequence summed over its alignments
with the input frames, computed by the forward (alpha) recursion in log space.

A composition: one step of gathers, logaddexp and where per frame, so the gradient (the
alpha-beta result) and its derivatives come from the ops. Unreachable states hold -1e300
rather than -inf: logaddexp of two -inf has a NaN gradient, of two -1e300 a finite one, and
exp(-1e300) is 0 all the same, so values are unchanged."""
import numpy as np

from autograd.extend import plain
from . import elementwise as ew
from . import reduce
from . import shape as sh
from .loss import reduce_loss
from .special import stepped

_NEG = -1e300


def _targets(targets, target_lengths, n):
    """Targets as a padded (N, S_max) int array, from (N, S) or concatenated 1-D form."""
    t = np.asarray(plain(targets))
    lengths = np.asarray(plain(target_lengths)).reshape(-1).astype(np.int64)
    if t.ndim == 2:
        return t, lengths
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    padded = np.zeros((n, max(int(lengths.max(initial=0)), 1)), np.int64)
    for i, (s, k) in enumerate(zip(starts, lengths)):
        padded[i, :k] = t[s:s + k]
    return padded, lengths


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """log_probs (T, N, C) or (T, C) (log-softmax outputs), targets (N, S) or the targets
    concatenated, input_lengths and target_lengths (N,). reduction "mean" divides each loss by
    its target length, then averages; zero_infinity replaces infinite losses (impossible
    alignments) and their gradients by 0."""
    shape = np.shape(log_probs)
    batched = len(shape) == 3
    if len(shape) not in (2, 3):
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got {shape}")
    lp = log_probs if batched else sh.unsqueeze(log_probs, 1)
    steps, n, _ = np.shape(lp)
    t, t_len = _targets(targets if batched or np.ndim(plain(targets)) != 1
                        else np.reshape(plain(targets), (1, -1)), target_lengths, n)
    in_len = np.asarray(plain(input_lengths)).reshape(-1).astype(np.int64)
    if len(in_len) != n or len(t_len) != n or in_len.max(initial=0) > steps:
        raise ValueError(f"ctc_loss: input_lengths {in_len.tolist()} and target_lengths "
                         f"{t_len.tolist()} must give one length per sample (N = {n}), each "
                         f"input length at most T = {steps}")
    # the extended labels: blank, l1, blank, l2, ..., blank (2 S + 1 states)
    states = 2 * t.shape[1] + 1
    labels = np.full((n, states), blank, np.int64)
    labels[:, 1::2] = t
    skip = np.zeros((n, states), bool)      # s may come from s - 2: a label unlike l_{s-2}
    skip[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
    rows = np.arange(n)[:, None]
    start = np.full((n, states), _NEG)
    start[:, 0] = 0.0
    start[:, 1] = np.where(t_len > 0, 0.0, _NEG)
    alpha = lp[0][rows, labels] + start
    for step in range(1, steps):
        one = sh.pad(alpha[:, :-1], (1, 0), value=_NEG)
        two = ew.where(skip, sh.pad(alpha[:, :-2], (2, 0), value=_NEG), _NEG)
        new = ew.logaddexp(ew.logaddexp(alpha, one), two) + lp[step][rows, labels]
        alpha = ew.where((step < in_len)[:, None], new, alpha)
    last = 2 * t_len
    end = ew.logaddexp(alpha[np.arange(n), last],
                       ew.where(t_len > 0, alpha[np.arange(n), np.maximum(last - 1, 0)], _NEG))
    # PyTorch's gradient for log_probs is the true one plus exp(log_probs) on each sample's
    # frames: the gradient for the logits when log_probs = log_softmax(logits), which gives
    # the same result after log_softmax's VJP (the added term sums to 0 through it). Follow
    # it: exp(lp) - exp(lp) is worth 0 with one side held constant, and its gradient, exp(lp),
    # is differentiated in turn (so that through log_softmax it vanishes to every order).
    frames = (np.arange(steps)[:, None] < in_len[None, :])[..., None]       # (T, N, 1)
    probs = ew.exp(lp)
    zero = reduce.sum((probs - stepped(probs, plain(probs))) * frames, (0, 2))
    loss = zero - end
    impossible = plain(loss) > -_NEG / 2
    loss = ew.where(impossible, 0.0 if zero_infinity else np.inf, loss)
    # computed in float64 (the log-space sums, with -1e300 for log 0); returned in the
    # dtype of log_probs, as PyTorch's
    loss = ew.astype(loss, np.result_type(plain(log_probs)))
    if reduction == "mean":
        return reduce.mean(loss / np.maximum(t_len, 1).astype(np.result_type(plain(loss))))
    loss = loss if batched else sh.reshape(loss, ())
    return reduce_loss(loss, reduction, "ctc_loss")
