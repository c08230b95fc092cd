"""What each resource costs and who can reach it: the settings a reviewer reads first.

For each resource type, the inputs that set its price (SKU, VM size, node and instance counts,
retention) or open access to it (authentication, network, keys, who may sign in), by a label a
person reads. An input the program leaves out shows Azure's default where Azure documents one, so
a setting that is open by default is not missed because nobody wrote it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from components.kubernetes import INSTANCE_TYPE


class Shown(NamedTuple):
    """One setting: its label, the input path, Azure's default when the input is left out, and
    the kind of resource of the type it applies to (all when None)."""

    label: str
    path: str
    azure_default: Any = None
    applies: Callable[[dict[str, Any]], bool] | None = None


def _aml_compute(inputs: dict[str, Any]) -> bool:
    return bool(_at(inputs, "properties.computeType") == "AmlCompute")


def _managed_endpoint(inputs: dict[str, Any]) -> bool:
    return _at(inputs, "properties.compute") is None


AZURE_DEFAULT = " (Azure's default)"

SHOWN: dict[str, tuple[Shown, ...]] = {
    "azure-native:containerregistry:Registry": (
        Shown("sku", "sku.name"),
        Shown("admin user", "adminUserEnabled", False),
        Shown("anonymous pull", "anonymousPullEnabled", False),
        Shown("public network", "publicNetworkAccess", "Enabled"),
        Shown("zone redundancy", "zoneRedundancy", "Disabled"),
    ),
    "azure-native:storage:StorageAccount": (
        Shown("sku", "sku.name"),
        # "The storage account permits requests that are authorized with Shared Key when the
        # property value is null or when it is true" (Learn, shared-key-authorization-prevent).
        Shown("shared keys", "allowSharedKeyAccess", True),
        Shown("public blobs", "allowBlobPublicAccess", False),
        Shown("public network", "publicNetworkAccess", "Enabled"),
        Shown("TLS", "minimumTlsVersion"),
    ),
    "azure-native:storage:BlobServiceProperties": (
        Shown("deleted blobs kept (days)", "deleteRetentionPolicy.days"),
        Shown("deleted containers kept (days)", "containerDeleteRetentionPolicy.days"),
    ),
    "azure-native:keyvault:Vault": (
        Shown("sku", "properties.sku.name"),
        Shown("purge protection", "properties.enablePurgeProtection", False),
        Shown("deleted vault kept (days)", "properties.softDeleteRetentionInDays", 90),
        Shown("public network", "properties.publicNetworkAccess", "enabled"),
    ),
    "azure-native:operationalinsights:Workspace": (
        Shown("sku", "sku.name"),
        Shown("retention (days)", "retentionInDays"),
    ),
    "azure-native:applicationinsights:Component": (
        Shown("public ingestion", "publicNetworkAccessForIngestion", "Enabled"),
        Shown("public query", "publicNetworkAccessForQuery", "Enabled"),
    ),
    "azure-native:machinelearningservices:Workspace": (
        Shown("sku", "sku.name"),
        Shown("public network", "publicNetworkAccess", "Enabled"),
        Shown("managed network", "managedNetwork.isolationMode", "Disabled"),
        Shown("firewall", "managedNetwork.firewallSku"),
        Shown("image builds on", "imageBuildCompute"),
    ),
    "azure-native:network:PrivateEndpoint": (
        Shown("group", "privateLinkServiceConnections.0.groupIds.0"),
    ),
    "azure-native:network:VirtualNetwork": (
        Shown("address space", "addressSpace.addressPrefixes.0"),
    ),
    "azure-native:machinelearningservices:Compute": (
        Shown("vm size", "properties.properties.vmSize"),
        Shown("priority", "properties.properties.vmPriority", "Dedicated", _aml_compute),
        Shown("default instance type", "properties.properties.defaultInstanceType"),
        Shown("namespace", "properties.properties.namespace"),
        Shown("min nodes", "properties.properties.scaleSettings.minNodeCount"),
        Shown("max nodes", "properties.properties.scaleSettings.maxNodeCount"),
        Shown("idle before scale-down", "properties.properties.scaleSettings."
                                        "nodeIdleTimeBeforeScaleDown"),
        Shown("idle before shutdown", "properties.properties.idleTimeBeforeShutdown"),
        Shown("local auth disabled", "properties.disableLocalAuth", False),
        Shown("ssh", "properties.properties.remoteLoginPortPublicAccess"),
        Shown("ssh", "properties.properties.sshSettings.sshPublicAccess"),
        Shown("node public ip", "properties.properties.enableNodePublicIp"),
        Shown("assigned user", "properties.properties.personalComputeInstanceSettings."
                               "assignedUser.objectId"),
    ),
    "azure-native:machinelearningservices:OnlineEndpoint": (
        Shown("auth", "properties.authMode"),
        Shown("compute", "properties.compute"),
        Shown("public network", "properties.publicNetworkAccess", "Enabled", _managed_endpoint),
    ),
    "azure-native:containerservice:ManagedCluster": (
        Shown("tier", "sku.tier", "Free"),
        Shown("node vm size", "agentPoolProfiles.0.vmSize"),
        Shown("nodes", "agentPoolProfiles.0.count"),
        Shown("public network", "publicNetworkAccess", "Enabled"),
        Shown("private api server", "apiServerAccessProfile.enablePrivateCluster", False),
        Shown("local accounts disabled", "disableLocalAccounts", False),
        Shown("oidc issuer", "oidcIssuerProfile.enabled"),
        Shown("workload identity", "securityProfile.workloadIdentity.enabled"),
    ),
    INSTANCE_TYPE: (
        Shown("cpu", "spec.resources.requests.cpu"),
        Shown("memory", "spec.resources.requests.memory"),
    ),
    "azure-native:kubernetesconfiguration:Extension": (
        Shown("inference router", "configurationSettings.inferenceRouterServiceType"),
        Shown("internal load balancer", "configurationSettings.internalLoadBalancerProvider"),
        Shown("plain http", "configurationSettings.allowInsecureConnections"),
        Shown("tls name", "configurationSettings.sslCname"),
        Shown("tls from secret", "configurationSettings.sslSecret"),
        Shown("nvidia device plugin", "configurationSettings.installNvidiaDevicePlugin", False),
    ),
    "azure-native:machinelearningservices:OnlineDeployment": (
        Shown("instance type", "properties.instanceType"),
        Shown("instances", "sku.capacity"),
    ),
    "azure-native:managedidentity:FederatedIdentityCredential": (
        Shown("issuer", "issuer"),
        Shown("subject", "subject"),
    ),
}
"""The settings shown per resource type, in the order a reviewer reads them."""


def _at(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def settings(type_: str, inputs: dict[str, Any]) -> dict[str, str]:
    """The costly and access-opening settings of a resource of ``type_`` with ``inputs``, by
    label; a left-out input shows Azure's default, marked as such."""
    shown: dict[str, str] = {}
    for s in SHOWN.get(type_, ()):
        if s.applies is not None and not s.applies(inputs):
            continue
        value = _at(inputs, s.path)
        if value is not None:
            shown[s.label] = _words(value)
        elif s.azure_default is not None and s.label not in shown:
            shown[s.label] = _words(s.azure_default) + AZURE_DEFAULT
    return shown
