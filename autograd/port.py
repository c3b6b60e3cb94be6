"""Port a PyTorch program: rewrite its imports, and nothing else (docs/porting.md).

    python -m autograd.port train.py -o train_tapegrad.py    # the rewritten program
    python -m autograd.port train.py --check                  # what it uses that tapegrad lacks

The rule: a module path torch.nn[.X] becomes nn[.X], torch.optim[.X] becomes optim[.X], any
other torch[.A.B] becomes autograd[.A.B]; a name keeps its binding (`import torch` becomes
`import autograd as torch`), so the code below the imports, `torch.cat(...)`,
`torch.nn.Linear`, `torch.float32`, runs unchanged. Other imports are left as they are.
"""
import argparse
import ast
import importlib
import sys

from .aliases import remap

TOP = {"torch.nn": "nn", "torch.optim": "optim", "torch": "autograd"}    # first match wins


def module_path(name):
    """The tapegrad module for the module path `name`, or None if it is not torch's."""
    return remap(name, TOP)


def _import_text(node):
    """The rewritten text of an `import ...` statement (None if it imports nothing of torch)."""
    parts, extra = [], []
    for alias in node.names:
        target = module_path(alias.name)
        if target is None:
            parts.append(alias.name + (f" as {alias.asname}" if alias.asname else ""))
        elif alias.asname:
            parts.append(target if alias.asname == target else f"{target} as {alias.asname}")
        elif alias.name == "torch":
            parts.append("autograd as torch")
        else:             # `import torch.a.b` binds torch, with torch.a.b loaded
            parts.append("autograd as torch")
            extra.append(f"import autograd{alias.name[len('torch'):]}")
    if all(module_path(a.name) is None for a in node.names):
        return None
    return "; ".join([f"import {', '.join(parts)}"] + extra)


def _from_text(node, source):
    """The rewritten text of a `from torch... import ...` statement: only the module changes."""
    target = module_path(node.module or "") if node.level == 0 else None
    if target is None:
        return None
    text = ast.get_source_segment(source, node)
    at = text.index(node.module, len("from"))
    return text[:at] + target + text[at + len(node.module):]


def port(source):
    """The program `source` with its torch imports rewritten."""
    tree = ast.parse(source)
    edits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            text = _import_text(node)
        elif isinstance(node, ast.ImportFrom):
            text = _from_text(node, source)
        else:
            continue
        if text is not None:
            edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,
                          text))
    lines = source.splitlines(keepends=True)
    for start, col, end, end_col, text in sorted(edits, reverse=True):
        head, tail = lines[start - 1][:col], lines[end - 1][end_col:]
        lines[start - 1:end] = [head + text + tail]
    return "".join(lines)


def _resolve(path):
    """The object a dotted tapegrad path names, or None."""
    parts = path.split(".")
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return None
    for i, part in enumerate(parts[1:], 1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(".".join(parts[:i + 1]))
        except ImportError:
            return None
    return obj


def check(source):
    """[(line, name)]: the torch modules and names the program uses that tapegrad lacks: its
    imports, and every attribute chain on a name bound to a torch module (torch.X.Y)."""
    tree = ast.parse(source)
    missing, bound = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                target = module_path(a.name)
                if target is None:
                    if a.name.split(".")[0].startswith("torch"):     # torchvision, ...
                        missing.append((node.lineno, a.name))
                    continue
                if _resolve(target) is None:
                    missing.append((node.lineno, a.name))
                bound[a.asname or a.name.split(".")[0]] = (a.name if a.asname else "torch")
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            target = module_path(node.module or "")
            if target is None:
                if (node.module or "").split(".")[0].startswith("torch"):
                    missing.append((node.lineno, node.module))
                continue
            for a in node.names:
                if a.name != "*" and _resolve(f"{target}.{a.name}") is None:
                    missing.append((node.lineno, f"{node.module}.{a.name}"))
                elif a.name != "*":
                    bound[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in ast.walk(tree):
        chain = _chain(node)
        if chain and chain[0] in bound and len(chain) > 1:
            name = ".".join([bound[chain[0]]] + chain[1:])
            if _resolve(module_path(name)) is None:
                missing.append((node.lineno, name))
    missing = set(missing)          # torch.linalg, not also torch.linalg.inv
    return sorted((line, name) for line, name in missing
                  if not any(name.startswith(other + ".") for _, other in missing))


def _chain(node):
    """['torch', 'nn', 'Linear'] for the outermost attribute chain torch.nn.Linear."""
    if not isinstance(node, ast.Attribute):
        return None
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id] + names[::-1]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m autograd.port", description=__doc__.split(
        "\n\n")[0])
    p.add_argument("file", help="the PyTorch program")
    p.add_argument("-o", "--output", help="write the ported program here (default: stdout)")
    p.add_argument("--check", action="store_true",
                   help="list the torch modules and names that tapegrad does not have")
    args = p.parse_args(argv)
    with open(args.file, encoding="utf-8") as f:
        source = f.read()
    if args.check:
        missing = check(source)
        for line, name in missing:
            print(f"{args.file}:{line}: {name} has no tapegrad counterpart")
        if not missing:
            print(f"{args.file}: every torch name it uses exists in tapegrad")
        return 1 if missing else 0
    ported = port(source)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(ported)
    else:
        sys.stdout.write(ported)
    return 0


if __name__ == "__main__":
    sys.exit(main())
