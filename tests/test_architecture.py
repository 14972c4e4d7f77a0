"""The shape of the package, read from its source with `ast`: no import cycle, small modules, and
nothing below the CLI that imports click or rich or prints.

The package is found through `ivr_prompts.__file__`, so against an installed wheel these tests read
the installed files.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import ivr_prompts

PACKAGE = "ivr_prompts"
MAX_LINES = 400
# Above the library: the only modules that may speak to the terminal.
CLI_MODULES = ("ivr_prompts.cli", "ivr_prompts.__main__")
TERMINAL_LIBRARIES = ("click", "rich")


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module


@dataclass(frozen=True)
class Edge:
    target: str
    line: int


def read_modules(root: Path, package: str = PACKAGE) -> dict[str, Module]:
    """Every module of the package under `root`, keyed by dotted name."""
    modules: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        name = ".".join([package, *parts])
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        modules[name] = Module(name, path, is_package, tree)
    return modules


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    """The dotted name a `from ... import` statement starts from."""
    if node.level == 0:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: Module) -> Iterator[tuple[str, int]]:
    """Every module name this one imports: top level, in functions, under TYPE_CHECKING."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            start = _absolute(module, node)
            yield start, node.lineno
            for alias in node.names:
                yield f"{start}.{alias.name}", node.lineno


def import_graph(modules: Mapping[str, Module]) -> dict[str, list[Edge]]:
    """Internal imports only: module -> the modules of ours it imports (with the line)."""
    graph: dict[str, list[Edge]] = {}
    for name, module in modules.items():
        edges: dict[str, Edge] = {}
        for target, line in imports_of(module):
            # `from . import x` names a submodule when x is one; otherwise the package itself.
            if target in modules and target != name and target not in edges:
                edges[target] = Edge(target, line)
        # `from .pkg import sub` also yields `.pkg`: keep only the most specific module per line.
        specific = {e.target for e in edges.values()}
        graph[name] = [
            e
            for e in edges.values()
            if not any(
                other.startswith(e.target + ".") and edges[other].line == e.line
                for other in specific
            )
        ]
    return graph


def reachable(graph: Mapping[str, Sequence[Edge]], start: str) -> set[str]:
    """Every module `start` reaches through one or more imports."""
    seen: set[str] = set()
    queue = [e.target for e in graph.get(start, ())]
    while queue:
        node = queue.pop()
        if node not in seen:
            seen.add(node)
            queue.extend(e.target for e in graph.get(node, ()))
    return seen


def shortest_path(graph: Mapping[str, Sequence[Edge]], start: str, goal: str) -> list[str]:
    """The fewest imports from `start` to `goal` (breadth first); [] when there is no path."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for edge in graph.get(node, ()):
            if edge.target == goal:
                return [*paths[node], goal]
            if edge.target not in paths:
                paths[edge.target] = [*paths[node], edge.target]
                queue.append(edge.target)
    return []


def find_cycles(graph: Mapping[str, Sequence[Edge]]) -> list[list[str]]:
    """One shortest cycle per group of modules that import each other, from the group's first."""
    reach = {node: reachable(graph, node) for node in graph}
    cycles: list[list[str]] = []
    done: set[str] = set()
    for node in sorted(graph):
        if node in done or node not in reach[node]:
            continue
        group = {other for other in reach[node] if node in reach[other]}
        done |= group
        cycles.append(shortest_path(graph, node, node))
    return cycles


def describe(cycle: Sequence[str], graph: Mapping[str, Sequence[Edge]]) -> str:
    """`a (line 3) -> b (line 9) -> a`: each step names the line of the import."""
    steps = []
    for here, there in itertools.pairwise(cycle):
        line = next(e.line for e in graph[here] if e.target == there)
        steps.append(f"{here} (line {line})")
    return " -> ".join([*steps, cycle[-1]])


def is_cli(name: str) -> bool:
    return any(name == cli or name.startswith(cli + ".") for cli in CLI_MODULES)


def terminal_imports(module: Module) -> list[str]:
    """`click`/`rich` imports of a module, as `name (line N)`, in line order."""
    found = {
        (line, target.split(".")[0])
        for target, line in imports_of(module)
        if target.split(".")[0] in TERMINAL_LIBRARIES
    }
    return [f"{library} (line {line})" for line, library in sorted(found)]


def prints(module: Module) -> list[int]:
    """Lines that call print() or write to sys.stdout/sys.stderr."""
    lines = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "print":
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("stdout", "stderr")
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            lines.append(node.lineno)
    return sorted(lines)


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return read_modules(Path(ivr_prompts.__file__).parent)


# -- the package ---------------------------------------------------------------------------------


def test_import_graph_of_package_has_no_cycle(modules: dict[str, Module]) -> None:
    graph = import_graph(modules)
    cycles = [describe(cycle, graph) for cycle in find_cycles(graph)]
    assert not cycles, "import cycles (local and TYPE_CHECKING imports count):\n" + "\n".join(
        cycles
    )


def test_modules_of_package_stay_under_line_limit(modules: dict[str, Module]) -> None:
    sizes = {
        name: len(module.path.read_text(encoding="utf-8").splitlines())
        for name, module in modules.items()
    }
    over = [f"{name}: {n} lines" for name, n in sorted(sizes.items()) if n > MAX_LINES]
    assert not over, f"modules over {MAX_LINES} lines:\n" + "\n".join(over)


def test_library_below_cli_imports_no_click_or_rich(modules: dict[str, Module]) -> None:
    offenders = [
        f"{name}: imports {', '.join(found)}"
        for name, module in sorted(modules.items())
        if not is_cli(name) and (found := terminal_imports(module))
    ]
    assert not offenders, "only the CLI may import click or rich:\n" + "\n".join(offenders)


# Modules that touch sys.stderr without printing, and why.
QUIET_STDERR = {
    # Wraps its worker processes' stderr so that a worker of a killed build says nothing.
    "ivr_prompts.engines.pool": 1,
}


def test_library_below_cli_never_prints(modules: dict[str, Module]) -> None:
    offenders = [
        f"{name}: print()/sys.stdout/sys.stderr on line(s) {', '.join(map(str, lines))}"
        for name, module in sorted(modules.items())
        if not is_cli(name)
        and (lines := prints(module))
        and len(set(lines)) != QUIET_STDERR.get(name)
    ]
    assert not offenders, "only the CLI may print; the library logs:\n" + "\n".join(offenders)


def test_package_modules_found_include_cli_and_subpackages(modules: dict[str, Module]) -> None:
    # Guards the guards: an empty or flat scan would make every test above pass.
    assert "ivr_prompts" in modules
    assert "ivr_prompts.cli" in modules
    assert any(name.count(".") >= 2 for name in modules)


# -- the checks themselves, on a package written for the purpose --------------------------------


def write_package(root: Path, files: Mapping[str, str]) -> dict[str, Module]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return read_modules(root)


def test_find_cycles_hidden_imports_reports_each_module_and_line(tmp_path: Path) -> None:
    modules = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from .sub import b\n",
            "sub/__init__.py": "",
            "sub/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import c\n"
            ),
            "c.py": "def f() -> None:\n    from ivr_prompts.a import x\n",
            "d.py": "from . import c\n",
        },
    )
    graph = import_graph(modules)

    cycles = find_cycles(graph)

    assert cycles == [["ivr_prompts.a", "ivr_prompts.sub.b", "ivr_prompts.c", "ivr_prompts.a"]]
    assert describe(cycles[0], graph) == (
        "ivr_prompts.a (line 1) -> ivr_prompts.sub.b (line 3) -> ivr_prompts.c (line 2)"
        " -> ivr_prompts.a"
    )


def test_import_graph_relative_levels_resolve_to_modules(tmp_path: Path) -> None:
    modules = write_package(
        tmp_path,
        {
            "__init__.py": "from . import a\n",
            "a.py": "import json\nfrom .sub.b import thing\n",
            "sub/__init__.py": "from .b import thing\n",
            "sub/b.py": "from ..a import y\nfrom . import c\n",
            "sub/c.py": "",
        },
    )

    graph = {name: sorted(e.target for e in edges) for name, edges in import_graph(modules).items()}

    assert graph == {
        "ivr_prompts": ["ivr_prompts.a"],
        "ivr_prompts.a": ["ivr_prompts.sub.b"],
        "ivr_prompts.sub": ["ivr_prompts.sub.b"],
        "ivr_prompts.sub.b": ["ivr_prompts.a", "ivr_prompts.sub.c"],
        "ivr_prompts.sub.c": [],
    }
    assert find_cycles(import_graph(modules)) == [
        ["ivr_prompts.a", "ivr_prompts.sub.b", "ivr_prompts.a"]
    ]


def test_terminal_checks_library_module_names_imports_and_print_lines(tmp_path: Path) -> None:
    modules = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "cli.py": "import click\nprint('ok')\n",
            "lib.py": (
                "import sys\nfrom rich.progress import Progress\n"
                "def f() -> None:\n    import click\n    print('x')\n    sys.stderr.write('y')\n"
            ),
        },
    )

    assert terminal_imports(modules["ivr_prompts.lib"]) == ["rich (line 2)", "click (line 4)"]
    assert prints(modules["ivr_prompts.lib"]) == [5, 6]
    assert is_cli("ivr_prompts.cli")
    assert not is_cli("ivr_prompts.client")
