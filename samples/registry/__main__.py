"""The platform's shared Azure ML registry, in a stack of its own.

Deployed first: the dev and prod stacks read its ``registryId`` output through a stack reference
(``mlRegistry: {stack: <organization>/ml-registry/shared}``) and grant their own identities on it;
this stack grants only the publisher groups it is given. Who read or wrote which asset, as which
identity, goes to a Log Analytics workspace of its own (the registry's resource logs).
"""

import pulumi
from pulumi_azure_native import authorization, operationalinsights

from components import (
    Diagnostics,
    DiagnosticsArgs,
    LogTarget,
    MlRegistry,
    MlRegistryArgs,
    Principal,
)
from components.ml_registry import ML_REGISTRY

config = pulumi.Config()
groups: list[str] = config.get_object("publisherGroups") or []
place = {"resource_group_name": config.require("resourceGroupName"),
         "location": config.require("location")}
registry = MlRegistry("registry", MlRegistryArgs(
    registry_name=config.require("registryName"),
    replication_locations=tuple(config.get_object("replicationLocations") or ()),
    publishers={group: Principal(group, group, authorization.PrincipalType.GROUP)
                for group in groups},
    protect=True, **place))
logs = operationalinsights.Workspace(
    "registry-logs", workspace_name=config.require("logAnalyticsName"),
    sku=operationalinsights.WorkspaceSkuArgs(
        name=operationalinsights.WorkspaceSkuNameEnum.PER_GB2018),
    retention_in_days=config.get_int("logRetentionDays") or 90,
    resource_group_name=place["resource_group_name"], location=place["location"],
    opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True))
Diagnostics("diagnostics", DiagnosticsArgs(log_analytics_id=logs.id, targets=[
    LogTarget("registry", ML_REGISTRY, registry.id)]))

for name, value in registry.exports().items():  # registryId, registryName, assetUriPrefix
    pulumi.export(name, value)
