"""Embedding: a lookup table of num_embeddings rows of size embedding_dim."""
import numpy as np

from autograd.grad_mode import no_grad
from autograd.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter, empty_parameter


class Embedding(Module):
    """Rows of weight (num_embeddings, embedding_dim) at integer indices of any shape. The row
    `padding_idx` starts at zero and gets no gradient; `max_norm` renormalises looked-up rows
    in place (see F.embedding). Initialised N(0, 1), as PyTorch."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, dtype=None):
        super().__init__()
        if sparse:
            raise ValueError("Embedding: sparse gradients are not supported; use sparse=False")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                                 f"num_embeddings {num_embeddings}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = empty_parameter((num_embeddings, embedding_dim), dtype)
            self.reset_parameters()
        else:
            data = _weight._data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if data.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight of shape {data.shape} does not match "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(data, requires_grad=not _freeze)

    def reset_parameters(self, generator=None):
        init.normal_(self.weight, generator=generator)
        if self.padding_idx is not None:
            with no_grad():                 # an in-place op: bumps the weight's version
                self.weight[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding holding `embeddings` (2-D; shared, not copied); frozen by default."""
        shape = np.shape(embeddings._data if isinstance(embeddings, Tensor) else embeddings)
        if len(shape) != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got {shape}")
        return cls(*shape, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def _norm_repr(self):
        """The max_norm, norm_type and scale_grad_by_freq parts of the repr, when set."""
        s = "" if self.max_norm is None else f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        return s + (f", scale_grad_by_freq={self.scale_grad_by_freq}"
                    if self.scale_grad_by_freq else "")

    def _padding_repr(self):
        return "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"

    def extra_repr(self):
        return (f"{self.num_embeddings}, {self.embedding_dim}" + self._padding_repr()
                + self._norm_repr())


class EmbeddingBag(Embedding):
    """The sum, mean or max of the embeddings of each bag of indices: the rows of a 2-D input,
    or the slices of a 1-D input that `offsets` starts (see F.embedding_bag). Weights and
    padding_idx as Embedding's."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, dtype=None):
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, dtype=dtype)
        self.mode, self.include_last_offset = mode, include_last_offset

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, False, per_sample_weights,
                               self.include_last_offset, self.padding_idx)

    def extra_repr(self):                    # PyTorch's order: padding_idx last
        return (f"{self.num_embeddings}, {self.embedding_dim}" + self._norm_repr()
                + f", mode={self.mode!r}" + self._padding_repr())
