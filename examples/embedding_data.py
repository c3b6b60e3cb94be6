"""Training data of the word-vector models in examples/embeddings.py, as NumPy arrays: context
windows, negative-sampling and hierarchical-softmax targets (over a Huffman tree of word
counts), fastText's hashed character n-grams, and GloVe's co-occurrence counts.

Every word2vec-style example is a bag of input rows (one word, a window of context words, or a
word's subwords; summed, then averaged over the words) scored against output rows with binary
labels: the target and `negatives` noise words (negative sampling), or the inner nodes on the
target's path from the root of the Huffman tree (hierarchical softmax).
"""
import heapq

import numpy as np


def huffman(counts):
    """The Huffman tree of word `counts` (V >= 2) as padded paths from the root: (points (V, L)
    the inner nodes (0..V-2, the root V-2) on each word's path, codes (V, L) the 0/1 branch
    taken at each, lengths (V,)); L is the deepest path. Frequent words get short codes."""
    v = len(counts)
    if v < 2:
        raise ValueError(f"huffman: needs at least 2 words, got {v}")
    heap = [(int(c), w, w) for w, c in enumerate(counts)]       # (count, tie-break, node)
    heapq.heapify(heap)
    parent, branch = np.zeros(2 * v - 1, np.int64), np.zeros(2 * v - 1, np.int64)
    for node in range(v, 2 * v - 1):                  # inner node `node` is row node - v
        (c0, _, n0), (c1, _, n1) = heapq.heappop(heap), heapq.heappop(heap)
        parent[[n0, n1]], branch[[n0, n1]] = node, (0, 1)
        heapq.heappush(heap, (c0 + c1, node, node))
    paths = []
    for w in range(v):
        path, node = [], w
        while node != 2 * v - 2:                      # climb to the root
            path.append((parent[node] - v, branch[node]))
            node = parent[node]
        paths.append(path[::-1])
    lengths = np.array([len(p) for p in paths])
    points, codes = np.zeros((v, lengths.max()), np.int64), np.zeros((v, lengths.max()), np.int64)
    for w, path in enumerate(paths):
        points[w, :len(path)], codes[w, :len(path)] = np.array(path).T
    return points, codes, lengths


def windows(ids, window, rng):
    """(contexts (N, 2 window), mask (N, 2 window)) for every position of `ids`: the words
    within a random distance of 1..window on each side (the original word2vec's shrinking
    window, which weights near words more), padded with 0 under mask 0."""
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])   # (2w,)
    pos = np.arange(len(ids))[:, None] + offsets                                   # (N, 2w)
    size = rng.integers(1, window + 1, len(ids))[:, None]
    mask = (pos >= 0) & (pos < len(ids)) & (np.abs(offsets) <= size)
    return np.where(mask, ids[pos.clip(0, len(ids) - 1)], 0), mask


def negative_targets(targets, negatives, counts, rng):
    """(outputs, labels, mask) of negative sampling: each target (N,) then `negatives` noise
    words drawn from the unigram distribution raised to 3/4; labels 1, 0, ..., 0."""
    noise = counts ** 0.75
    drawn = rng.choice(len(counts), (len(targets), negatives), p=noise / noise.sum())
    outputs = np.concatenate([targets[:, None], drawn], 1)                     # (N, 1 + k)
    labels = np.zeros(outputs.shape, np.float32)
    labels[:, 0] = 1
    return outputs, labels, np.ones(outputs.shape, np.float32)


def path_targets(targets, tree):
    """(outputs, labels, mask) of hierarchical softmax: the inner nodes on each target's path
    in `tree` (from `huffman`), label 1 - code (so that the binary cross-entropy of a node is
    -log sigmoid(+-u_node . v)), mask 0 past the path's end."""
    points, codes, lengths = tree
    mask = np.arange(points.shape[1]) < lengths[targets][:, None]              # (N, L)
    return points[targets], (1 - codes[targets]).astype(np.float32), mask.astype(np.float32)


def subword_hash(gram):
    """FNV-1a (32 bits) of the UTF-8 bytes of `gram`, the hash fastText buckets n-grams by."""
    h = 2166136261
    for byte in gram.encode():
        h = (h ^ byte) * 16777619 % 2 ** 32
    return h


def ngrams(word, low=3, high=6):
    """The character n-grams of '<' + word + '>' of lengths low..high (with repeats)."""
    marked = f"<{word}>"
    return [marked[i:i + n] for n in range(low, high + 1) for i in range(len(marked) - n + 1)]


def subword_rows(word, buckets, vocab_size, index=None):
    """fastText's rows for `word`: its own row (its position in the vocabulary `index`, a
    dict, when it is there) and vocab_size + hash % buckets for each of its n-grams."""
    own = [index[word]] if index is not None and word in index else []
    return own + [vocab_size + subword_hash(g) % buckets for g in ngrams(word)]


def subword_table(words, buckets):
    """(starts (V + 1,), rows) of every vocabulary word's fastText rows, CSR-style; with
    buckets=0, each word is its own single row (word2vec)."""
    if not buckets:
        return np.arange(len(words) + 1), np.arange(len(words))
    index = {w: i for i, w in enumerate(words)}
    lists = [subword_rows(w, buckets, len(words), index) for w in words]
    return np.cumsum([0] + [len(r) for r in lists]), np.concatenate(lists)


def bags(words, mask, table):
    """(rows, offsets, weights) for F.embedding_bag(mode="sum"): per example (a row of the
    (N, L) `words` under `mask`) the table rows of its words, each weighted by 1 / its number
    of words, so the bag is the mean over the words of each word's summed subwords."""
    starts, rows = table
    n_words = mask.sum(1)
    flat = words[mask]                                       # words of all examples in order
    sizes = starts[flat + 1] - starts[flat]                  # rows per word
    first = np.repeat(starts[flat] - np.cumsum(sizes) + sizes, sizes)
    picked = rows[first + np.arange(sizes.sum())]            # each word's rows, concatenated
    per_example = np.bincount(np.repeat(np.arange(len(words)), mask.sum(1)), sizes,
                              len(words)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(per_example)[:-1]])
    weights = np.repeat(1 / np.repeat(n_words, n_words), sizes).astype(np.float32)
    return picked, offsets, weights


def cooccurrence(ids, window, vocab_size):
    """GloVe's counts (i (M,), j (M,), x (M,)): every pair of words at distance d <= window
    adds 1 / d to x_ij and x_ji; only the nonzero entries are kept."""
    i = np.concatenate([np.concatenate([ids[:-d], ids[d:]]) for d in range(1, window + 1)])
    j = np.concatenate([np.concatenate([ids[d:], ids[:-d]]) for d in range(1, window + 1)])
    weight = np.concatenate([np.full(2 * (len(ids) - d), 1 / d) for d in range(1, window + 1)])
    keys, where = np.unique(i * vocab_size + j, return_inverse=True)
    return keys // vocab_size, keys % vocab_size, np.bincount(where, weight)
