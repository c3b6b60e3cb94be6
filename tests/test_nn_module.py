"""Module, Parameter and the containers: registration, traversal, modes, hooks, repr,
state dicts and the errors that name the module at fault."""
import collections
import copy
import pickle

import numpy as np
import pytest

import autograd as ag
import nn
import optim


class Affine(nn.Module):
    """x @ weight.T + bias, built from ops only (independent of nn.functional)."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.n_in, self.n_out = n_in, n_out
        self.weight = nn.Parameter(np.arange(n_out * n_in, dtype=np.float32).reshape(n_out, n_in))
        self.bias = nn.Parameter(np.zeros(n_out, np.float32))

    def forward(self, x):
        if x.shape[-1] != self.n_in:
            raise ValueError(f"expected {self.n_in} input features, got shape {x.shape}")
        return x @ self.weight.T + self.bias

    def extra_repr(self):
        return f"n_in={self.n_in}, n_out={self.n_out}"


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = Affine(3, 4)
        self.register_buffer("count", ag.tensor(np.zeros((), np.int64)))
        self.register_buffer("scratch", ag.tensor(np.ones(2)), persistent=False)
        self.scale = nn.Parameter(np.ones(1, np.float32))

    def forward(self, x):
        return self.fc(x) * self.scale


def model():
    return nn.Sequential(Block(), nn.Identity(), Affine(4, 2))


def test_parameter_is_a_tensor_that_requires_grad_and_shares_memory():
    a = np.ones((2, 3), np.float32)
    p = nn.Parameter(a)
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert p.detach().numpy() is a
    t = ag.tensor(a)
    assert nn.Parameter(t).detach().numpy() is t.numpy()
    assert not nn.Parameter(np.arange(3), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    y = (p * 2).sum()
    assert type(p * 2) is ag.Tensor
    y.backward()
    np.testing.assert_array_equal(p.grad.data, np.full((2, 3), 2.0))
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(np.arange(3))


def test_registration_in_definition_order_and_qualified_names():
    m = model()
    # as PyTorch: each module's own parameters, then its children's
    assert [n for n, _ in m.named_parameters()] == ["0.scale", "0.fc.weight", "0.fc.bias",
                                                     "2.weight", "2.bias"]
    assert [n for n, _ in m.named_buffers()] == ["0.count", "0.scratch"]
    assert list(m.state_dict()) == ["0.scale", "0.count", "0.fc.weight", "0.fc.bias",
                                    "2.weight", "2.bias"]
    assert [n for n, _ in m.named_modules()] == ["", "0", "0.fc", "1", "2"]
    assert [type(c).__name__ for c in m.children()] == ["Block", "Identity", "Affine"]
    assert len(list(m.parameters())) == 5 and len(list(m.modules())) == 5
    assert m.get_submodule("0.fc") is m[0].fc
    with pytest.raises(AttributeError, match="'nope'"):
        m.get_submodule("0.nope")


def test_shared_parameters_and_modules_are_listed_once():
    fc = Affine(2, 2)
    m = nn.Sequential(fc, fc)
    assert [n for n, _ in m.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in m.named_modules()] == ["", "0"]
    # the state dict, like PyTorch's, names a shared tensor under every name
    assert list(m.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    tied = Affine(2, 2)
    tied.other = nn.Parameter(tied.weight.data)
    tied.again = tied.weight
    assert [n for n, _ in tied.named_parameters()] == ["weight", "bias", "other"]


def test_reassigning_and_deleting_attributes():
    m = Affine(2, 3)
    m.weight = None
    assert m.weight is None and "weight" in m._parameters
    assert [n for n, _ in m.named_parameters()] == ["bias"]
    with pytest.raises(TypeError, match="cannot assign Identity to parameter 'bias'"):
        m.bias = nn.Identity()
    del m.bias
    m.bias = nn.Identity()
    assert "bias" not in m._parameters and "bias" in m._modules
    del m.bias
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'bias'"):
        m.bias
    m.plain = 3
    assert m.plain == 3 and "plain" not in m._parameters


def test_assigning_a_non_parameter_names_module_and_shapes():
    m = Affine(2, 3)
    with pytest.raises(TypeError, match=r"Affine: cannot assign ndarray of shape \(3, 2\) to "
                                        r"parameter 'weight': expected a Parameter of shape "
                                        r"\(3, 2\) or None"):
        m.weight = np.zeros((3, 2))
    with pytest.raises(TypeError, match="child module 'fc'"):
        Block().fc = 3
    with pytest.raises(TypeError, match="buffer 'count'"):
        Block().count = [1]
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        m.register_parameter("w2", ag.tensor([1.0]))
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", ag.tensor([1.0]))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("n_in", ag.tensor([1.0]))


def test_assignment_errors_name_the_module_in_its_model_even_after_copying():
    m = nn.Sequential(collections.OrderedDict(enc=model(), head=Affine(4, 1)))
    for copied in (m, copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        with pytest.raises(TypeError, match=r"^enc\.0\.fc \(Affine\): cannot assign ndarray "
                                            r"of shape \(4,\) to parameter 'bias'"):
            copied.enc[0].fc.bias = np.zeros(4)
    detached = m.head
    del m.head                                       # no longer in the model: no stale name
    with pytest.raises(TypeError, match=r"^Affine: cannot assign"):
        detached.weight = 1.0


def test_assignment_before_init_is_explained():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(1, np.float32))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_train_eval_zero_grad_requires_grad_apply():
    m = model()
    assert all(x.training for x in m.modules())
    assert m.eval() is m and not any(x.training for x in m.modules())
    m.train()
    assert m[0].fc.training
    out = m(ag.tensor(np.ones((2, 3), np.float32))).sum()
    out.backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    seen = []
    assert m.apply(lambda x: seen.append(type(x).__name__)) is m
    assert seen == ["Affine", "Block", "Identity", "Affine", "Sequential"]


def test_to_dtype_casts_floating_tensors_in_place():
    m = model()
    p = m[0].fc.weight
    m.double()
    assert m[0].fc.weight is p and p.dtype == np.float64
    assert m[0].count.dtype == np.int64                    # integer buffers are kept
    assert m[0].scratch.dtype == np.float64
    assert m.to("float32").to("cpu") is m and p.dtype == np.float32
    m.to(dtype=np.float64)
    assert p.dtype == np.float64
    with pytest.raises(TypeError, match="floating"):
        m.to(np.int32)


def test_forward_hooks_run_around_forward_and_can_be_removed():
    m = Affine(2, 2)
    calls = []
    pre = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    post = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    x = ag.tensor(np.ones((1, 2), np.float32))
    np.testing.assert_array_equal(m(x).data, [[1.0, 1.0]])   # input zeroed, output + 1
    assert calls == [(1, 2)]
    pre.remove()
    post.remove()
    np.testing.assert_array_equal(m(x).data, [[1.0, 5.0]])


def test_errors_in_forward_name_the_failing_module():
    m = nn.Sequential(collections.OrderedDict(features=model(), head=Affine(2, 1)))
    with pytest.raises(ValueError, match=r"^features\.0\.fc \(Affine\): expected 3 input "
                                         r"features, got shape \(2, 5\)$"):
        m(ag.tensor(np.ones((2, 5), np.float32)))
    with pytest.raises(ValueError, match=r"^Affine: expected 3"):
        Affine(3, 1)(ag.tensor(np.ones((2, 5), np.float32)))
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_repr_is_a_tree_like_pytorchs():
    assert repr(model()) == (
        "Sequential(\n"
        "  (0): Block(\n"
        "    (fc): Affine(n_in=3, n_out=4)\n"
        "  )\n"
        "  (1): Identity()\n"
        "  (2): Affine(n_in=4, n_out=2)\n"
        ")")
    lst = nn.ModuleList([Affine(1, 1), Affine(1, 1), nn.Identity()])
    assert repr(lst) == ("ModuleList(\n  (0-1): 2 x Affine(n_in=1, n_out=1)\n"
                         "  (2): Identity()\n)")
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_state_dict_round_trip_copies_in_place():
    a, b = model(), model()
    for p in a.parameters():
        p.data[...] = np.random.default_rng(0).standard_normal(p.shape)
    a[0].count.data[...] = 7
    w = b[0].fc.weight
    assert b.load_state_dict(a.state_dict()) == ([], [])
    assert b[0].fc.weight is w
    for (k, x), (k2, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert k == k2 and x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)
    assert a.state_dict(keep_vars=True)["0.fc.weight"] is a[0].fc.weight
    b.load_state_dict({k: ag.tensor(v) for k, v in a.state_dict().items()})


def test_load_state_dict_lists_every_problem_at_once_and_loads_nothing():
    m = model()
    state = {k: v.clone() + 1 for k, v in m.state_dict().items()}
    del state["0.scale"], state["2.bias"]
    state["0.fc.weight"] = np.zeros((5, 3))
    state["extra.weight"] = np.zeros(1)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(state)
    msg = str(e.value)
    assert msg.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "0.scale", "2.bias".' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in msg
    assert ("size mismatch for 0.fc.weight: copying a param with shape (5, 3) from "
            "checkpoint, the shape in current model is (4, 3).") in msg
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    del state["0.fc.weight"]
    missing, unexpected = m.load_state_dict(state, strict=False)
    assert missing == ["0.scale", "0.fc.weight", "2.bias"] and unexpected == ["extra.weight"]
    np.testing.assert_array_equal(m[2].weight.data, before["2.weight"] + 1)
    with pytest.raises(RuntimeError, match="dtype mismatch for 0.count"):
        m.load_state_dict({**m.state_dict(), "0.count": np.array(1.5)})


def test_deepcopy_makes_an_independent_module():
    m = model()
    c = copy.deepcopy(m)
    c[0].fc.weight.data[...] = -1
    assert not np.any(m[0].fc.weight.data == -1)
    assert isinstance(c[0].fc.weight, nn.Parameter)
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in m.named_parameters()]


def test_sequential_indexing_slicing_and_editing():
    a, b, c = Affine(1, 1), nn.Identity(), Affine(1, 2)
    s = nn.Sequential(a, b, c)
    assert s[0] is a and s[-1] is c and len(s) == 3 and list(s) == [a, b, c]
    sub = s[1:]
    assert type(sub) is nn.Sequential and list(sub._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="index 3 is out of range for length 3"):
        s[3]
    s.append(nn.Identity())
    assert list(s._modules) == ["0", "1", "2", "3"]
    del s[1]
    assert list(s._modules) == ["0", "1", "2"] and s[1] is c
    with pytest.raises(TypeError, match=r"^1 \(Affine\): cannot assign"):   # renumbered
        s[1].weight = 0.0
    s.insert(0, b)
    assert s[0] is b and s[1] is a
    s[0] = c
    assert s[0] is c
    named = nn.Sequential(collections.OrderedDict(first=a, second=c))
    assert [n for n, _ in named.named_parameters()] == ["first.weight", "first.bias",
                                                         "second.weight", "second.bias"]
    x = ag.tensor(np.ones((2, 1), np.float32))
    np.testing.assert_array_equal(named(x).data, c(a(x)).data)


def test_module_list_and_dict():
    lst = nn.ModuleList([Affine(1, 1)])
    lst.append(Affine(1, 2))
    lst += [nn.Identity()]
    lst.insert(0, nn.Identity())
    assert [type(m).__name__ for m in lst] == ["Identity", "Affine", "Affine", "Identity"]
    assert [n for n, _ in lst.named_parameters()][:2] == ["1.weight", "1.bias"]
    assert isinstance(lst[1:3], nn.ModuleList) and len(lst[1:3]) == 2
    del lst[0]
    assert list(lst._modules) == ["0", "1", "2"]
    d = nn.ModuleDict({"enc": Affine(1, 1), "dec": Affine(1, 1)})
    d["mid"] = nn.Identity()
    assert list(d) == ["enc", "dec", "mid"] and "enc" in d and len(d) == 3
    assert [n for n, _ in d.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight",
                                                     "dec.bias"]
    d.pop("enc")
    assert list(d.keys()) == ["dec", "mid"]
    with pytest.raises(TypeError, match="is not a Module"):
        d["x"] = 3


def test_parameter_list_and_dict_register_train_and_round_trip():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.scales = nn.ParameterList([np.ones(3), nn.Parameter(np.full(3, 2.0))])
            self.shifts = nn.ParameterDict({"a": np.zeros(3)})
            self.shifts["b"] = ag.tensor(np.ones(3))
            self.scales.append(np.full(3, 0.5))

        def forward(self, x):
            for s in self.scales:
                x = x * s
            return x + self.shifts["a"] + self.shifts["b"]

    m = Model()
    assert [n for n, _ in m.named_parameters()] == ["scales.0", "scales.1", "scales.2",
                                                    "shifts.a", "shifts.b"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in m.parameters())
    assert len(m.scales) == 3 and len(m.shifts) == 2 and "b" in m.shifts
    assert isinstance(m.scales[-1], nn.Parameter) and len(m.scales[1:]) == 2
    opt = optim.SGD(m.parameters(), lr=0.1)
    m(ag.tensor(np.ones(3))).sum().backward()
    opt.step()
    np.testing.assert_allclose(m.shifts["a"].data, -0.1)
    np.testing.assert_allclose(m.scales[0].data, 1 - 0.1 * 1.0)      # d/ds0 = s1 s2 = 1
    fresh = Model()
    fresh.load_state_dict(m.state_dict())
    for p, q in zip(m.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert repr(m.scales).splitlines()[1] == "  (0): Parameter containing: [float64 of size 3]"
    with pytest.raises(IndexError, match="ParameterList: index 3 is out of range for length 3"):
        m.scales[3]
