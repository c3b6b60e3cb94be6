"""The ONNX graph under construction: names for the traced values, initializers for parameters,
buffers and constants, and the nodes the op mappings emit. Imported only by export (it
imports the onnx package)."""
import numpy as np
import onnx
from onnx import checker, helper, numpy_helper

from .. import engine
from .trace import ExportError, same

# opset in which these reductions take their axes as an input instead of an attribute
_AXES_INPUT_SINCE = {"ReduceSum": 13, "ReduceMean": 18, "ReduceMax": 18, "ReduceMin": 18,
                     "ReduceLogSumExp": 18}


def _plain(x):
    return x._data if isinstance(x, engine.Tensor) else x


class Graph:
    """`names` maps the id of a Tensor or array to its value's name; `dtypes` and `dynamic`
    (the dimensions that vary with a dynamic axis) are kept per name."""

    def __init__(self, opset, params):
        self.opset = opset
        self.nodes, self.initializers = [], []
        self.names, self.dtypes, self.dynamic = {}, {}, {}
        self._count = 0
        for name, t in params.items():
            self.initializers.append(numpy_helper.from_array(t._data, name))
            self.bind(t, name, t._data.dtype)

    def bind(self, x, name, dtype, dynamic=()):
        """Let the Tensor or array `x` (and a Tensor's array, which a static setting gets) be
        the value `name`."""
        self.names[id(x)] = name
        if isinstance(x, engine.Tensor):
            self.names[id(x._data)] = name
        self.dtypes[name], self.dynamic[name] = np.dtype(dtype), set(dynamic)

    def fresh(self, hint):
        self._count += 1
        return f"{hint}_{self._count}"

    # ---- values ----------------------------------------------------------------------------
    def const(self, value, dtype=None, hint="const"):
        """A constant initializer holding `value` (in `dtype` if given)."""
        a = np.asarray(value, dtype)
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(a, name))
        self.dtypes[name], self.dynamic[name] = a.dtype, set()
        return name

    def ints(self, values):
        return self.const(np.asarray(values, np.int64), hint="ints")

    def input(self, call, j, dtype=None):
        """The value of input j of `call` (a traced value, a parameter or buffer, or a
        constant), cast to `dtype` if given; "" for None (an omitted optional input)."""
        x = call.inputs[j]
        if x is None:
            return ""
        return self.value(x, call, f"input {j}", call.twin.inputs[j], dtype)

    def setting(self, call, key, dtype=None):
        """A setting that is an array (a buffer such as BatchNorm's running mean) as a value."""
        return self.value(call.settings[key], call, f"setting {key}", call.twin.settings[key],
                          dtype)

    def value(self, x, call, what, twin, dtype):
        name = self.names.get(id(x))
        if name is None and isinstance(x, engine.Tensor):
            name = self.names.get(id(x._data))          # x.detach() and the like share data
        if name is None:
            if not same(_plain(x), _plain(twin)):
                raise ExportError(
                    f"{call.name}: its {what} (shape {np.shape(_plain(x))}) is a constant "
                    "computed from the size of a dynamic axis; ONNX would freeze it: export "
                    "without dynamic_axes")
            return self.const(_plain(x), dtype)
        return self.cast(name, dtype) if dtype is not None else name

    def cast(self, name, dtype):
        dtype = np.dtype(dtype)
        if self.dtypes[name] == dtype:
            return name
        out = self.node("Cast", [name], to=helper.np_dtype_to_tensor_dtype(dtype))
        self.dtypes[out], self.dynamic[out] = dtype, set(self.dynamic[name])
        return out

    def dynamic_dims(self, call, j=None):
        """The dimensions of input j of `call` (of its output if j is None) whose size follows
        a dynamic axis."""
        if j is None:
            return {i for i, (a, b) in enumerate(zip(call.out.shape, call.twin.out.shape))
                    if a != b}
        return self.dynamic.get(self.names.get(id(call.inputs[j])), set())

    # ---- nodes -----------------------------------------------------------------------------
    def node(self, op, inputs, outputs=1, **attrs):
        """Emit one node; its output name (a list of `outputs` names when that is above 1)."""
        names = [self.fresh(op) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op, list(inputs), names, name=names[0], **attrs))
        return names[0] if outputs == 1 else names

    def rename(self, name, public):
        """Make the value `name` available as `public` (a graph output's name)."""
        self.nodes.append(helper.make_node("Identity", [name], [public], name=public))

    def reduce(self, op, x, axes, keepdims):
        """A reduction over `axes` (None: all), its axes given as this opset wants them."""
        if axes is None:
            return self.node(op, [x], keepdims=int(keepdims))
        if self.opset >= _AXES_INPUT_SINCE[op]:
            return self.node(op, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.node(op, [x], axes=list(axes), keepdims=int(keepdims))

    def unsqueeze(self, x, axes):
        return self.node("Unsqueeze", [x, self.ints(axes)])

    def squeeze(self, x, axes):
        return self.node("Squeeze", [x, self.ints(axes)])

    # ---- the model -------------------------------------------------------------------------
    def model(self, inputs, outputs, doc):
        """The checked ModelProto: inputs and outputs are (name, dtype, shape) with a string
        for a dynamic dimension."""
        def info(name, dtype, shape):
            return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(dtype),
                                                 list(shape))
        needed = {name for name, _, _ in outputs}
        kept = []
        for node in reversed(self.nodes):           # drop what no output needs
            if needed.intersection(node.output):
                kept.append(node)
                needed.update(node.input)
        graph = helper.make_graph(kept[::-1], "tapegrad", [info(*i) for i in inputs],
                                  [info(*o) for o in outputs],
                                  [t for t in self.initializers if t.name in needed])
        model = helper.make_model(graph, producer_name="tapegrad", doc_string=doc,
                                  opset_imports=[helper.make_opsetid("", self.opset)])
        checker.check_model(model, full_check=True)
        return model

    @staticmethod
    def save(model, f):
        onnx.save_model(model, f)
