"""Project and stack files read as the Pulumi CLI reads them: where they are, and what it refuses.

No resources: the stack program reads its own files with this on every run (so it refuses what
``pulumi up`` refuses before any resource), and so do the testing kit's runner and the tools.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


class StackFileError(ValueError):
    """A project or stack file the Pulumi CLI refuses: not YAML, or a key written twice; each
    problem with the file and its lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, in C where libyaml is installed (the program reads its files on every
run)."""


def parse_yaml(text: str, name: str) -> Any:
    """``text``, the content of file ``name``, as YAML; :class:`StackFileError` where it is not
    YAML or where a mapping, at any depth, has a key twice.

    PyYAML keeps the last of two equal keys without a word; the Pulumi CLI reads project and
    stack files with gopkg.in/yaml.v3, whose decoder refuses them ("mapping key ... already
    defined at line ..."; yaml.v3 decode.go ``mapping``, uniqueKeys; pulumi/pulumi
    sdk/go/common/encoding/marshal.go), so a tool that took the last block would describe a
    stack ``pulumi up`` never deploys.
    """
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        problems = [f"{name} {where}" for where in _repeated_keys(node)] if node else []
        if problems:
            raise StackFileError(problems)
        return loader.construct_document(node) if node else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or error
        raise StackFileError([f"{name}{where}: not YAML ({problem})"]) from None
    finally:
        loader.dispose()


def _repeated_keys(root: yaml.Node) -> list[str]:
    """Each key a mapping under ``root`` has a second time, compared as yaml.v3 compares keys (the
    same scalar text), with its path and both lines, in the order of the file; a mapping that
    aliases repeat is checked once. Entries of the top-level ``config:`` block are named as
    config keys, as every config error names them."""
    found: list[tuple[int, str]] = []
    seen: set[int] = set()

    def walk(node: yaml.Node, path: str, label: str, top: bool = False) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{path}[{i}]", label)
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                text = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                inner, line = f"{path}.{text}" if path else text, key.start_mark.line + 1
                if text in first:
                    found.append((line, f"lines {first[text]} and {line}: {label} {inner} is "
                                        "written twice; keep one (the Pulumi CLI refuses the "
                                        "file)"))
                elif isinstance(key, yaml.ScalarNode):
                    first[text] = line
                if top and text == "config":
                    walk(value, "", "config key")
                else:
                    walk(value, inner, label)

    walk(root, "", "key", top=True)
    return [problem for _, problem in sorted(found)]


def read_yaml(path: Path) -> Any:
    """``path`` as YAML (:func:`parse_yaml`), or :class:`StackFileError` saying where it is not."""
    return parse_yaml(path.read_text(), path.name)


def project_file(project_dir: Path) -> dict[str, Any]:
    """The project's ``Pulumi.yaml``."""
    project: dict[str, Any] = read_yaml(project_dir / "Pulumi.yaml")
    return project


def stack_file_path(project_dir: Path, stack: str, project: Mapping[str, Any] | None = None
                    ) -> Path:
    """Where the Pulumi CLI reads ``stack``'s config: ``Pulumi.<stack>.yaml`` beside
    ``Pulumi.yaml``, or in the project's ``stackConfigDir`` (pulumi/pulumi
    sdk/go/common/workspace/paths.go ``ProjectStackPath``). ``project``: ``Pulumi.yaml`` if
    read already."""
    project = project_file(project_dir) if project is None else project
    return project_dir / str(project.get("stackConfigDir") or ".") / f"Pulumi.{stack}.yaml"

