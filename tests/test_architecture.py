"""The package's layering, read from its import statements (``ast``): no import cycles, nothing
imports upward, no private name crosses a module boundary, imports at the top of files."""
from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "minitorch_nn"

# Lowest first. A module may import from its own rank or below, never above.
RANKS = [
    ("kernels", "checks", "random", "serialization"),
    ("parameter", "functional"),
    ("module", "init"),
    ("layers", "losses", "optim", "data", "utils", "gradcheck", "summary"),
    ("models", "distributed"),
    ("training", "plot"),
    ("run",),
]
RANK = {top: rank for rank, tops in enumerate(RANKS) for top in tops}
# Imports that may stay inside a function: optional dependencies, loaded only when used.
OPTIONAL = {"torch", "mpi4py", "threadpoolctl", "matplotlib", "tomli"}


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> dict[str, pathlib.Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: pathlib.Path):
    """``(imported module, imported names, line, at top level)`` for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    in_functions = {id(inner) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                    for inner in ast.walk(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno, id(node) not in in_functions
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            yield target, [alias.name for alias in node.names], node.lineno, id(node) not in in_functions


def internal_edges() -> dict[str, set[str]]:
    """Module → the package modules it imports (``from . import x`` counts as importing ``x``)."""
    files = source_files()
    edges: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        for target, names, _, _ in imports_of(name, path):
            if not target or not target.startswith("minitorch_nn"):
                continue
            for imported in names or [None]:
                full = f"{target}.{imported}" if imported else target
                edges[name].add(full if full in files else target)
    return edges


def top_package(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_top_level_module_has_a_rank():
    tops = {top_package(name) for name in source_files()} - {None}
    assert tops <= set(RANK), f"give these a rank in RANKS: {sorted(tops - set(RANK))}"


def test_nothing_imports_upward():
    upward = []
    for name, targets in internal_edges().items():
        source = top_package(name)
        if source is None:  # minitorch_nn/__init__.py re-exports everything
            continue
        for target in targets:
            destination = top_package(target)
            if destination is not None and destination != source and RANK[destination] > RANK[source]:
                upward.append(f"{name} imports {target} ({source}: rank {RANK[source]} < {destination}: "
                              f"rank {RANK[destination]})")
    assert not upward, "imports that point up the layering:\n" + "\n".join(upward)


def test_no_import_cycles():
    edges = internal_edges()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if target == node or target not in edges:
                continue
            if state.get(target) == 1:
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif state.get(target) is None:
                visit(target, path + [target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    # A package's __init__ importing its own submodules is how packages work, not a cycle.
    real = [c for c in cycles if not all(part.startswith(c.split(" -> ")[0]) for part in c.split(" -> "))]
    assert not real, "import cycles:\n" + "\n".join(real)


def test_no_private_name_is_imported_across_modules():
    crossings = []
    for name, path in source_files().items():
        for target, names, line, _ in imports_of(name, path):
            if target and target.startswith("minitorch_nn"):
                for imported in names:
                    if imported.startswith("_") and not imported.startswith("__"):
                        crossings.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {imported} from {target}")
    assert not crossings, "\n".join(crossings)


def test_imports_are_at_the_top_of_files():
    inside = []
    for name, path in source_files().items():
        for target, _, line, at_top in imports_of(name, path):
            if not at_top and (target or "").split(".")[0] not in OPTIONAL:
                inside.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} inside a function")
    assert not inside, "\n".join(inside)


@pytest.mark.parametrize("source, target, allowed", [
    ("minitorch_nn.layers.conv", "minitorch_nn.kernels.im2col", True),
    ("minitorch_nn.kernels.im2col", "minitorch_nn.layers.conv", False),
    ("minitorch_nn.training.trainer", "minitorch_nn.run.config", False),
])
def test_the_rank_rule_itself(source, target, allowed):
    assert (RANK[top_package(target)] <= RANK[top_package(source)]) == allowed
