"""The layers import one way: the library imports neither its testing kit, the stack nor the
tools; the stack imports neither the testing kit nor the tools; the package ships the library
alone. Within the tools, no module imports itself back through others, and no module of the stack
or the tools is over 500 lines."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from ..conftest import PROJECT_DIR

LAYERS = {"components": set(), "components.testing": {"components"}, "stack": {"components"},
          "offline": {"components", "components.testing", "stack"},
          "benchmarks": {"components", "components.testing", "stack", "offline"}}
"""Each layer, and the project layers it may import: the stack runs on every ``pulumi up`` and
loads nothing of the testing kit (mocks, runner), nor does the library proper."""


def layer_of(module: str) -> str | None:
    """The layer module ``module`` (a dotted name) belongs to, or None outside the project."""
    found = [layer for layer in LAYERS if module == layer or module.startswith(layer + ".")]
    return max(found, key=len, default=None)


def module_of(path: Path) -> str:
    """The dotted name of the project module at ``path`` (a package's ``__init__`` kept, so its
    relative imports resolve inside it)."""
    return ".".join(path.relative_to(PROJECT_DIR).with_suffix("").parts)


def imported(source: str, module: str) -> set[str]:
    """The dotted names that module ``module`` (its text: ``source``) imports, relative imports
    resolved; ``from a import b`` names both ``a`` and ``a.b`` (``b`` may be a module)."""
    package = module.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            parent = ".".join([*base, *([node.module] if node.module else [])])
            names |= {parent, *(f"{parent}.{alias.name}" for alias in node.names)}
    return names


def layers_imported(source: str, module: str) -> set[str]:
    return {layer for name in imported(source, module) if (layer := layer_of(name))}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    for path in sorted(PROJECT_DIR.joinpath(*layer.split(".")).rglob("*.py")):
        module = module_of(path)
        if layer_of(module) != layer:
            continue  # a module of a layer inside this one: checked as that layer
        forbidden = layers_imported(path.read_text(), module) - LAYERS[layer] - {layer}
        assert not forbidden, f"{path.relative_to(PROJECT_DIR)} imports {forbidden}"


@pytest.mark.parametrize("source", [
    "from components.testing.runner import read_yaml", "import components.testing.mocks",
    "from components.testing import run_stack", "from components import testing"])
def test_the_layer_check_sees_the_testing_kit_imported_from_the_stack(source: str) -> None:
    # what stack/settings.py did (components.testing.runner on every pulumi up), in each spelling
    assert "components.testing" in layers_imported(source, "stack.config.source")


def test_the_layer_check_resolves_relative_imports() -> None:
    assert layers_imported("from .testing.mocks import X", "components.data") == {
        "components.testing"}
    assert layers_imported("from .access import Grant", "components.data") == {"components"}
    assert layers_imported("from ..stackfile import read_yaml", "components.testing.runner") == {
        "components"}
    assert layers_imported("from . import mocks", "components.testing.runner") == {
        "components.testing"}
    assert layers_imported("from .mocks import X", "components.testing.__init__") == {
        "components.testing"}


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


def test_no_tool_imports_itself_back() -> None:
    found = cycle(import_graph(PROJECT_DIR, "offline"))
    assert not found, "import cycle: " + " -> ".join(found)


def test_an_import_cycle_is_found_even_through_an_import_in_a_function(tmp_path: Path) -> None:
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


@pytest.mark.parametrize("layer", ["stack", "offline"])
def test_no_module_of_a_layer_is_over_500_lines(layer: str) -> None:
    long = {str(path.relative_to(PROJECT_DIR)): n for path in (PROJECT_DIR / layer).rglob("*.py")
            if (n := len(path.read_text().splitlines())) > 500}
    assert not long, f"split these by concern: {long}"


def test_the_program_is_a_wiring_diagram() -> None:
    program = (PROJECT_DIR / "__main__.py").read_text()
    assert layers_imported(program, "__main__") == {"stack"}
    assert len(program.splitlines()) <= 25


def test_the_package_is_the_library_and_its_testing_kit() -> None:
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "components", "components.*"]
    assert {p.name for p in (PROJECT_DIR / "components").iterdir() if (p / "__init__.py").exists()
            } == {"azure", "testing"}
    assert {d.split(">")[0].split("=")[0] for d in project["project"]["dependencies"]} == {
        "pulumi", "pulumi-azure-native", "pulumi-kubernetes", "azure-identity",
        "azure-storage-blob"}
