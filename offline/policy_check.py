"""Run the policy pack (``policy/``) over the resources a stack run registered, with the pack config
the stack's own settings call for, as ``pulumi preview --policy-pack policy --policy-pack-config
<config>`` does: the pack runs as the CLI runs it and gets each resource's inputs and options over
the Analyzer gRPC interface (:mod:`offline.analyzer`).
``python -m offline.policy_check STACK`` prints that pack config, for a real preview.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import proto

from components.stackfile import project_file
from components.testing.runner import Registration, StackRun, stack_config
from stack.config import StackSettings, parse_settings

from .analyzer import BLOCKING, Diagnostic, running
from .exits import INPUT_ERRORS, OK, refuse, tool_parser
from .project import add_arguments, from_arguments


@dataclass(frozen=True)
class Violation:
    policy: str
    resource: str
    """Pulumi name of the resource."""
    message: str


def stack_settings(run: StackRun) -> StackSettings:
    """The settings the run's config makes (the run already passed their validation)."""
    return settings_of(run.project, run.config, run.stack)


def settings_of(project: str, config: dict[str, Any], stack: str) -> StackSettings:
    """The settings a stack's full config (``<project>:<key>`` keys) makes."""
    prefix = f"{project}:"
    raw = {k.removeprefix(prefix): v for k, v in config.items() if k.startswith(prefix)}
    return parse_settings(project, raw, stack)


PLATFORM_PROJECT = str(project_file(Path(__file__).resolve().parents[1])["name"])
"""The name of the project whose settings call for a pack config (this repository's stack); another
project (samples/registry, a team's own) is checked by every policy at the pack's own levels."""


PRODUCTION_POLICIES = ("stateful-resources-protected", "storage-no-shared-keys",
                       "network-workspace-private", "network-dependents-private",
                       "network-endpoint-private", "network-compute-no-public-ip",
                       "diagnostics-to-log-analytics", "workspace-customer-managed-key")
"""The policies that hold where a stack protects its data (production), and nowhere else."""


def pack_config(settings: StackSettings) -> dict[str, Any]:
    """The pack config a stack's own settings call for: the production-only rules
    (:data:`PRODUCTION_POLICIES`; key vault purge protection) apply where the stack protects its
    data (and turns purge protection on), so no stack needs a config file of its own."""
    config: dict[str, Any] = {}
    if not settings.protect_stateful_resources:
        for policy in PRODUCTION_POLICIES:
            config[policy] = "disabled"
    if not settings.key_vault_purge_protection:
        config["key-vault-purge-protection"] = "disabled"
    return config


def analyze_request(r: Registration) -> proto.AnalyzeRequest:
    """What the engine sends the pack for ``r``: its type, URN, name, inputs and options
    (``step_generator.go``: ``AnalyzerResource`` from the goal; ``marshalResourceOptions``).

    The run records inputs with secrets opened, which is how pulumi-policy hands them to a
    policy. It does not record custom timeouts or additional secret outputs (the program sets
    neither: zeros and none are what the engine sends), whether ``deleteBeforeReplace`` was set to
    false or left unset, nor the resource's provider, which no policy of the pack reads."""
    properties = struct_pb2.Struct()
    properties.update(r.inputs)
    return proto.AnalyzeRequest(
        type=r.type, urn=r.urn, name=r.name, properties=properties,
        options=proto.AnalyzerResourceOptions(
            protect=r.protect, ignoreChanges=r.ignore_changes,
            deleteBeforeReplace=r.delete_before_replace,
            deleteBeforeReplaceDefined=r.delete_before_replace, aliases=r.aliases,
            customTimeouts=proto.AnalyzerResourceOptions.CustomTimeouts(), parent=r.parent))


def stack_resource(r: Registration) -> proto.AnalyzerResource:
    """What the engine sends the pack of ``r`` once every resource is registered
    (``AnalyzeStack``): its outputs, options, parent and dependencies (step_generator.go
    ``AnalyzeResources``)."""
    request = analyze_request(r)
    properties = struct_pb2.Struct()
    properties.update(r.outputs)
    return proto.AnalyzerResource(
        type=r.type, urn=r.urn, name=r.name, properties=properties, options=request.options,
        parent=r.parent, dependencies=r.dependencies,
        propertyDependencies={key: proto.AnalyzerPropertyDependencies(urns=urns)
                              for key, urns in r.property_dependencies.items()})


def stack_request(run: StackRun) -> proto.AnalyzerStackConfigureRequest:
    """The stack the engine names to the pack before a preview (``ConfigureStack``)."""
    return proto.AnalyzerStackConfigureRequest(stack=run.stack, project=run.project,
                                               dry_run=True, config=run.config)


def diagnostics(run: StackRun, pack_dir: Path, config: dict[str, Any] | None = None,
                resources: Iterable[Registration] | None = None) -> list[Diagnostic]:
    """Every diagnostic of the pack in ``pack_dir`` on ``resources`` of ``run`` (default: all it
    registered, custom resources and components, as the engine analyzes every registration, and
    then the whole stack, which its stack policies read); ``config`` defaults to the stack's pack
    config."""
    if config is None:
        config = pack_config(stack_settings(run)) if run.project == PLATFORM_PROJECT else {}
    chosen = run.resources.values() if resources is None else resources
    return running(pack_dir).preview(
        stack_request(run), config, [analyze_request(r) for r in chosen],
        [stack_resource(r) for r in run.resources.values()] if resources is None else [])


def check(run: StackRun, pack_dir: Path, config: dict[str, Any] | None = None) -> list[Violation]:
    """Every violation by ``run`` of the pack in ``pack_dir`` (the diagnostics that fail a
    preview), in the pack's order of policies, then the run's order of resources; ``config``
    defaults to the stack's pack config."""
    names = {r.urn: r.name for r in run.resources.values()}
    order = {urn: i for i, urn in enumerate(names)}
    policies = {name: i for i, name in enumerate(policy_names(pack_dir))}
    found = [d for d in diagnostics(run, pack_dir, config) if d.enforcement_level in BLOCKING]
    found.sort(key=lambda d: (policies.get(d.policy, len(policies)), order.get(d.urn, len(order))))
    return [Violation(d.policy, names.get(d.urn, d.urn), d.message) for d in found]


def policy_names(pack_dir: Path) -> list[str]:
    """The names of the pack's policies, as it lists them over the Analyzer interface."""
    return running(pack_dir).policies


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(
        "python -m offline.policy_check",
        "Print the policy pack config a stack's settings call for (JSON), for pulumi "
                    "preview --policy-pack-config.")
    parser.add_argument("stack", help="stack name, e.g. dev")
    add_arguments(parser)
    args = parser.parse_args(argv)
    project = from_arguments(args)
    try:
        settings = settings_of(*stack_config(args.stack, None, project.dir), args.stack)
    except INPUT_ERRORS as error:
        return refuse(error)
    print(json.dumps(pack_config(settings), indent=2))
    return OK


if __name__ == "__main__":
    sys.exit(main())
