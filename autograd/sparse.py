"""torch.sparse and sparse COO tensors: not in tapegrad. Each entry point raises saying so,
instead of an AttributeError deep inside a ported program."""

_NO_SPARSE = ("{}: tapegrad has no sparse tensors; build the dense tensor instead (e.g. "
              "zeros(size).index_put_(indices, values, accumulate=True)) and use dense ops")


def _refuse(name):
    def call(*args, **kwargs):
        raise NotImplementedError(_NO_SPARSE.format(name))
    call.__name__ = name.rsplit(".", 1)[-1]
    return call


sparse_coo_tensor = _refuse("sparse_coo_tensor")
mm = _refuse("sparse.mm")
addmm = _refuse("sparse.addmm")
sum = _refuse("sparse.sum")
softmax = _refuse("sparse.softmax")
