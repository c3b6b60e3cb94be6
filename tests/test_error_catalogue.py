"""docs/errors.md: one test per row, and the table and these tests agree."""
import pathlib
import re

import numpy as np
import pytest

import autograd as ag
import nn
import ops
import optim

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "errors.md"


def leaf(*shape):
    return ag.tensor(np.ones(shape), requires_grad=True)


def model():
    return nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))


def test_the_table_names_exactly_these_tests():
    named = set(re.findall(r"`(test_\w+)`", DOC.read_text()))
    defined = {n for n in globals() if n.startswith("test_")} - {
        "test_the_table_names_exactly_these_tests"}
    assert named == defined


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum",
                                "remainder", "where"])
def test_binary_op_shape_mismatch(op):
    a, b = leaf(2, 3), ag.tensor(np.ones(4))
    args = (a.data > 0, a, b) if op == "where" else (a, b)
    with pytest.raises(ValueError, match=rf"^{op}: .*\(2,3\) \(4,\)"):
        getattr(ops, op)(*args)


def test_matmul_inner_dimension_mismatch():
    with pytest.raises(ValueError, match=r"^matmul: shapes \(2, 3\) and \(4, 5\) cannot be "
                                         r"multiplied \(3 != 4\)"):
        leaf(2, 3) @ leaf(4, 5)


def test_backward_on_non_scalar():
    with pytest.raises(RuntimeError, match=r"^backward: grad can be implicitly created only for "
                                           r"scalar outputs; output 0 has shape \(2, 3\)"):
        (leaf(2, 3) * 2).backward()


def test_backward_twice_without_retain_graph():
    x = leaf(3)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"^sum: trying to backward through the graph a "
                                           r"second time.*retain_graph=True"):
        y.backward()


def test_grad_of_unused_input():
    x, z = leaf(3), leaf(3)
    with pytest.raises(RuntimeError, match=r"^grad: input 1 \(shape \(3,\)\) was not used to "
                                           r"compute the outputs; pass allow_unused=True"):
        ag.grad((x * 2).sum(), [x, z])


def test_requires_grad_on_integer_tensor():
    with pytest.raises(RuntimeError, match=r"^only Tensors of floating point dtype can require "
                                           r"gradients; got dtype int64"):
        ag.tensor([1, 2], requires_grad=True)


def test_backward_on_integer_tensor():
    with pytest.raises(RuntimeError, match=r"^backward: output 0 \(shape \(2,\)\) has dtype "
                                           r"int64, which cannot require grad"):
        ag.tensor([1, 2]).backward(np.ones(2))


def test_inplace_modification_of_saved_value():
    y = leaf(3).exp()
    with ag.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=r"^exp: one of the values saved for its backward "
                                           r"\(its output, shape \(3,\)\) was modified by an "
                                           r"in-place operation: it is at version 1, expected "
                                           r"version 0"):
        y.sum().backward()


def test_optimizer_step_after_recording():
    net = model()                                   # its weights are at version 1: initialised
    loss = net(leaf(4, 3)).sum()
    loss.backward(retain_graph=True)
    optim.SGD(net.parameters(), lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"^linear: one of the values saved for its backward "
                                           r"\(input 1, shape \(1, 2\)\) was modified by an "
                                           r"in-place operation: it is at version 2, expected "
                                           r"version 1"):
        loss.backward()


def test_inplace_on_leaf_requiring_grad():
    with pytest.raises(RuntimeError, match=r"^add_: a leaf tensor that requires grad \(shape "
                                           r"\(3,\)\) cannot be modified in place; use no_grad"):
        leaf(3).add_(1)


def test_vjp_with_wrong_shape():
    @ag.primitive(save=())
    def bad_op(x):
        return x * 2, (lambda g, y, x: g[:1],)

    try:
        with pytest.raises(RuntimeError, match=r"^bad_op: VJP returned a gradient of shape "
                                               r"\(1,\) for input 0 of shape \(3,\)"):
            bad_op(leaf(3)).sum().backward()
    finally:
        del ag.PRIMITIVES["bad_op"]


def test_wrong_state_dict_keys():
    m = model()
    state = m.state_dict()
    del state["0.bias"]
    state["extra.weight"] = np.zeros(2)
    with pytest.raises(RuntimeError, match=r'(?s)^Error\(s\) in loading state_dict for '
                                           r'Sequential:.*Missing key\(s\) in state_dict: '
                                           r'"0.bias".*Unexpected key\(s\) in state_dict: '
                                           r'"extra.weight"'):
        m.load_state_dict(state)


def test_state_dict_shape_mismatch():
    m = model()
    state = m.state_dict()
    state["0.weight"] = np.zeros((5, 5))
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight: copying a param with "
                                           r"shape \(5, 5\) from checkpoint, the shape in "
                                           r"current model is \(2, 3\)"):
        m.load_state_dict(state)


def test_loading_an_unsafe_file(tmp_path):
    path = tmp_path / "f.npz"
    np.savez(path, x=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match=r"^load: .*f.npz' member 'x' is an object array, which "
                                         r"could only be read by unpickling"):
        nn.load(path)


def test_loading_a_corrupted_file(tmp_path):
    path = tmp_path / "f.npz"
    nn.save(model().state_dict(), path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"^load: .*f.npz' is truncated or corrupted"):
        nn.load(path)


def test_layer_input_of_wrong_size():
    with pytest.raises(ValueError, match=r"^0 \(Linear\): expected input with 3 features \(dim "
                                         r"-1\), got shape \(2, 4\)"):
        model()(ag.tensor(np.ones((2, 4))))


def test_float_index():
    with pytest.raises(IndexError, match=r"^getitem: tensors used as indices must be integer or "
                                         r"bool, got float32"):
        ag.tensor([1.0, 2.0])[ag.tensor([0.0])]


def test_static_setting_requires_grad():
    x = leaf(3)
    with pytest.raises(TypeError, match=r"^leaky_relu: argument of shape \(3,\) is a static "
                                        r"setting and cannot be differentiated"):
        ops.leaky_relu(x, x)


def test_forgotten_setting():
    t = leaf(2, 3)
    for call, name in ((lambda: ops.reshape(t), "reshape"), (lambda: ops.permute(t), "permute"),
                       (lambda: ops.astype(t), "astype"), (lambda: ops.getitem(t), "getitem"),
                       (lambda: ops.cumsum(t), "cumsum"), (lambda: ops.tile(t), "tile")):
        with pytest.raises(TypeError, match=f"^{name}: .*missing 1 required"):
            call()


def test_vjp_reads_a_value_it_did_not_save():
    @ag.primitive(save=())
    def forgetful(x):
        return x * 3, (lambda g, y, x: g * x,)          # reads x without saving it
    del ag.PRIMITIVES["forgetful"]
    with pytest.raises(RuntimeError, match=r"forgetful: its VJP read input 0 \(shape \(2,\)\), "
                                           "which the primitive does not declare in save="):
        forgetful(leaf(2)).sum().backward()


def test_numpy_function_without_an_op():
    with pytest.raises(TypeError, match=r"^np\.linalg\.svd: tapegrad has no op for this, so its "
                                        r"result can't be recorded .*`ops`.*np\.asarray\(t\)"):
        np.linalg.svd(leaf(3, 3))
    with pytest.raises(TypeError, match=r"^np\.sum with dtype=: tapegrad has no op for this"):
        np.sum(leaf(3), dtype=np.float32)


def test_numpy_out_tensor():
    with pytest.raises(TypeError, match=r"^np\.exp: out= can't be a Tensor \(the write would "
                                        r"bypass the tape\)"):
        np.exp(np.ones(3), out=ag.zeros(3))


def test_collective_before_init_process_group():
    import autograd.distributed as dist
    with pytest.raises(ValueError, match=r"^all_reduce: the default process group has not "
                       r"been initialized; call autograd.distributed.init_process_group"):
        dist.all_reduce(ag.ones(3))
