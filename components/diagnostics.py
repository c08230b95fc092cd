"""Diagnostic settings: the resource logs of the stack's resources, sent to its Log Analytics
workspace.

Which logs a resource has is a fact of its type, in its catalog entry (:class:`catalog.Logs`, from
Azure Monitor's list of supported resource logs): a setting names each category, since "Not all
Azure services use category groups" (azure-monitor-docs diagnostic-settings.md). A type whose
entry lists none gets no setting: under Microsoft.MachineLearningServices, Azure Monitor lists
resource logs for workspaces, their online endpoints and registries only, so a batch endpoint has
none. How long logs are kept is the Log Analytics workspace's
retention (``log_retention_days`` of :class:`~components.workspace.WorkspaceArgs`): a diagnostic
setting's own retention is retired ("September 30, 2025 - All retention functionality for the
Diagnostic Settings Storage Retention feature will be disabled",
migrate-to-azure-storage-lifecycle-policy.md) and is never sent. Logs start to flow "within 90
minutes" and each table is created with its first record (diagnostic-settings.md). The deployer
needs ``Microsoft.Insights/diagnosticSettings/write`` on each resource, which Contributor holds
("Monitoring Contributor ... Create and edit diagnostic settings", roles-permissions-security.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pulumi
from pulumi_azure_native import monitor
from pydantic import SkipValidation

from . import catalog
from .arguments import Arguments, Problem, StrInput
from .catalog import Seconds, Shown
from .endpoint import ONLINE_ENDPOINT
from .kubernetes import MANAGED_CLUSTER
from .ml_registry import ML_REGISTRY
from .registry import REGISTRY
from .workspace import BLOB_SERVICE, KEY_VAULT, LOG_ANALYTICS, ML_WORKSPACE

SETTING_NAME = "ml-platform-logs"
"""The name of each setting on its resource (one name per resource; another tool's settings on
the same resource keep theirs)."""

DIAGNOSTIC_SETTING = catalog.register(catalog.ResourceType(
    "azure-native:monitor:DiagnosticSetting", "diagnostic setting",
    created_in=Seconds(5, catalog.ESTIMATE),
    id_template="{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    name="name",
    requires={LOG_ANALYTICS: "a setting sends to its Log Analytics workspace",
              **dict.fromkeys((ML_WORKSPACE, KEY_VAULT, BLOB_SERVICE, REGISTRY, ONLINE_ENDPOINT,
                               MANAGED_CLUSTER, ML_REGISTRY), "a setting is made on its resource")},
    shown=(Shown("logs to", "workspaceId"),)))


class LogTarget(NamedTuple):
    """A resource whose logs go to Log Analytics."""

    name: str
    """Short name, in the setting's Pulumi name (``workspace``, ``endpoint-score``)."""
    type: str
    """Its Pulumi type token, whose catalog entry lists its logs."""
    resource_id: StrInput


class DiagnosticsArgs(Arguments):
    """Arguments of :class:`Diagnostics`."""

    log_analytics_id: StrInput
    """The Log Analytics workspace the logs go to."""
    targets: SkipValidation[Sequence[LogTarget]]
    """The resources whose logs go there, each of a type whose catalog entry lists its logs."""

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + [
            Problem(("targets", i, "type"), t.type, "a resource type Azure Monitor lists resource "
                    "logs for: " + ", ".join(sorted(t.label for t in catalog.TYPES.values()
                                                    if t.logs is not None)))
            for i, t in enumerate(self.targets) if catalog.get(t.type).logs is None]


class Diagnostics(pulumi.ComponentResource):
    """A diagnostic setting per target, sending every log category of its type to Log
    Analytics."""

    settings: dict[str, monitor.DiagnosticSetting]
    """The settings, by target name."""

    def __init__(self, name: str, args: DiagnosticsArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:monitor:Diagnostics", name, {}, opts)
        self.settings = {}
        for target in args.targets:
            logs = catalog.get(target.type).logs
            assert logs is not None  # refused by the arguments otherwise
            self.settings[target.name] = monitor.DiagnosticSetting(
                f"{name}-{target.name}", name=SETTING_NAME, resource_uri=target.resource_id,
                workspace_id=args.log_analytics_id,
                logs=[monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True)
                      for category in logs.categories],
                opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
