"""The layers import one way. The layer table is the ``ruff.toml`` of each layer's folder: what the
layer may not import, which ruff refuses (TID251, in ``make lint``) wherever an import stands. These
tests read that table: it points one way, ruff applies each row to every spelling of an import,
and no line opts out. And what ruff cannot say: the program is a wiring diagram, the package ships
the library alone, no tool imports itself back, no module of the stack or the tools is over 500
lines."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ..conftest import PROJECT_DIR

RUFF = Path(sys.executable).with_name("ruff")
"""The project environment's ruff, the one ``make lint`` runs."""


def layer_table() -> dict[str, set[str]]:
    """Each layer with a ``ruff.toml`` (a dotted package name), and the modules that it bans."""
    table = {}
    for config in sorted([*PROJECT_DIR.glob("*/ruff.toml"), *PROJECT_DIR.glob("*/*/ruff.toml")]):
        layer = ".".join(config.parent.relative_to(PROJECT_DIR).parts)
        if not layer.startswith("."):
            settings = tomllib.loads(config.read_text())
            assert settings["extend"] == "../" * (layer.count(".") + 1) + "pyproject.toml", config
            table[layer] = set(settings["lint"]["flake8-tidy-imports"]["banned-api"])
    return table


TABLE = layer_table()
LAYERS = {*TABLE, "tests"}
"""Every layer of the project; the tests may import them all."""


def banned(layer: str, module: str) -> bool:
    """Whether ``layer``'s row bans ``module`` (a ban covers the modules below it)."""
    return any(module == b or module.startswith(b + ".") for b in TABLE.get(layer, set()))


def refused(path: str, source: str) -> dict[int, str]:
    """What ruff refuses in ``source`` as if it were the file ``path`` of the project: line ->
    the banned module it names."""
    found = subprocess.run([str(RUFF), "check", "--select", "TID251", "--output-format", "json",
                            "--stdin-filename", path, "-"], input=source, capture_output=True,
                           text=True, cwd=PROJECT_DIR)
    assert found.returncode in (0, 1), found.stderr  # 1: something was refused
    return {d["location"]["row"]: d["message"].split("`")[1] for d in json.loads(found.stdout)}


def test_the_table_points_one_way() -> None:
    may_import = {layer: {other for other in LAYERS - {layer} if not banned(layer, other)}
                  for layer in LAYERS}
    assert cycle(may_import) == []
    assert may_import["components"] == set()  # what other teams install
    assert may_import["stack"] == {"components"}  # what every pulumi up loads: no testing kit
    assert may_import["policy"] == set()  # the pack runs in its own environment


@pytest.mark.parametrize("layer", sorted(TABLE))
def test_ruff_refuses_what_the_table_bans_and_nothing_else(layer: str) -> None:
    others = sorted(LAYERS - {layer})
    found = refused(f"{layer.replace('.', '/')}/layer_check.py",
                    "".join(f"import {module}\n" for module in others))
    assert {others[row - 1] for row in found} == {m for m in others if banned(layer, m)}


SPELLINGS: dict[str, list[tuple[str, str | None]]] = {
    "stack/config/source.py": [  # what stack/settings.py did: the testing kit on every pulumi up
        ("from components.testing.runner import read_yaml", "components.testing"),
        ("import components.testing.mocks", "components.testing"),
        ("from components.testing import run_stack", "components.testing"),
        ("from components import testing", "components.testing"),
        ("def f(): from offline import plan", "offline")],
    "components/data.py": [("from .testing.mocks import X", "components.testing"),
                           ("from . import testing", "components.testing"),
                           ("from .access import Grant", None),
                           ("import tests.conftest", "tests")],
    "components/testing/runner.py": [("from ..stackfile import read_yaml", None),
                                     ("from . import mocks", None),
                                     ("from stack.config import ConfigError", "stack")],
}
"""Imports as a module of the project could write them, each with the ban ruff should name
(None: allowed); ruff resolves relative ones against the module's package."""


@pytest.mark.parametrize("path", sorted(SPELLINGS))
def test_ruff_sees_every_spelling_of_an_import(path: str) -> None:
    spellings = SPELLINGS[path]
    found = refused(path, "".join(f"{line}\n" for line, _ in spellings))
    assert found == {row: ban for row, (_, ban) in enumerate(spellings, 1) if ban}


def test_no_line_opts_out_of_the_table() -> None:
    lint = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert {"TID251", "PGH004"} <= set(lint["select"])  # PGH004: no noqa without its codes
    sources = [p for layer in TABLE for p in (PROJECT_DIR / layer.replace(".", "/")).rglob("*.py")]
    opting_out = [str(p.relative_to(PROJECT_DIR)) for p in sources
                  if re.search(r"noqa:[^\n]*TID251", p.read_text())]
    assert opting_out == []


def test_the_program_is_a_wiring_diagram() -> None:
    program = (PROJECT_DIR / "__main__.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(program)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported & LAYERS == {"stack"}
    assert len(program.splitlines()) <= 25


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


def test_the_package_is_the_library_and_its_testing_kit() -> None:
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "components", "components.*"]
    assert {p.name for p in (PROJECT_DIR / "components").iterdir() if (p / "__init__.py").exists()
            } == {"azure", "testing"}
    assert {d.split(">")[0].split("=")[0] for d in project["project"]["dependencies"]} == {
        "pulumi", "pulumi-azure-native", "pulumi-kubernetes", "azure-identity",
        "azure-storage-blob", "pydantic"}
