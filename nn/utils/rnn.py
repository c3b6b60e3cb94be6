"""nn.utils.rnn: batches of sequences of different lengths, as torch.nn.utils.rnn.

A PackedSequence holds B sequences sorted longest first, time-major: `data` (sum of lengths,
*) is step 0 of every sequence, then step 1 of those longer than 1, and so on, and
`batch_sizes[t]` counts the sequences that reach step t. `sorted_indices[i]` is the original
batch position of sorted sequence i (None when the batch came sorted), `unsorted_indices` its
inverse. RNN, LSTM and GRU take one and run each sequence over its own length only (see
ops.recurrence's batch_sizes), returning one. Packing and padding are index ops, so gradients
flow through them. Lengths and batch sizes are int64 NumPy arrays.
"""
import collections

import numpy as np

import ops
from autograd.tensor import _plain


class PackedSequence(collections.namedtuple(
        "PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"],
        defaults=(None, None))):
    """(data, batch_sizes, sorted_indices, unsorted_indices): see the module docstring."""
    __slots__ = ()


def positions(batch_sizes):
    """(t, b) of each row of packed data, in its order: the steps in turn, and within step t
    the sorted sequences 0 .. batch_sizes[t] - 1."""
    t = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    b = np.arange(len(t)) - np.repeat(np.cumsum(batch_sizes) - batch_sizes, batch_sizes)
    return t, b


def padded_from_packed(data, batch_sizes, total_length=None):
    """The (T, B, *) zero-padded batch, in sorted order, of packed `data`."""
    steps = len(batch_sizes) if total_length is None else total_length
    shape = (steps, int(batch_sizes[0])) + tuple(np.shape(data)[1:])
    return ops.index_put_add(data, shape=shape, index=positions(batch_sizes))


def _inverse(permutation):
    inverse = np.empty_like(permutation)
    inverse[permutation] = np.arange(len(permutation))
    return inverse


def _lengths(lengths, batch, op):
    lengths = np.asarray(_plain(lengths))
    if lengths.dtype.kind not in "iu" or lengths.shape != (batch,):
        raise ValueError(f"{op}: expected {batch} integer lengths (one per sequence), got "
                         f"{lengths.dtype} lengths of shape {lengths.shape}")
    if lengths.size and lengths.min() <= 0:
        raise ValueError(f"{op}: every length must be positive, got {lengths.tolist()}")
    return lengths.astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) ((B, T, *) with batch_first) of sequences with the given
    lengths. With enforce_sorted the lengths must be non-increasing; otherwise the batch is
    sorted here and the order kept in sorted_indices."""
    if batch_first:
        input = ops.transpose(input, 0, 1)                 # (B, T, *) -> (T, B, *)
    shape = np.shape(input)
    if len(shape) < 2:
        raise ValueError(f"pack_padded_sequence: expected a (T, B, *) input, got shape {shape}")
    lengths = _lengths(lengths, shape[1], "pack_padded_sequence")
    if lengths.size and lengths.max() > shape[0]:
        raise ValueError(f"pack_padded_sequence: lengths {lengths.tolist()} exceed the "
                         f"{shape[0]} time steps of input {shape}")
    sorted_indices = unsorted_indices = None
    if np.any(lengths[1:] > lengths[:-1]):
        if enforce_sorted:
            raise ValueError(f"pack_padded_sequence: lengths {lengths.tolist()} must be sorted "
                             "in decreasing order when enforce_sorted is True; pass "
                             "enforce_sorted=False to sort them here")
        sorted_indices = np.argsort(-lengths, kind="stable")
        unsorted_indices = _inverse(sorted_indices)
        input, lengths = input[:, sorted_indices], lengths[sorted_indices]
    elif not enforce_sorted:                               # sorted already: identity order
        sorted_indices = unsorted_indices = np.arange(len(lengths))
    batch_sizes = (lengths[:, None] > np.arange(lengths.max(initial=0))).sum(0)
    return PackedSequence(input[positions(batch_sizes)], batch_sizes, sorted_indices,
                          unsorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths), in the
    original batch order; T is total_length when given."""
    data, batch_sizes, _, unsorted_indices = sequence
    if total_length is not None and total_length < len(batch_sizes):
        raise ValueError(f"pad_packed_sequence: total_length {total_length} is shorter than "
                         f"the longest sequence ({len(batch_sizes)} steps)")
    out = padded_from_packed(data, batch_sizes, total_length)
    if padding_value:
        out = out + padding_value * (1 - padded_from_packed(np.ones(len(data)), batch_sizes,
                                                            total_length)
                                     ).reshape(np.shape(out)[:2] + (1,) * (out.ndim - 2))
    lengths = (batch_sizes[None, :] > np.arange(batch_sizes[0])[:, None]).sum(1)
    if unsorted_indices is not None:
        out, lengths = out[:, unsorted_indices], lengths[unsorted_indices]
    return (ops.transpose(out, 0, 1) if batch_first else out), lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences (L_i, *) into (T, B, *) ((B, T, *) with batch_first), T the longest
    L_i, padding each on `padding_side` with padding_value."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    if not len(sequences):
        raise ValueError("pad_sequence: expected a non-empty list of sequences")
    longest = max(np.shape(s)[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - np.shape(s)[0]
        time_pad = (0, extra) if padding_side == "right" else (extra, 0)
        padded.append(ops.pad(s, (0, 0) * (np.ndim(s) - 1) + time_pad, padding_value))
    return ops.stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence of pad_sequence(sequences) with their lengths."""
    return pack_padded_sequence(pad_sequence(sequences), [np.shape(s)[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences (L_i, *) in a padded batch."""
    if batch_first:
        padded_sequences = ops.transpose(padded_sequences, 0, 1)      # (B, T, *) -> (T, B, *)
    lengths = _lengths(lengths, np.shape(padded_sequences)[1], "unpad_sequence")
    return [padded_sequences[:n, i] for i, n in enumerate(lengths)]


def unpack_sequence(packed_sequences):
    """The list of sequences (L_i, *) in a PackedSequence, in the original order."""
    return unpad_sequence(*pad_packed_sequence(packed_sequences))
