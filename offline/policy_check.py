"""Run the policy pack (``policy/``) offline over the resources a stack run registered.

This is what ``pulumi preview --policy-pack policy --policy-pack-config policy/config.<stack>.json``
does with the engine; here each policy's validation runs on the recorded inputs and options.
"""

from __future__ import annotations

import importlib.util
import json
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

from components.testing.runner import Registration, StackRun


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


def pack_config(stack: str, pack_dir: Path) -> dict[str, Any]:
    """The stack's pack config (``policy/config.<stack>.json``), empty when there is none."""
    path = pack_dir / f"config.{stack}.json"
    return json.loads(path.read_text()) if path.exists() else {}


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
    config = pack_config(run.stack, pack_dir) if config is None else config
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
