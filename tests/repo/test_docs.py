"""The docs show what the code does: the generated pages are current, the configuration reference
has every key of the stack file, the API reference every module of the library, and the outputs
reference every output the stacks export."""

from __future__ import annotations

import re
from typing import Any

from components.testing.runner import StackRun
from offline.docs import PARTS, Sources, rendered
from offline.project import Project
from stack.outputs import OUTPUTS
from stack.schema import stack_file_schema

from ..conftest import PACK, PROJECT_DIR

DOCS = PROJECT_DIR / "docs"


def test_every_generated_part_is_current(dev: StackRun) -> None:
    sources = Sources(Project(PROJECT_DIR, PACK), dev)
    for path, text in rendered(sources).items():
        assert path.read_text() == text, (
            f"{path.relative_to(PROJECT_DIR)} is stale: run python -m offline.docs --write")
    assert {part.name for part in PARTS} >= {"config-reference", "outputs", "exit-codes",
                                             "policies", "access-diagram", "deployer",
                                             "day2-rules"}


def schema_keys(node: dict[str, Any], defs: dict[str, Any], path: str = "") -> set[str]:
    """Every key of a JSON Schema, as a path: ``kubernetes.tls.cname``,
    ``computeClusters[].name``."""
    if "$ref" in node:
        return schema_keys(defs[node["$ref"].rsplit("/", 1)[1]], defs, path)
    found = set()
    for alternative in node.get("anyOf", []):
        found |= schema_keys(alternative, defs, path)
    if "items" in node:
        found |= schema_keys(node["items"], defs, path + "[]")
    for key, value in node.get("properties", {}).items():
        inner = f"{path}.{key}".lstrip(".")
        found |= {inner} | schema_keys(value, defs, inner)
    return found


def reference_keys(markdown: str) -> set[str]:
    """Every key the configuration reference has a row for, as a path."""
    found: set[str] = set()
    section = ""
    for line in markdown.splitlines():
        if heading := re.fullmatch(r"### `(.+)`", line):
            section = heading.group(1)
        elif row := re.match(r"\| `(\w+)` \|", line):
            found.add(f"{section}.{row.group(1)}".lstrip("."))
    return found


def test_the_configuration_reference_has_every_key_of_the_stack_file_schema() -> None:
    schema = stack_file_schema("ml-platform")
    config = schema["properties"]["config"]
    keys = {k.removeprefix("ml-platform:") for k in schema_keys(config, schema["$defs"])}
    secure = {k for k in keys if k.endswith(".secure")}  # Pulumi's {secure: <cipher>}: a secret
    assert secure == {"kubernetes.tls.certificate.secure", "kubernetes.tls.key.secure"}
    page = (DOCS / "reference" / "configuration.md").read_text()
    assert keys - secure == reference_keys(page)
    assert "{secure: <cipher>}" in page


def test_the_api_reference_documents_every_module_of_the_library() -> None:
    modules = {".".join(p.relative_to(PROJECT_DIR).with_suffix("").parts).removesuffix(".__init__")
               for p in (PROJECT_DIR / "components").rglob("*.py")}
    documented = {m for page in (DOCS / "reference" / "api").glob("*.md")
                  for m in re.findall(r"^::: (\S+)$", page.read_text(), re.M)}
    assert modules == documented


def test_the_outputs_reference_is_every_output_the_stacks_export(
        everything: StackRun, aks: StackRun, dev: StackRun) -> None:
    exported = set(everything.outputs) | set(aks.outputs) | set(dev.outputs)
    assert exported == set(OUTPUTS)
    assert "automation" not in dev.outputs  # only with automationCredentials, as it says
