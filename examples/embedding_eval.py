"""Judging word vectors on the Python language reference: nearest neighbours by cosine
similarity, analogies (b - a + c), and two small hand-made lists for that corpus.

PAIRS are words a reader of the reference would call related (opposites, a thing and its
kind, the two halves of a protocol). Their score is the rank of b among all words by cosine
similarity to a (1 = a's nearest neighbour), taken both ways: we report the median rank and
the share of pairs ranked in the top 10. A random embedding gives a median near V / 2. A
Spearman correlation would need graded human judgements, which a list this small cannot
give. ANALOGIES are a : b :: c : d quadruples from the data model and the grammar; one counts
as solved when d is the nearest word to b - a + c other than a, b and c (3CosAdd).
"""
import numpy as np

PAIRS = [("class", "instance"), ("list", "tuple"), ("key", "value"), ("integer", "float"),
         ("true", "false"), ("getattr", "setattr"), ("import", "module"), ("try", "except"),
         ("exception", "raise"), ("string", "bytes"), ("yield", "generator"),
         ("await", "async"), ("positional", "keyword"), ("dict", "dictionary"),
         ("int", "integer"), ("str", "string"), ("left", "right"), ("upper", "lower"),
         ("start", "stop"), ("read", "write"), ("open", "close"), ("first", "last"),
         ("local", "global"), ("binary", "unary"), ("lt", "gt"), ("break", "continue"),
         ("if", "else"), ("method", "function"), ("argument", "parameter"),
         ("sequence", "mapping")]

ANALOGIES = [("getattr", "setattr", "getitem", "setitem"),
             ("getitem", "setitem", "getattr", "setattr"),
             ("lt", "gt", "le", "ge"),
             ("le", "ge", "lt", "gt"),
             ("add", "radd", "sub", "rsub"),
             ("sub", "rsub", "mul", "rmul"),
             ("enter", "exit", "aenter", "aexit"),
             ("iter", "next", "aiter", "anext"),
             ("list", "lists", "tuple", "tuples"),
             ("true", "false", "and", "or")]


def unit(vectors):
    """The rows of `vectors` (V, d) scaled to length 1 (zero rows stay zero)."""
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)


def row(itos, word, op):
    """The position of `word` in `itos`; a word not there is a KeyError naming `op`."""
    try:
        return itos.index(word)
    except ValueError:
        raise KeyError(f"{op}: {word!r} is not in the vocabulary of {len(itos)} words") from None


def nearest(vectors, query, k=5, exclude=()):
    """Indices and cosine similarities of the k rows of `vectors` closest to the vector
    `query`, leaving out the row indices in `exclude`."""
    sims = unit(vectors) @ (query / max(np.linalg.norm(query), 1e-12))
    sims[list(exclude)] = -np.inf
    best = np.argsort(-sims, kind="stable")[:k]
    return best, sims[best]


def neighbours(vectors, itos, word, k=5):
    """[(word, cosine similarity)] of the k nearest words to `word`, itself left out."""
    i = row(itos, word, "neighbours")
    best, sims = nearest(vectors, vectors[i], k, [i])
    return [(itos[j], float(s)) for j, s in zip(best, sims)]


def analogy(vectors, itos, a, b, c, k=1):
    """The k words nearest to unit(b) - unit(a) + unit(c), leaving out a, b and c: d in
    a : b :: c : d."""
    u = unit(vectors)
    i, j, m = (row(itos, w, "analogy") for w in (a, b, c))
    best, _ = nearest(vectors, u[j] - u[i] + u[m], k, [i, j, m])
    return [itos[n] for n in best]


def pair_ranks(vectors, itos, pairs):
    """For every pair (a, b) with both words in `itos`, the rank of b among a's neighbours and
    of a among b's (1 = nearest); pairs with a missing word are skipped."""
    u = unit(vectors)
    ranks = []
    for a, b in pairs:
        if a in itos and b in itos:
            for x, y in ((itos.index(a), itos.index(b)), (itos.index(b), itos.index(a))):
                sims = u @ u[x]
                sims[x] = -np.inf
                ranks.append(1 + int(np.sum(sims > sims[y])))
    return np.array(ranks)


def scores(vectors, itos, pairs=PAIRS, analogies=ANALOGIES):
    """{"median rank", "top-10 pairs", "analogies"}: the similarity scores of `pairs` (see the
    module docstring) and the share of `analogies` solved, over those whose words are all in
    `itos` (the counts used are under "pairs used" and "analogies used")."""
    ranks = pair_ranks(vectors, itos, pairs)
    usable = [q for q in analogies if all(w in itos for w in q)]
    solved = [analogy(vectors, itos, *q[:3])[0] == q[3] for q in usable]
    return {"median rank": float(np.median(ranks)), "top-10 pairs": float(np.mean(ranks <= 10)),
            "pairs used": len(ranks) // 2, "analogies": float(np.mean(solved)) if usable
            else float("nan"), "analogies used": len(usable)}
