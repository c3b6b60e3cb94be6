"""The forward pass as a list of op calls, seen through the engine's hook: every primitive called
on a Tensor, with its inputs, its settings by name and its output.

A primitive's settings are exactly what an exporter needs (a reshape's shape, a convolution's
geometry), and the engine hands them to its hooks, so nothing is stored on the tape's nodes
and an op pays nothing for tracing when no tracer is active. Tracing with dynamic axes runs the
forward a second time with those axes one longer (two, three, ... for further named axes):
an output dimension that changed between the runs is dynamic, and a setting that changed
depends on a dynamic size.
"""
import inspect

import numpy as np

from .. import engine
from ..grad_mode import no_grad


class ExportError(RuntimeError):
    """The model cannot be exported as it is: the message names the op and why."""


class Call:
    """One op call: `name`, `inputs` (Tensors, arrays, numbers or None, in the op's order),
    `settings` by name (defaults filled in), `out` (the output Tensor), `index` (its position
    in the trace). `twin`: the same call in the run with longer dynamic axes (the call itself
    without dynamic axes), `varies`: the settings that differed there."""
    __slots__ = ("name", "inputs", "settings", "out", "varies", "twin", "index")

    def __init__(self, name, inputs, settings, out, index):
        self.name, self.inputs, self.settings, self.out, self.index = (name, inputs, settings,
                                                                       out, index)
        self.varies = set()
        self.twin = self

    def __getitem__(self, setting):
        """A setting that must not depend on a dynamic axis's size."""
        if setting in self.varies:
            raise ExportError(f"{self.name}: its setting {setting}={self.settings[setting]!r} "
                              "depends on the size of a dynamic axis, which ONNX cannot express "
                              "for this op; export without dynamic_axes, or compute it without "
                              "reading the input's shape")
        return self.settings[setting]


def _settings(name, args, static, kwargs):
    """The settings of a call of primitive `name` by parameter name, defaults filled in."""
    sig = inspect.signature(engine.PRIMITIVES[name].__wrapped__)
    params = list(sig.parameters.values())
    n = 1 if params and params[0].kind is params[0].VAR_POSITIONAL else len(args)
    names = [p.name for p in params[n:n + len(static)]]
    bound = sig.bind_partial(**dict(zip(names, static)), **kwargs)
    bound.apply_defaults()
    inputs = {p.name for p in params[:n]}
    return {k: v for k, v in bound.arguments.items() if k not in inputs}


class _Tracer:
    """An engine hook that records every op call that returns a Tensor."""

    def __init__(self):
        self.calls = []

    def forward(self, name, fwd_seconds, op_seconds, out, call):
        if isinstance(out, engine.Tensor):
            args, static, kwargs = call
            self.calls.append(Call(name, list(args), _settings(name, args, static, kwargs), out,
                                   len(self.calls)))

    def before_vjp(self):
        pass

    def after_vjp(self, node, seconds):
        pass

    def check_vjp(self, node, gx):
        pass

    def backward(self, seconds):
        pass


def run(model, inputs):
    """The calls of one forward pass of `model` on `inputs` (a tuple of Tensors), with
    recording off, and the outputs."""
    tracer = _Tracer()
    engine.add_hook(tracer)
    try:
        with no_grad():
            out = model(*inputs)
    finally:
        engine.remove_hook(tracer)
    return tracer.calls, out


def longer(inputs, axes):
    """`inputs` with each dynamic axis grown: axes maps (input position, axis) to its growth.
    The new entries repeat the first ones (valid tokens stay valid)."""
    grown = []
    for i, x in enumerate(inputs):
        a = x._data
        for (j, axis), n in axes.items():
            if j == i:
                a = np.concatenate([a, np.take(a, np.arange(n) % a.shape[axis], axis)], axis)
        grown.append(engine.Tensor._wrap(a))
    return tuple(grown)


def same(a, b):
    """Whether two settings are equal (arrays by value, containers item by item)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and np.array_equal(a, b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, engine.Tensor) or isinstance(b, engine.Tensor):
        return same(getattr(a, "_data", a), getattr(b, "_data", b))
    return type(a) is type(b) and a == b


def compare(calls, other):
    """Mark in `calls` the settings that differ in `other`, the same forward pass with longer
    dynamic axes; the op sequences must agree."""
    if [c.name for c in calls] != [c.name for c in other]:
        at = next((i for i, (a, b) in enumerate(zip(calls, other)) if a.name != b.name),
                  min(len(calls), len(other)))
        raise ExportError(
            f"the forward pass ran different ops when the dynamic axes were longer (op #{at}: "
            f"{calls[at].name if at < len(calls) else 'end'} vs "
            f"{other[at].name if at < len(other) else 'end'}): its control flow depends on "
            "their sizes; export without dynamic_axes")
    for a, b in zip(calls, other):
        a.twin = b
        a.varies = {k for k in a.settings if not same(a.settings[k], b.settings[k])}


def needed(calls, outputs):
    """The calls that the Tensors `outputs` depend on, in order."""
    wanted, kept = {id(t) for t in outputs}, []
    for call in reversed(calls):
        if id(call.out) in wanted or id(call.out._data) in wanted:
            kept.append(call)
            for x in call.inputs + list(call.settings.values()):
                wanted.add(id(x))
                wanted.add(id(getattr(x, "_data", None)))
    return kept[::-1]
