"""Runnable examples on data that needs no download (`pip install .[examples]` for mnist1d,
scikit-learn, tqdm and matplotlib). Run each with `python -m examples.NAME` from the
repository root, or by path; `--help` lists its options.

mnist1d        the MNIST-1D benchmark: logistic, MLP, CNN, GRU beside the published table
mnist1d_torch  the same models and protocol in PyTorch, timed against tapegrad's
digits         scikit-learn's 8x8 digits: a LeNet-style CNN and an MLP
char_rnn       a character-level RNN/GRU/LSTM language model on Python's LICENSE text
word2vec       skip-gram with negative sampling on Python's bundled language reference
models         the classic architectures (LeNet-5 ... DenseNet, BiRNN, seq2seq + attention)
"""
