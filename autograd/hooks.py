"""Tensor hooks, as PyTorch's: `t.register_hook(hook)` calls hook(grad) when the gradient
with respect to t has been summed up during a backward pass (before it flows on, or before
it lands in a leaf's .grad); a returned Tensor replaces that gradient. `t.retain_grad()`
keeps a non-leaf's gradient in its .grad. `t.register_post_accumulate_grad_hook(hook)` calls
hook(t) on a leaf once its gradient of a backward pass is in t.grad, during that pass (as soon
as no VJP left to run contributes to it: what lets DistributedDataParallel start reducing
gradients while backward goes on). Hooks of a non-leaf live on the node that made it
(node.hooks); those of leaves in a registry here keyed by id and emptied as they die, so
nothing is paid without hooks.
"""
import itertools
import weakref

import numpy as np

leaf_hooks = {}          # id(leaf Tensor) -> (weak reference to it, {handle id: hook})
post_hooks = {}          # the same for post-accumulate-grad hooks


def _of(registry, t):
    entry = registry.get(id(t))
    return entry[1] if entry is not None and entry[0]() is t else None


def hooks_of_leaf(t):
    """The gradient hooks registered on the leaf t, or None."""
    return _of(leaf_hooks, t)


def post_hooks_of(t):
    """The post-accumulate-grad hooks registered on the leaf t, or None."""
    return _of(post_hooks, t)


def _leaf_entry(t, registry=leaf_hooks):
    key = id(t)
    if _of(registry, t) is None:               # (an entry for a dead tensor is replaced)
        registry[key] = (weakref.ref(t, lambda _: registry.pop(key, None)), {})
    return registry[key][1]


class RemovableHandle:
    """Returned by the register_*hook functions; `remove()` unregisters the hook."""
    _ids = itertools.count()

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_hook(t, hook):
    if not t.requires_grad:
        raise RuntimeError(f"register_hook: cannot register a hook on a tensor that doesn't "
                           f"require gradient (shape {t.shape})")
    if t._node is None:
        hooks = _leaf_entry(t)
    else:
        if t._node.hooks is None:
            t._node.hooks = {}
        hooks = t._node.hooks
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def register_post_accumulate_grad_hook(t, hook):
    if t._node is not None or not t.requires_grad:
        raise RuntimeError(f"register_post_accumulate_grad_hook: post accumulate grad hooks "
                           f"can only be registered on leaf tensors that require grad (shape "
                           f"{t.shape})")
    hooks = _leaf_entry(t, post_hooks)
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def retain_grad(t):
    """Accumulate t's gradient into t.grad (a leaf's already is)."""
    if not t.requires_grad:
        raise RuntimeError(f"retain_grad: can't retain_grad on a tensor that doesn't require "
                           f"gradient (shape {t.shape})")
    if t._node is None:
        return
    ref = weakref.ref(t)                     # the node must not keep its output alive

    def keep(g):
        owner = ref()
        if owner is not None:
            g = type(owner)._wrap(np.array(g._data))
            owner.grad = g if owner.grad is None else owner.grad + g
    register_hook(t, keep)


def run(hooks, g, create_graph, wrap):
    """Pass the gradient g (an array, or a Tensor under create_graph) through the hooks."""
    for hook in list(hooks.values()):
        out = hook(wrap(g) if isinstance(g, np.ndarray) else g)     # hooks always see Tensors
        if out is not None:
            if np.shape(out) != np.shape(g):
                raise RuntimeError(f"hook returned a gradient of shape {np.shape(out)} for one "
                                   f"of shape {np.shape(g)}")
            g = out if create_graph else np.asarray(out)
    return g
