"""What a stack sends Azure Resource Manager, as an ARM template, for scanners that read ARM
(checkov ``--framework arm``, PSRule for Azure): ``python -m offline.arm STACK [--out FILE]``.

Each Azure resource the program registers becomes one template resource: its type and name from
the resource id, its API version the one pulumi-azure-native v3 sends (from the SDK class), the
ARM top-level keys (location, tags, sku, kind, identity, zones) where they are, and every other
input under ``properties``, except the path parameters (the names already in the id). The SDK
inputs are ARM's property names but for the few that the REST specs rename for SDKs
(``x-ms-client-name``): the ``arm_names`` of each type in the catalog turn them back. Values Azure
assigns at deploy time (ids, principal ids) are the mocks' stand-ins.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

from components import catalog
from components.testing.runner import Registration, StackRun

from .exits import OK, run_tool, tool_parser
from .project import add_arguments, from_arguments

TOP_LEVEL = ("location", "tags", "sku", "kind", "identity", "zones", "plan", "extendedLocation")
"""Keys of an ARM resource beside ``properties``."""
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


@functools.cache
def api_version(type_: str) -> str:
    """The REST API version pulumi-azure-native sends for ``type_`` (its class's docstrings:
    "Uses Azure REST API version ...")."""
    _, module, name = type_.split(":")
    cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    source = Path(inspect.getfile(cls)).read_text()
    found = re.search(r"Uses Azure REST API version (\d{4}-\d{2}-\d{2}(-preview)?)", source)
    if found is None:
        raise LookupError(f"no API version in the docstring of {type_}")
    return found.group(1)


def resource(r: Registration) -> dict[str, Any] | None:
    """The ARM template resource of ``r`` (None for what is not an Azure resource)."""
    # the last provider segment is the resource's own: an extension resource (a role
    # assignment) follows the id of its scope
    scope, _, own = (r.id or "").rpartition("/providers/")
    found = re.fullmatch(r"(Microsoft\.[^/]+)/(.+)", own, re.IGNORECASE)
    if not r.custom or not r.type.startswith("azure-native:") or found is None:
        return None
    namespace, path = found.groups()
    parts = path.split("/")
    in_id = set(parts) | set(re.findall(r"/resourceGroups/([^/]+)", r.id, re.IGNORECASE))
    entry = catalog.find(r.type)
    names = entry.arm_names if entry else {}
    arm: dict[str, Any] = {"type": "/".join([namespace, *parts[0::2]]),
                           "apiVersion": api_version(r.type), "name": "/".join(parts[1::2])}
    properties: dict[str, Any] = {}
    for key, value in r.inputs.items():
        if key in TOP_LEVEL:
            arm[key] = value
        elif key == "properties" and isinstance(value, dict):
            properties |= value  # the SDK keeps ARM's properties object as it is
        elif not (key == "resourceGroupName" or (key.endswith("Name") and value in in_id)
                  or (key == "scope" and value == scope)):
            properties[names.get(key, key)] = value
    if properties:
        arm["properties"] = properties
    if "/providers/" in scope:
        arm["scope"] = scope
    return arm


def template(run: StackRun) -> dict[str, Any]:
    """The ARM template of every Azure resource ``run`` registered."""
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
            "resources": [a for r in run.resources.values() if (a := resource(r))]}


def _write(run: StackRun, out: Path | None) -> int:
    text = json.dumps(template(run), indent=2, sort_keys=True) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    return OK


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(
        "python -m offline.arm",
        "Write what a stack sends Azure Resource Manager as an ARM template (JSON), for "
        "scanners such as checkov --framework arm.")
    parser.add_argument("stack", help="stack name, e.g. prod")
    parser.add_argument("--out", metavar="FILE", type=Path, help="write here (default: stdout)")
    add_arguments(parser)
    return run_tool(parser, argv, lambda args: _write(from_arguments(args).run(args.stack),
                                                      args.out))


if __name__ == "__main__":
    sys.exit(main())
