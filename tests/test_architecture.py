"""The package's layering: no import cycles, the layers' contracts hold, and only the CLI prints.

The contracts themselves live in pyproject.toml (``[tool.importlinter]``) and are run by ``lint-imports`` in CI;
these tests check the same graph from inside the test suite, and count cycles, which import-linter's layer
contracts do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "optimizer"


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("optimizer", include_external_packages=False, cache_dir=None)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. every import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.find_modules_directly_imported_by(v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return out


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_cycle_finder_sees_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "b", "c"):
        graph.add_module(name)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("optimizer.core", "optimizer.studies"),
        ("optimizer.core", "optimizer.sources"),
        ("optimizer.core", "optimizer.plots"),
        ("optimizer.core", "optimizer.report"),
        ("optimizer.plots", "optimizer.report"),
        ("optimizer.report", "optimizer.studies"),
        ("optimizer.report", "optimizer.sources"),
        ("optimizer.report", "optimizer.cli"),
        ("optimizer.core", "optimizer.cli"),
        ("optimizer.studies", "optimizer.cli"),
        ("optimizer.sources", "optimizer.cli"),
        ("optimizer.plots", "optimizer.cli"),
    ],
)
def test_lower_layers_never_import_upper_ones(lower: str, upper: str) -> None:
    graph = _graph()
    chains = graph.find_shortest_chains(importer=lower, imported=upper, as_packages=True)
    assert not chains, f"{lower} reaches {upper} through {sorted(chains)}"


def test_cli_commands_never_import_the_root_group() -> None:
    graph = _graph()
    for module in graph.find_children("optimizer.cli"):
        if module != "optimizer.cli.root":
            assert "optimizer.cli.root" not in graph.find_modules_directly_imported_by(module), module


def test_only_the_cli_prints() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                if any(n.split(".")[0] in ("rich", "click") for n in names):
                    offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {names}")
    assert offenders == []
