"""The layers import one way: the library imports neither the stack nor the tools; the stack does
not import the tools; the package ships the library alone. Within the tools, no module imports
itself back through others, and none is over 500 lines."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from ..conftest import PROJECT_DIR

LAYERS = {"components": set(), "stack": {"components"}, "offline": {"components", "stack"},
          "benchmarks": {"components", "stack", "offline"}}
"""Each layer, and the project layers it may import."""


def imported(path: Path) -> set[str]:
    """Top-level names of the modules ``path`` imports (relative imports stay in the layer)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def module_name(root: Path, path: Path) -> str:
    """The dotted name of the module at ``path`` under ``root`` (a package: its directory)."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Each module of ``package`` under ``root``, and the modules of ``package`` it imports,
    wherever the import statement stands: one inside a function closes a cycle as surely."""
    paths = {module_name(root, p): p for p in sorted((root / package).rglob("*.py"))}
    graph = {}
    for name, path in paths.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = here.rsplit(".", node.level - 1)[0] if node.level else ""
                base = ".".join(filter(None, (base, node.module)))
                found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
        graph[name] = found & set(paths)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """A chain of imports that leads from a module back to it, or [] when there is none."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return [*path[path.index(name):], name]
        if name in done:
            return []
        for imported_ in sorted(graph[name]):
            found = visit(imported_, [*path, name])
            if found:
                return found
        done.add(name)
        return []
    return next(filter(None, (visit(name, []) for name in sorted(graph))), [])


def test_no_tool_imports_itself_back():
    found = cycle(import_graph(PROJECT_DIR, "offline"))
    assert not found, "import cycle: " + " -> ".join(found)


def test_an_import_cycle_is_found_even_through_an_import_in_a_function(tmp_path):
    package = tmp_path / "tool"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from .sub.b import B\n")
    (package / "sub" / "b.py").write_text("def f():\n    from .. import a\n")
    (package / "sub" / "c.py").write_text("import tool.a\n")
    graph = import_graph(tmp_path, "tool")
    assert graph["tool.sub.c"] == {"tool.a"}
    assert cycle(graph) == ["tool.a", "tool.sub.b", "tool.a"]
    (package / "sub" / "b.py").write_text("def f():\n    return 1\n")
    assert cycle(import_graph(tmp_path, "tool")) == []


def test_no_tool_module_is_over_500_lines():
    lines = {str(p.relative_to(PROJECT_DIR)): len(p.read_text().splitlines())
             for p in (PROJECT_DIR / "offline").rglob("*.py")}
    long = {path: n for path, n in sorted(lines.items()) if n > 500}
    assert not long, long


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_layer_imports_only_the_layers_below_it(layer):
    for path in sorted((PROJECT_DIR / layer).rglob("*.py")):
        forbidden = (imported(path) & set(LAYERS)) - LAYERS[layer] - {layer}
        assert not forbidden, f"{path.relative_to(PROJECT_DIR)} imports {forbidden}"


def test_the_program_is_a_wiring_diagram():
    program = (PROJECT_DIR / "__main__.py").read_text()
    assert imported(PROJECT_DIR / "__main__.py") & set(LAYERS) == {"stack"}
    assert len(program.splitlines()) <= 25


def test_the_package_is_the_library_and_its_testing_kit():
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "components", "components.*"]
    assert {p.name for p in (PROJECT_DIR / "components").iterdir() if (p / "__init__.py").exists()
            } == {"azure", "testing"}
    assert {d.split(">")[0].split("=")[0] for d in project["project"]["dependencies"]} == {
        "pulumi", "pulumi-azure-native", "pulumi-kubernetes", "azure-identity",
        "azure-storage-blob"}
