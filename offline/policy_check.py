"""Run the policy pack (``policy/``) offline over the resources a stack run registered, with the
pack config the stack's own settings call for.

This is what ``pulumi preview --policy-pack policy --policy-pack-config <config>`` does with the
engine; here each policy's validation runs on the recorded inputs and options.
``python -m offline.policy_check STACK`` prints that pack config, for a real preview.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from components.testing.runner import Registration, StackRun, stack_config
from stack.settings import StackSettings, parse_settings

from .exits import INPUT_ERRORS, OK, refuse, tool_parser
from .project import add_arguments, from_arguments


@dataclass(frozen=True)
class Violation:
    policy: str
    resource: str
    """Pulumi name of the resource."""
    message: str


def load_pack(pack_dir: Path) -> ModuleType:
    """The pack's ``policies.py`` as a module (never its ``__main__``, which starts a server)."""
    spec = importlib.util.spec_from_file_location("ml_platform_policies", pack_dir / "policies.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no policy pack in {pack_dir} (policies.py)")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_policies(pack_dir: Path) -> list[ResourceValidationPolicy]:
    """The pack's policies."""
    policies: list[ResourceValidationPolicy] = load_pack(pack_dir).POLICIES
    return policies


def stack_settings(run: StackRun) -> StackSettings:
    """The settings the run's config makes (the run already passed their validation)."""
    return settings_of(run.project, run.config, run.stack)


def settings_of(project: str, config: dict[str, Any], stack: str) -> StackSettings:
    """The settings a stack's full config (``<project>:<key>`` keys) makes."""
    prefix = f"{project}:"
    raw = {k.removeprefix(prefix): v for k, v in config.items() if k.startswith(prefix)}
    return parse_settings(project, raw, stack)


PRODUCTION_POLICIES = ("stateful-resources-protected", "storage-no-shared-keys",
                       "network-workspace-private", "network-dependents-private",
                       "network-endpoint-private", "network-compute-no-public-ip")
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


def _args(r: Registration, config: dict[str, Any]) -> ResourceValidationArgs:
    opts = PolicyResourceOptions(protect=r.protect, ignore_changes=[], delete_before_replace=None,
                                 aliases=[], custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
                                 additional_secret_outputs=[], parent=r.parent or None)
    return ResourceValidationArgs(resource_type=r.type, props=r.inputs, urn=r.urn, name=r.name,
                                  opts=opts, provider=None, config=config)


def check(run: StackRun, pack_dir: Path, config: dict[str, Any] | None = None,
          policies: list[ResourceValidationPolicy] | None = None) -> list[Violation]:
    """Every violation by ``run`` of the pack in ``pack_dir``; ``config`` defaults to the stack's
    pack config."""
    config = pack_config(stack_settings(run)) if config is None else config
    violations = []
    for policy in policies or load_policies(pack_dir):
        setting = config.get(policy.name, {})
        if setting == "disabled" or (isinstance(setting, dict)
                                     and setting.get("enforcementLevel") == "disabled"):
            continue
        defaults = {key: spec.get("default") for key, spec in
                    (policy.config_schema.properties if policy.config_schema else {}).items()}
        policy_config = {**defaults, **(setting if isinstance(setting, dict) else {})}
        for r in run.resources.values():
            if r.custom:
                def report(message: str, urn: str | None = None, r: Registration = r,
                           p: ResourceValidationPolicy = policy) -> None:
                    violations.append(Violation(p.name, r.name, message))
                policy.validate(_args(r, policy_config), report)
    return violations


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
