"""The layers import one way: the library imports neither the stack nor the tools; the stack does
not import the tools; the package ships the library alone."""

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
