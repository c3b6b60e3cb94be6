"""`autograd.onnx.export(model, args, f, ...)`: a model as an ONNX file, as torch.onnx.export.

One forward pass in eval mode (dropout off, BatchNorm on its running statistics) is traced
through the engine's op hook (trace.py); every op call becomes one or a few ONNX nodes
(elementwise.py, shape.py, layers.py, recurrent.py), parameters and buffers become
initializers under their state-dict names, and the result passes `onnx.checker`. An op with no
mapping is refused with its name (`SUPPORTED` lists those that have one). Needs the `onnx`
package (the `interop` extra), imported only when export runs.
"""
import importlib

from .. import engine
from .elementwise import MAPPINGS as _ELEMENTWISE
from .layers import MAPPINGS as _LAYERS
from .recurrent import recurrence
from .shape import MAPPINGS as _SHAPE
from .trace import ExportError, compare, longer, needed, run

MAPPINGS = {**_ELEMENTWISE, **_SHAPE, **_LAYERS, "recurrence": recurrence}
SUPPORTED = tuple(sorted(MAPPINGS))
MIN_OPSET = 17                  # LayerNormalization


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=MIN_OPSET):
    """Write `model` (a Module, or any callable of Tensors) run on `args` (a Tensor, an array
    or a tuple of them) to `f` (a path or a binary file) as an ONNX model.

    input_names / output_names name the graph's inputs and outputs (default input_0, ...,
    output_0, ...; the outputs are the Tensors in what the model returns, nested tuples
    flattened, None skipped). dynamic_axes maps an input or output name to the axes whose size
    may change ({axis: name} or a list of axes), e.g. {"input_0": {0: "batch"}}: the forward
    then runs a second time with those axes longer, and a shape that follows them becomes
    symbolic. Raises ExportError naming the op that cannot be exported (no mapping, a setting
    or constant that depends on a dynamic size), ImportError without the onnx package."""
    try:
        graph_module = importlib.import_module(".graph", __name__)
    except ImportError as e:
        raise ImportError(f"autograd.onnx.export needs the onnx package ({e}): "
                          "pip install 'tapegrad[interop]'") from None
    if opset_version < MIN_OPSET:
        raise ValueError(f"export: opset_version must be at least {MIN_OPSET}, got "
                         f"{opset_version}")
    inputs = tuple(x if isinstance(x, engine.Tensor) else engine.Tensor._wrap(x)
                   for x in (args if isinstance(args, tuple) else (args,)))
    input_names = list(input_names or [f"input_{i}" for i in range(len(inputs))])
    if len(input_names) != len(inputs):
        raise ValueError(f"export: {len(input_names)} input_names for {len(inputs)} inputs")
    axes = _named_axes(dynamic_axes or {})
    unknown = set(axes) - set(input_names) - set(output_names or ())
    if unknown:
        raise ValueError(f"export: dynamic_axes names {sorted(unknown)}, which are neither "
                         "input_names nor output_names")
    with _eval_mode(model):
        calls, out = run(model, inputs)
        growth = _growth(input_names, axes)
        if growth:
            compare(calls, run(model, longer(inputs, growth))[0])
    outputs = _flatten(out)
    calls = needed(calls, outputs)
    missing = sorted({c.name for c in calls} - set(MAPPINGS))
    if missing:
        raise ExportError(f"no ONNX mapping for the op(s) {', '.join(missing)} (autograd.onnx."
                          "SUPPORTED lists those that export)")
    g = graph_module.Graph(opset_version, _state(model))
    graph_inputs = []
    for i, (name, x) in enumerate(zip(input_names, inputs)):
        dims = axes.get(name, {})
        g.bind(x, name, x.dtype, dims)
        graph_inputs.append((name, x.dtype, [dims.get(d, n) for d, n in enumerate(x.shape)]))
    for call in calls:
        g.bind(call.out, MAPPINGS[call.name](g, call), call.out.dtype, g.dynamic_dims(call))
    output_names = list(output_names or [f"output_{i}" for i in range(len(outputs))])
    if len(output_names) != len(outputs):
        raise ValueError(f"export: {len(output_names)} output_names for {len(outputs)} outputs")
    graph_outputs = []
    for name, t in zip(output_names, outputs):
        internal = g.names.get(id(t))
        if internal is None:
            raise ExportError(f"export: output {name!r} (shape {t.shape}) was not computed by "
                              "tapegrad ops from the inputs")
        g.rename(internal, name)
        dims = {d: f"{name}_dim{d}" for d in g.dynamic[internal]}
        dims.update(axes.get(name, {}))
        graph_outputs.append((name, t.dtype, [dims.get(d, n) for d, n in enumerate(t.shape)]))
    g.save(g.model(graph_inputs, graph_outputs, type(model).__name__), f)


def _named_axes(dynamic_axes):
    """{name: {axis: dim name}} from torch's forms ({axis: name} or a list of axes)."""
    return {name: (dict(spec) if isinstance(spec, dict)
                   else {a: f"{name}_dim{a}" for a in spec})
            for name, spec in dynamic_axes.items()}


def _growth(input_names, axes):
    """(input position, axis) -> how much longer it runs in the second trace: one more per
    distinct dim name, so that two dynamic axes of equal size stay told apart."""
    order = {}
    for name in input_names:
        for dim in axes.get(name, {}).values():
            order.setdefault(dim, len(order) + 1)
    return {(i, a): order[dim] for i, name in enumerate(input_names)
            for a, dim in axes.get(name, {}).items()}


class _eval_mode:
    """Run a Module in eval mode, and restore each submodule's mode afterwards."""

    def __init__(self, model):
        self.modules = list(model.modules()) if hasattr(model, "modules") else []

    def __enter__(self):
        self.modes = [m.training for m in self.modules]
        for m in self.modules:
            m.training = False

    def __exit__(self, *exc):
        for m, mode in zip(self.modules, self.modes):
            m.training = mode


def _state(model):
    """Parameters and buffers by state-dict name (a callable that is no Module has none)."""
    found = {}
    for members in ("named_parameters", "named_buffers"):
        if hasattr(model, members):
            found.update((k, v) for k, v in getattr(model, members)() if v is not None)
    return found


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [] if out is None else [out]


__all__ = ["export", "ExportError", "SUPPORTED"]
