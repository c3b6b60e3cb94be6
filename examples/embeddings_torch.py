"""The word-vector models of examples/embeddings.py trained by PyTorch after only their imports
are swapped, beside tapegrad's: wall time and scores of each model, same data, same schedule.

    python -m examples.embeddings_torch --epochs 1 --glove-epochs 5 --threads 1

Needs torch (not part of the `examples` extra). The module's source runs a second time while
`autograd`, `nn`, `nn.functional` and `optim` name torch, torch.nn, torch.nn.functional and
torch.optim, so both engines run the same model, loss and training code. Their examples are
drawn from the same NumPy seed; their initial weights come from each engine's own generator,
so the scores differ by that too. The engines alternate, tapegrad first, one model at a time.
"""
import importlib.util
import os
import sys

if not __package__:                  # run by path (python examples/NAME.py): find the packages
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from examples import embedding_eval, embeddings
from examples._common import needs, parse_args, parser, python_text, swapped
from examples.word2vec import tokenize


def torch_embeddings():
    """examples/embeddings.py loaded anew as a module whose tapegrad imports are torch's."""
    torch = needs("torch")
    swap = {"autograd": torch, "nn": torch.nn, "nn.functional": torch.nn.functional,
            "optim": torch.optim}
    spec = importlib.util.spec_from_file_location("embeddings_on_torch", embeddings.__file__)
    module = importlib.util.module_from_spec(spec)
    with swapped(swap):
        spec.loader.exec_module(module)
    return module


def main(argv=None):
    p = parser(__doc__, epochs=1, plots=False)
    p.add_argument("--models", nargs="+", choices=embeddings.MODELS, default=embeddings.MODELS,
                   metavar="MODEL", help="which to train (default all)")
    p.add_argument("--glove-epochs", type=int, default=5)
    p.add_argument("--dim", type=int, default=100)
    args = parse_args(p, argv)
    torch, on_torch = needs("torch"), torch_embeddings()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    ids, words, counts = tokenize(python_text("docs"))
    rows = []
    for name in args.models:
        epochs = args.glove_epochs if name == "glove" else args.epochs
        row = [name, epochs]
        for engine in (embeddings, on_torch):
            torch.manual_seed(args.seed)
            vectors, _, h = engine.fit(name, ids, words, counts, epochs, args.seed, args.dim,
                                       quiet=True)
            row += [h.seconds, embedding_eval.scores(vectors, words)["median rank"]]
        print(f"{name}: tapegrad {row[2]:.1f} s, torch {row[4]:.1f} s", flush=True)
        rows.append(row)
    print(f"\n{'model':<9}{'epochs':>7}{'tapegrad s':>11}{'torch s':>9}{'ratio':>7}"
          f"{'median rank: tapegrad':>23}{'torch':>7}")
    for name, epochs, ts, tr, ps, pr in rows:
        print(f"{name:<9}{epochs:>7}{ts:>11.1f}{ps:>9.1f}{ts / ps:>6.2f}x{tr:>23.1f}{pr:>7.1f}")
    return rows


if __name__ == "__main__":
    main()
