"""Every registered primitive has a row in the gradient table (gradcheck + gradgradcheck)."""
import importlib
import pathlib

import autograd as ag
import ops  # registers the primitives

HERE = pathlib.Path(__file__).parent


def _rows():
    rows = []
    for path in sorted(HERE.glob("test_*.py")):
        rows += getattr(importlib.import_module(path.stem), "GRAD_ROWS", [])
    return rows


def test_every_primitive_has_a_gradcheck_row():
    rows = _rows()
    covered = {r.op for r in rows}
    missing = sorted(set(ag.PRIMITIVES) - covered)
    assert not missing, f"primitives without a gradcheck row: {missing}"


def test_every_module_with_rows_runs_them():
    # a module's rows count only if one of its tests runs check() on each: parametrized over
    # GRAD_ROWS, or (rows that need special running, e.g. on 2 MPI ranks) the test it names
    # in GRAD_ROWS_RUN_BY
    for path in sorted(HERE.glob("test_*.py")):
        module = importlib.import_module(path.stem)
        if not getattr(module, "GRAD_ROWS", None):
            continue
        runner = getattr(module, "GRAD_ROWS_RUN_BY", None)
        if runner is None:
            assert 'parametrize("row", GRAD_ROWS' in path.read_text(), \
                f"{path.name} lists GRAD_ROWS but no test is parametrized over them"
        else:
            assert callable(getattr(module, runner.split("[")[0], None)), \
                f"{path.name}: GRAD_ROWS_RUN_BY names {runner!r}, which is not a test there"


def test_every_row_names_a_primitive():
    unknown = sorted({r.op for r in _rows()} - set(ag.PRIMITIVES))
    assert not unknown, f"rows name unknown primitives: {unknown}"


def test_every_primitive_has_a_double_backward_row():
    doubled = {r.op for r in _rows() if r.double}
    missing = sorted(set(ag.PRIMITIVES) - doubled)
    assert not missing, f"primitives without a gradgradcheck row: {missing}"


def test_no_ops_module_is_shadowed_by_an_op():
    # `from .norm import ...` once rebound ops.norm (the p-norm) to the module ops/norm.py
    import pkgutil
    clashes = [m.name for m in pkgutil.iter_modules(ops.__path__)
               if type(getattr(ops, m.name)).__name__ != "module"]
    assert not clashes, f"ops submodules whose name is also an op: {clashes}"


# adjoint primitives that only other primitives' VJPs call, and autograd's own
INTERNAL = {"conv2d_weight": "the weight adjoint of conv2d (torch.nn.grad.conv2d_weight)",
            "embedding_backward": "the adjoint of embedding",
            "pool_gather": "max pooling's gather at the argmax", "pool_scatter": "its adjoint",
            "roi_gather": "roi_pool's and roi_align's read of the input through a table",
            "roi_scatter": "its adjoint",
            "checkpoint": "autograd.checkpoint",
            "all_reduce": "autograd.distributed.nn.functional.all_reduce"}


def test_every_primitive_is_exported_from_ops():
    missing = sorted(n for n in ag.PRIMITIVES if not hasattr(ops, n) and n not in INTERNAL)
    assert not missing, f"primitives not exported from ops/__init__.py: {missing}"
