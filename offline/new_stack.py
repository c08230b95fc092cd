"""Write a new stack file: ``python -m offline.new_stack NAME`` (or ``make stack NAME=...``).

The file is valid on its first preview: it names the stack file schema (editors complete and check
every key), sets what differs between a disposable and a production environment, and lists every
other key commented out with its default and description, from the settings schema. Nothing else
needs an edit: the workflows and the tests find stack files by their name, and the policy pack's
config follows the stack's settings.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml

from components.stackfile import project_file
from stack.config import StackSettings, parse_settings
from stack.schema import SCHEMA_LINE, default_of

from .columns import WIDTH
from .exits import INPUT_ERRORS, OK, USAGE, refuse, tool_parser

PROFILES: dict[str, dict[str, Any]] = {
    "disposable": {"protectStatefulResources": False, "keyVaultPurgeProtection": False},
    "production": {"protectStatefulResources": True, "keyVaultPurgeProtection": True,
                   "keyVaultSoftDeleteRetentionDays": 90, "storageSku": "Standard_ZRS",
                   "storageSoftDeleteRetentionDays": 30, "logRetentionDays": 90,
                   "registrySku": "Premium", "network": {"isolation": "AllowOnlyApprovedOutbound"},
                   "customerManagedKey": True},
}
"""What each kind of environment sets: a production stack keeps its data through any Pulumi
operation (protect + retain), its key vault through any deletion (purge protection, which
Azure never lets anyone turn off again), takes no public traffic (network isolation, which
needs a Premium registry) and encrypts its workspace with a key of its own (which Azure takes at
the workspace's creation only)."""
ABOUT = {
    "disposable": "disposable: nothing is protected and the key vault can be purged, so "
                  "pulumi destroy removes it all and the names can be used again.",
    "production": "production: stateful resources are protected from deletion by Pulumi and "
                  "kept in Azure if they leave the program; key vault purge protection is on "
                  "(for good: Azure does not let it be turned off); nothing takes public traffic "
                  "(a managed network and private endpoints; isolation cannot be turned off); "
                  "the workspace and its storage are encrypted with a key of the stack's own "
                  "(chosen at the workspace's creation).",
}
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
"""Pulumi's stack names: letters, digits, '-', '_' and '.'."""


def _value(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def stack_file(project: str, stack: str, values: dict[str, Any], profile: str) -> str:
    """The text of a new ``Pulumi.<stack>.yaml``: ``values`` set, every other key commented."""
    lines = [SCHEMA_LINE,
             *textwrap.wrap(f"{stack}: written by python -m offline.new_stack; "
                            f"{ABOUT[profile]} Preview it offline with make preview "
                            f"STACK={stack}; deploy it with pulumi stack init {stack} and "
                            "pulumi up. Every key: docs/reference/configuration.md.",
                            WIDTH - 2, initial_indent="# ", subsequent_indent="# "),
             "config:"]
    block = yaml.safe_dump({f"{project}:{k}": v for k, v in values.items()}, sort_keys=False,
                           width=WIDTH)
    lines += ["  " + line for line in block.splitlines()]
    lines.append("  # The other keys, at their defaults:")
    for name, field in StackSettings.model_fields.items():
        key = field.alias or name
        if key in values:
            continue
        lines += textwrap.wrap(str(field.description), WIDTH - 4, initial_indent="  # ",
                               subsequent_indent="  # ")
        default = default_of(field)
        lines.append(f"  # {project}:{key}:" + (f" {_value(default)}" if default is not None
                                                 else ""))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(
        "python -m offline.new_stack",
        "Write Pulumi.NAME.yaml, a commented stack file that previews cleanly.")
    parser.add_argument("name", help="the stack's name, e.g. staging")
    parser.add_argument("--environment", help="the environment token in Azure names "
                                              "(default: the stack's name)")
    parser.add_argument("--location", help="the Azure region (default: the project's)")
    parser.add_argument("--production", action="store_true",
                        help="protect the data and the key vault (default: disposable)")
    parser.add_argument("--project", metavar="DIR", type=Path, default=Path("."),
                        help="the Pulumi project folder (default: the current folder)")
    args = parser.parse_args(argv)
    path = args.project / f"Pulumi.{args.name}.yaml"
    if not STACK_NAME.fullmatch(args.name):
        print(f"error: stack name {args.name!r} is not allowed: letters, digits, '-', '_' and "
              "'.' (Pulumi's stack names)", file=sys.stderr)
        return USAGE
    if path.exists():
        print(f"error: {path.name} exists; edit it, or pick another name", file=sys.stderr)
        return USAGE
    try:
        project = str(project_file(args.project)["name"])
        profile = "production" if args.production else "disposable"
        values: dict[str, Any] = {"environment": args.environment or args.name}
        values["location"] = args.location or default_of(StackSettings.model_fields["location"])
        values.update(PROFILES[profile])
        text = stack_file(project, args.name, values, profile)
        raw = {k: _value(v) for k, v in values.items()}
        parse_settings(project, raw, args.name)  # the same checks as the program's
    except INPUT_ERRORS as error:
        return refuse(error, "" if args.environment else "\n(the environment token is the "
                      "stack's name unless --environment gives one)")
    path.write_text(text)
    print(f"wrote {path}: make preview STACK={args.name}")
    return OK


if __name__ == "__main__":
    sys.exit(main())
