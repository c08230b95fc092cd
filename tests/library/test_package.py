"""The component package other Pulumi languages use: its schema and the YAML program users copy
(samples/consumer-yaml; what the package's host builds: test_provider_host.py)."""

from __future__ import annotations

import json
import re

import yaml

from components import package
from offline import package_args
from offline.schema import schema

from ..conftest import PROJECT_DIR

GOLDEN = PROJECT_DIR / "tests" / "golden" / "schema.json"


def test_the_schema_is_the_recorded_contract() -> None:
    # regenerate after a deliberate change: python -m offline.schema > tests/golden/schema.json
    assert schema() == json.loads(GOLDEN.read_text())


def test_the_argument_types_are_written_from_the_library_declarations() -> None:
    # python -m offline.package_args writes them from components/package_inputs.py
    assert package_args.PATH.read_text() == package_args.render()


def test_a_package_argument_says_what_the_library_allows_and_its_default() -> None:
    inputs = schema()["resources"]["mlplatform:index:ComputeCluster"]["inputProperties"]
    assert inputs["maxNodes"]["description"] == (
        "Nodes at most (at least min nodes). Allowed: a whole number from 1 to 1000. Default: 2.")
    assert "One of: Dedicated, LowPriority. Default: 'Dedicated'." in \
        inputs["vmPriority"]["description"]
    assert inputs["vmSize"]["type"] == "string"


def test_every_component_takes_references_as_ids_and_nothing_python() -> None:
    resources = schema()["resources"]
    assert set(resources) == {f"mlplatform:index:{c.__name__}" for c in package.COMPONENTS}
    for token, resource in resources.items():
        assert resource["isComponent"], token
        # Pulumi's own names: Construct leaves them out of the outputs (provider/server.py)
        assert not {"id", "urn"} & set(resource["properties"]), token
        for name, spec in resource["inputProperties"].items():
            assert "$ref" not in spec or spec.get("items", {}).get("$ref", "").startswith(
                "#/types/mlplatform:"), (token, name)
    endpoint = resources["mlplatform:index:OnlineEndpoint"]
    assert endpoint["requiredInputs"] == ["endpointName", "workspaceId"]
    assert endpoint["properties"]["scoringUri"]["type"] == "string"


YAML_PROGRAM = PROJECT_DIR / "samples" / "consumer-yaml" / "Pulumi.yaml"
"""The Pulumi YAML program the docs show (docs/guides/other-languages.md includes the file)."""
JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list,
    "object": dict}


def test_the_yaml_program_uses_the_package_as_its_schema_says() -> None:
    resources = schema()["resources"]
    program = yaml.safe_load(YAML_PROGRAM.read_text())
    used = [r for r in program["resources"].values() if r["type"].startswith("mlplatform:")]
    assert {r["type"] for r in used} == set(resources)
    for r in used:
        spec = resources[r["type"]]
        assert set(r["properties"]) <= set(spec["inputProperties"]), r["type"]
        assert set(spec.get("requiredInputs", [])) <= set(r["properties"]), r["type"]
        for name, value in r["properties"].items():
            kind = spec["inputProperties"][name].get("type")
            if kind and not (isinstance(value, str) and value.startswith("${")):
                assert isinstance(value, JSON_TYPES[kind]), (r["type"], name, value)
    outputs = re.findall(r"\$\{(\w+)\.(\w+)\}", json.dumps(program))
    for resource, prop in outputs:
        token = program["resources"][resource]["type"]
        if token in resources:
            assert prop in resources[token]["properties"], (resource, prop)
