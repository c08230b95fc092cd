"""The stack's settings: one declarative schema of every config key, read and validated at once.

Each key is declared once, below, as a field of a pydantic model: its type, default, description
and constraint. From these models come the ``config:`` block of ``Pulumi.yaml``, the JSON Schema
editors use for ``Pulumi.<stack>.yaml`` and the README's configuration reference
(``python -m stack.schema``; tests keep all three current).

Every problem is collected and raised as one :class:`ConfigError` that names each config key (with
its list path), the value found and what is allowed, before the program registers a single
resource; keys the stack does not read are refused with a suggestion. ``ConfigError`` is a
:class:`pulumi.RunError`, so the Pulumi CLI prints the message without a Python traceback.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
import typing
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    StrictInt,
    ValidationError,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

from components.automation import FederatedCredential
from components.azure.names import RULES
from components.azure.regions import PUBLIC_REGIONS
from components.azure.resource_ids import parse_resource_id, provider_type
from components.azure.roles import NETWORK_APPROVER_TARGETS
from components.azure.vm_sizes import (
    ml_compute_size_problem,
    nvidia_gpu_size_problem,
    online_endpoint_size_problem,
)
from components.data import DataUser
from components.endpoint import RESERVED_VARIABLES, deployment_name
from components.kubernetes import AZURE_INSTANCE_TYPE, tls_pem_problems
from components.network import zones_of
from components.stackfile import StackFileError, read_yaml, stack_file_path
from components.workspace import NETWORK_APPROVER

from .names import (
    AUTOMATION_PURPOSE,
    REGISTRY_PULL_PURPOSE,
    StackNames,
    cluster_identity_purpose,
    endpoint_identity_purpose,
    instance_identity_purpose,
    kubernetes_identity_purpose,
)


class ConfigError(pulumi.RunError):
    """Stack configuration that the program refuses, with every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid stack configuration:\n  - " + "\n  - ".join(problems))


class IdentityKind(StrEnum):
    """Which kind of managed identity a workload runs as."""

    USER_ASSIGNED = "userAssigned"
    SYSTEM_ASSIGNED = "systemAssigned"


IdentityChoice = Literal["userAssigned", "systemAssigned"]
IDENTITY_KINDS = tuple(kind.value for kind in IdentityKind)
STORAGE_SKUS = ("Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS",
                "Standard_GZRS", "Standard_RAGZRS")
"""Workspace default storage must be StorageV2, not Premium (Azure ML concept-workspace docs)."""
REGISTRY_SKUS = ("Basic", "Standard", "Premium")
AUTH_MODES = ("AADToken", "AMLToken", "Key")
"""``EndpointAuthMode`` of the Microsoft.MachineLearningServices API."""
NETWORK_ACCESS = ("Enabled", "Disabled")
VM_PRIORITIES = ("Dedicated", "LowPriority")
PRINCIPAL_TYPES = ("User", "Group")
MAX_TAGS = 50
"""Tags a resource can have (ARM "Use tags to organize your Azure resources", Limitations)."""
STACK_TAGS = ("workload", "environment", "managed-by")
"""Tags the stack puts on every resource itself."""
_TAG_NAME_FORBIDDEN = set('<>%&\\?/')  # the same page: tag names may not contain these
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_IMAGE = r"[a-z0-9][a-z0-9.-]*(:[0-9]+)?(/[a-z0-9._-]+)+(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})"
"""A fully qualified image reference with a tag or digest (registry/repository:tag)."""


# --- checks beyond type, range and pattern (their ValueError text says what is allowed) --------

def azure_name(kind: str) -> AfterValidator:
    """A name Azure accepts for a resource of ``kind`` (:data:`components.azure.names.RULES`)."""
    rule = RULES[kind]

    text = f"{rule.min_length}-{rule.max_length} characters: {rule.allowed}"

    def check(value: str) -> str:
        if rule.problem(value):
            raise ValueError(text)
        return value
    check.allowed = text  # type: ignore[attr-defined]  # what a missing name is told
    return AfterValidator(check)


def resource_id(provider_type: str, kind: str) -> AfterValidator:
    """The id of an existing resource of ``provider_type`` whose name Azure accepts."""
    def check(value: str) -> str:
        try:
            problem = RULES[kind].problem(parse_resource_id(value, provider_type).name)
        except ValueError as error:
            problem = str(error)
        if problem:
            raise ValueError(f"a {kind} resource id ({problem})")
        return value
    return AfterValidator(check)


def project_folder(alternative: str = "") -> AfterValidator:
    """A folder of the project that holds files (or, with ``alternative``, an azureml:// URI)."""
    allowed = " ".join(filter(None, ["a folder of the project that holds files", alternative]))

    def check(value: str) -> str:
        if alternative and value.startswith("azureml://"):
            return value
        path = Path(value)
        if not value or not path.is_dir() or not any(p.is_file() for p in path.rglob("*")):
            raise ValueError(f"{allowed}; {path.resolve()} is not such a folder")
        return value
    return AfterValidator(check)


def _lower(value: str) -> str:
    return value.lower()


# --- the schema -------------------------------------------------------------------------------

VM_SIZE = r"^Standard_[A-Za-z0-9_]+$"


class _Model(BaseModel):
    """Settings read from config: camelCase keys, nothing unknown, never changed afterwards."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True,
                              frozen=True, regex_engine="python-re")


SecretName = Annotated[str, Field(pattern=r"^[0-9A-Za-z-]{1,127}$", json_schema_extra={
    "allowed": "key vault secret names: 1-127 letters, digits and hyphens"})]
"""A Key Vault secret name ("Object identifiers and versioning": 1-127 alphanumerics and
dashes)."""


class ClusterSettings(_Model):
    """One AmlCompute cluster."""

    name: Annotated[str, azure_name("compute")] = Field(
        description="Name in the workspace (what jobs name as compute).")
    vm_size: str = Field("Standard_DS3_v2", pattern=VM_SIZE, description=(
        "VM size of the nodes, one Azure ML compute offers (a change replaces the cluster)."))
    vm_priority: Literal["Dedicated", "LowPriority"] = Field(
        "Dedicated", description="LowPriority is cheaper and may be preempted.")
    min_nodes: StrictInt = Field(0, ge=0, le=1000, description="Nodes kept when idle.")
    max_nodes: StrictInt = Field(2, ge=1, le=1000, description="Nodes at most.")
    idle_seconds_before_scale_down: StrictInt = Field(
        120, ge=0, le=7 * 24 * 3600, description="Seconds a node idles before it is released.")
    identity: IdentityChoice = Field("userAssigned", description=(
        "userAssigned (its own identity, granted what it needs) or systemAssigned."))
    secrets: tuple[SecretName, ...] = Field((), description=(
        "Names of workspace key vault secrets job code reads as the cluster identity "
        "(Key Vault Secrets User on each, never the whole vault); each must exist."))


class EnvironmentSettings(_Model):
    """Where a deployment's environment comes from: an image (+ conda file), or a registered one."""

    image: str | None = Field(None, pattern=f"^{_IMAGE}$", description=(
        "A base image (with condaFile) or a complete image, with registry and tag or digest."),
        json_schema_extra={"allowed": "an image reference with registry and tag or digest, e.g. "
                                      "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:"
                                      "20250601.v1"})
    conda_file: str | None = Field(None, description="A conda YAML file of the project.")
    environment_id: str | None = Field(None, exclude=True, description=(
        "A registered environment (azureml://...); then nothing is registered."))


def _environment(value: Any) -> Any:
    """An ``azureml://`` id stands for a registered environment."""
    if isinstance(value, str) and value.startswith("azureml:"):
        return {"environment_id": value}
    return value


def _environment_field(schema: dict[str, Any]) -> None:
    """In the JSON Schema: a mapping {image, condaFile}, or a registered environment's id."""
    mapping = {k: v for k, v in schema.items() if k != "description"}
    description = schema.get("description")
    schema.clear()
    schema.update({"description": description,
                   "anyOf": [mapping, {"type": "string", "pattern": "^azureml://"}]})


class DeploymentSettings(_Model):
    """One managed online deployment of an endpoint."""

    name: Annotated[str, azure_name("online deployment")] = Field(description=(
        "Letters, digits and single hyphens; its Azure name adds the instance type."))
    model: Annotated[str, project_folder("or a registered model's azureml:// URI")] = Field(
        description="A folder of the project to upload and register, or an azureml:// model URI.")
    code: Annotated[str, project_folder()] = Field(description="The folder of the scoring code.")
    scoring_script: str = Field("score.py", pattern=r"^[\w.-]+(/[\w.-]+)*\.py$", description=(
        "The script with init() and run(), inside the code folder."))
    environment: Annotated[EnvironmentSettings, BeforeValidator(_environment)] = Field(
        description="{image, condaFile} or a registered environment's azureml:// id.",
        json_schema_extra=_environment_field)
    instance_type: str = Field("Standard_DS2_v2", pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,62}$",
                               description=(
        "A VM size managed online endpoints offer, or on a Kubernetes endpoint one of its "
        "compute's instance types (a change rolls to a new deployment)."))
    instance_count: StrictInt = Field(1, ge=1, le=100, description="VMs serving the deployment.")
    traffic: StrictInt = Field(0, ge=0, le=100, description=(
        "Percent of the endpoint's traffic (an endpoint's shares sum to 100 or are all 0)."))
    environment_variables: dict[str, str] = Field({}, description=(
        "Variables for the scoring code (AZURE_CLIENT_ID, KEY_VAULT_URL and STORAGE_BLOB_URL are "
        "the stack's)."))

    @property
    def model_folder(self) -> Path | None:
        """The local model folder, or None for a registered model."""
        return None if self.model.startswith("azureml:") else Path(self.model)


class EndpointSettings(_Model):
    """One online endpoint: managed, or on the attached Kubernetes compute."""

    name: Annotated[str, azure_name("online endpoint")] = Field(description=(
        "Letters, digits and single hyphens; the Azure name is <name>-<environment>-<suffix>."))
    auth_mode: Literal["AADToken", "AMLToken", "Key"] = Field("AADToken", description=(
        "How callers authenticate: AADToken (Entra ID), AMLToken, or Key (only when asked for)."))
    public_network_access: Literal["Enabled", "Disabled"] | None = Field(None, description=(
        "Public network access to the scoring URI; unset: Disabled where network isolation is "
        "on (reached through the workspace's private endpoint), Enabled elsewhere."))
    identity: IdentityChoice = Field("userAssigned", description=(
        "userAssigned (its own identity) or systemAssigned (a change replaces the endpoint)."))
    compute: str | None = Field(None, description=(
        "The attached Kubernetes compute to serve on (kubernetes.name): a Kubernetes online "
        "endpoint; unset: a managed one (a change replaces the endpoint)."))
    deployments: tuple[DeploymentSettings, ...] = Field((), description=(
        "Deployments with their traffic shares; [] serves nothing (and costs nothing)."))
    secrets: tuple[SecretName, ...] = Field((), description=(
        "Names of workspace key vault secrets the scoring code reads as the endpoint identity "
        "(Key Vault Secrets User on each, never the whole vault); each must exist "
        "(sampleData makes sample-secret)."))


_ARM_ID = r"(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[^/]+(/[^/]+/[^/]+)+$"
_SUBNET_ID = (r"(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/"
              r"virtualNetworks/[^/]+/subnets/[^/]+$")


class OutboundRuleSettings(_Model):
    """One user-defined outbound rule of the managed network: exactly one of fqdn, serviceTag or
    privateEndpoint."""

    name: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$", description="Rule name.")
    fqdn: str | None = Field(None, pattern=r"^(\*\.)?[a-zA-Z0-9.-]{1,253}$", description=(
        "A host, or *.domain, reached on ports 80 and 443 (AllowOnlyApprovedOutbound; an Azure "
        "Firewall carries FQDN rules)."))
    service_tag: str | None = Field(None, pattern=r"^[A-Za-z][A-Za-z0-9.]{1,80}$", description=(
        "An Azure service tag, e.g. AzureActiveDirectory (AllowOnlyApprovedOutbound)."))
    protocol: Literal["TCP", "UDP", "ICMP", "*"] = Field("TCP", description=(
        "Protocol of a service tag rule."))
    port_ranges: str = Field("443", pattern=r"^(\*|\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*)$",
                             description="Ports of a service tag rule, e.g. 443 or 80,443.")
    private_endpoint: str | None = Field(None, pattern=_ARM_ID, description=(
        "Resource id of a target reached by a private endpoint (the workspace identity gets the "
        "approver role on it)."), json_schema_extra={"allowed": "an Azure resource id"})
    subresource: str | None = Field(None, pattern=r"^[a-zA-Z]{2,40}$", description=(
        "The target's private link group, e.g. blob, vault, registry, amlworkspace."))


def _default_outbound() -> tuple[OutboundRuleSettings, ...]:
    return ()


class NetworkSettings(_Model):
    """Network isolation: a managed network for compute and endpoints, private endpoints in."""

    isolation: Literal["AllowOnlyApprovedOutbound", "AllowInternetOutbound"] = Field(
        "AllowOnlyApprovedOutbound", description=(
            "What compute and endpoints reach: only the outbound rules, or the internet too "
            "(fixed once on: Azure cannot turn isolation off)."))
    package_feeds: StrictBool = Field(True, description=(
        "Outbound FQDN rules for the Python and conda feeds and Microsoft's image registry, so "
        "environments build (AllowOnlyApprovedOutbound)."))
    outbound_rules: tuple[OutboundRuleSettings, ...] = Field(
        default_factory=_default_outbound, description="More outbound rules.")
    firewall_sku: Literal["Basic", "Standard"] = Field("Basic", description=(
        "The Azure Firewall that FQDN rules run on."))
    address_space: str = Field("10.40.0.0/24", pattern=(
        r"^(\d{1,3}\.){3}\d{1,3}/(1[6-9]|2[0-8])$"), description=(
        "Address space of the virtual network the stack creates for private endpoints "
        "(/16 to /28)."))
    subnet_id: str | None = Field(None, pattern=_SUBNET_ID, description=(
        "An existing subnet for the private endpoints instead of a new network."),
        json_schema_extra={"allowed": "a subnet id: /subscriptions/<id>/resourceGroups/<group>/"
                                      "providers/Microsoft.Network/virtualNetworks/<v>/subnets/<s>"})
    dns_zone_ids: dict[str, str] = Field({}, description=(
        "Existing private DNS zone ids by zone name (e.g. a hub's privatelink.api.azureml.ms); "
        "the stack creates and links the others."))
    uploads_from_network: StrictBool = Field(False, description=(
        "pulumi up runs inside the network (or a peered one), so it can upload models, code and "
        "data to the closed storage."))


class InstanceTypeSettings(_Model):
    """A Kubernetes instance type: what each deployment instance requests and is limited to."""

    name: str = Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", description=(
        "A Kubernetes resource name: lowercase letters, digits and hyphens."))
    cpu: str = Field("1", pattern=r"^\d+(\.\d+)?m?$", description="CPU, e.g. 1 or 500m.")
    memory: str = Field("2Gi", pattern=r"^\d+(Ki|Mi|Gi|Ti)$", description="Memory, e.g. 2Gi.")
    gpu: StrictInt = Field(0, ge=0, le=8, description=(
        "NVIDIA GPUs (0: none); the extension then installs NVIDIA's device plugin."))


def _default_instance_types() -> tuple[InstanceTypeSettings, ...]:
    return (InstanceTypeSettings(name="cpu-small"),)


def _encrypted(value: Any) -> Any:
    """A secret as the stack file holds it (``{secure: <cipher>}``, what a run without the Pulumi
    CLI reads, as the offline tools do) stands for itself, by a digest of its cipher: a new one
    shows as a change, and no check reads it."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return ENCRYPTED + hashlib.sha256(str(value["secure"]).encode()).hexdigest()[:12]
    return value


ENCRYPTED = "encrypted in the stack file: "
"""How a secret the run cannot decrypt reads (followed by a digest of its cipher)."""

StackSecret = Annotated[SecretStr, BeforeValidator(_encrypted), WithJsonSchema({"anyOf": [
    {"type": "string"},
    {"type": "object", "properties": {"secure": {"type": "string"}}, "required": ["secure"],
     "additionalProperties": False}]})]
"""A value set with ``pulumi config set --secret``: the stack file holds ``{secure: <cipher>}``,
the program reads it decrypted, and it is never shown."""


class TlsSettings(_Model):
    """TLS of the inference router: a host name and its certificate, or a Kubernetes secret with
    them in an existing cluster."""

    cname: str = Field(pattern=r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]"
                                r"([a-zA-Z0-9-]*[a-zA-Z0-9])?)+$", description=(
        "The host name scoring requests use (the certificate's name)."))
    certificate: StackSecret | None = Field(None, description=(
        "The certificate, PEM with its full chain, set as a secret (pulumi config set --secret "
        "--path kubernetes.tls.certificate); a renewed one updates the extension."))
    key: StackSecret | None = Field(None, description=(
        "Its private key, PEM without a passphrase, set as a secret (pulumi config set --secret "
        "--path kubernetes.tls.key)."))
    secret: str | None = Field(None, pattern=r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$",
                               description=(
        "Instead of certificate and key, on an existing cluster only: a Kubernetes secret "
        "already in its azureml namespace with cert.pem and key.pem."))


class KubernetesSettings(_Model):
    """An AKS cluster with the Azure ML extension, attached as Kubernetes compute for inference."""

    name: Annotated[str, azure_name("compute")] = Field("aks", description=(
        "Name of the attached compute in the workspace (what endpoints name as compute)."))
    existing_cluster_id: Annotated[str, resource_id("Microsoft.ContainerService/managedClusters",
                                                    "kubernetes cluster")] | None = Field(
        None, description="An existing AKS cluster (same subscription) instead of a new one.",
        json_schema_extra={"allowed": "an AKS cluster resource id: /subscriptions/<id>/"
                                      "resourceGroups/<group>/providers/"
                                      "Microsoft.ContainerService/managedClusters/<name>"})
    node_vm_size: str = Field("Standard_D4s_v5", pattern=VM_SIZE, description=(
        "VM size of a created cluster's nodes (at least 4 vCPUs and 14 GB for the extension; "
        "an NVIDIA GPU size for GPU instance types)."))
    node_count: StrictInt = Field(3, ge=1, le=100, description=(
        "Nodes of a created cluster (3 or more: the inference router runs highly available)."))
    instance_types: tuple[InstanceTypeSettings, ...] = Field(
        default_factory=_default_instance_types, description=(
            "Instance types deployments choose from (custom resources in the cluster, put through "
            "its API server: pulumi must reach it); the first is the compute's default; Azure's "
            "own defaultinstancetype is there too. []: none, and no call to the API server."))
    router_service_type: Literal["loadBalancer", "nodePort", "clusterIP"] = Field(
        "loadBalancer", description="How the inference router is exposed.")
    internal_load_balancer: StrictBool = Field(True, description=(
        "A load-balanced router gets an internal Azure load balancer (no public IP), in the "
        "cluster's virtual network."))
    tls: TlsSettings | None = Field(None, description=(
        "{cname, certificate, key} (or {cname, secret} on an existing cluster): TLS for scoring "
        "requests."))
    allow_insecure_connections: StrictBool = Field(False, description=(
        "Serve scoring over plain HTTP (no tls): refused where data is protected."))
    install_nvidia_device_plugin: StrictBool | None = Field(None, description=(
        "Whether the extension installs NVIDIA's device plugin (unset: when an instance type asks "
        "for a GPU; false for a cluster that runs one already)."))


class DataStorageSettings(_Model):
    """The storage account training data is read from by identity."""

    create: StrictBool = Field(False, description="Create a keyless account (or give existingId).")
    existing_id: Annotated[str, resource_id("Microsoft.Storage/storageAccounts",
                                            "storage account")] | None = Field(
        None, description="Resource id of an existing account (its container must exist).")
    container: str = Field("data", pattern=r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$",
                           description="Container of the data: 3-63 lowercase letters, digits and "
                                       "single hyphens.")


class DataUserSettings(_Model):
    """An Entra ID user or group that works with the data as itself."""

    object_id: Annotated[str, AfterValidator(_lower)] = Field(
        pattern=f"^{_GUID}$", description="Entra ID object id (a GUID).",
        json_schema_extra={"allowed": "an Entra ID object id (a GUID such as "
                                      "00000000-0000-0000-0000-000000000000)"})
    type: Literal["User", "Group"] = Field("Group", description="User or Group.")


class InstanceSettings(_Model):
    """A compute instance of one user, running as its own user-assigned identity."""

    name: Annotated[str, azure_name("compute instance")] = Field(description=(
        "Name; the Azure name adds the stack's suffix (instance names are unique per region)."))
    assigned_user: Annotated[str, AfterValidator(_lower)] = Field(
        pattern=f"^{_GUID}$", description="Entra ID object id of the user it belongs to.",
        json_schema_extra={"allowed": "an Entra ID object id (a GUID such as "
                                      "00000000-0000-0000-0000-000000000000)"})
    vm_size: str = Field("Standard_DS11_v2", pattern=VM_SIZE, description=(
        "VM size (fixed at creation: a change replaces the instance)."))
    # "Minimum is 15 min, maximum is 3 days" (ComputeInstanceProperties, REST spec)
    idle_minutes_before_shutdown: StrictInt = Field(60, ge=15, le=3 * 24 * 60, description=(
        "Idle minutes before it shuts down (fixed at creation)."))
    secrets: tuple[SecretName, ...] = Field((), description=(
        "Names of workspace key vault secrets code on the instance reads as the instance identity "
        "(Key Vault Secrets User on each, never the whole vault); each must exist."))


class CredentialSettings(_Model):
    """Trust in the OIDC tokens of one CI subject (Entra ID federated credential limits)."""

    name: Annotated[str, azure_name("federated credential")] = Field(description="Name.")
    issuer: str = Field(pattern=r"^https://[^\s*]{1,592}$", description=(
        "The issuer's https URL, e.g. https://token.actions.githubusercontent.com."))
    subject: str = Field(pattern=r"^[^\s*]{1,600}$", description=(
        "The token's subject claim without spaces or wildcards, e.g. "
        "repo:<org>/<repo>:environment:prod."))
    audience: str = Field("api://AzureADTokenExchange", pattern=r"^[^\s*]{1,600}$",
                          description="One audience value.")


def _default_clusters() -> tuple[ClusterSettings, ...]:
    return (ClusterSettings(name="cpu"),)


class StackSettings(_Model):
    """Everything the stack reads from config (namespace: the project's name)."""

    environment: str | None = Field(None, pattern=r"^[a-z][a-z0-9]{1,7}$", description=(
        "Environment token in every resource name: 2-8 lowercase letters and digits, starting "
        "with a letter. Unset: the stack's name."))
    workload: str = Field("mlplat", pattern=r"^[a-z][a-z0-9]{1,9}$", description=(
        "Workload token in every resource name: 2-10 lowercase letters and digits, starting with "
        "a letter."))
    location: str = Field("westeurope", description=(
        "Azure region of every resource: a public region (az account list-locations), e.g. "
        "westeurope."))
    allow_unlisted_location: StrictBool = Field(False, description=(
        "Take a location this package does not list yet (a region newer than its list)."))
    resource_group_name: Annotated[str, azure_name("resource group")] | None = Field(
        None, description="An existing resource group to deploy into, left unmanaged; unset: the "
                          "stack creates rg-<workload>-<environment>.")
    protect_stateful_resources: StrictBool = Field(False, description=(
        "Protect storage, key vault, registry, Log Analytics, the workspace and the stack's "
        "resource group from deletion by Pulumi, and keep them in Azure if they leave the program "
        "(production)."))
    storage_sku: Literal["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS",
                         "Standard_GZRS", "Standard_RAGZRS"] = Field(
        "Standard_LRS", description="Workspace storage redundancy.")
    workspace_storage_key_access: StrictBool = Field(False, description=(
        "Let the workspace storage take account keys and SAS (Azure's default). Off, everything "
        "signs in with Entra ID: Microsoft calls that a preview for workspaces; the policy pack "
        "refuses keys on where the stack protects its data."))
    storage_soft_delete_retention_days: StrictInt = Field(7, ge=1, le=365, description=(
        "Days deleted blobs and containers stay recoverable."))
    key_vault_purge_protection: StrictBool = Field(False, description=(
        "Key vault purge protection (it cannot be turned off once on)."))
    key_vault_soft_delete_retention_days: StrictInt = Field(7, ge=7, le=90, description=(
        "Days a deleted key vault stays recoverable (fixed at the vault's creation)."))
    registry_sku: Literal["Basic", "Standard", "Premium"] = Field(
        "Basic", description="Container registry SKU.")
    existing_registry_id: Annotated[str, resource_id("Microsoft.ContainerRegistry/registries",
                                                     "container registry")] | None = Field(
        None, description="Resource id of an existing registry to use instead of creating one.")
    workspace_identity: IdentityChoice = Field("userAssigned", description=(
        "What the workspace runs as: userAssigned, or systemAssigned (Azure then grants it roles "
        "on the resource group itself)."))
    workspace_public_network_access: Literal["Enabled", "Disabled"] | None = Field(
        None, description=("Public network access to the workspace; unset: Disabled where network "
                           "isolation is on (reached through its private endpoint), Enabled "
                           "elsewhere (Disabled without network: nothing could reach it)."))
    log_retention_days: StrictInt = Field(30, ge=30, le=730, description=(
        "Days Log Analytics keeps logs."))
    compute_clusters: tuple[ClusterSettings, ...] = Field(
        default_factory=_default_clusters, description="AmlCompute clusters.")
    online_endpoints: tuple[EndpointSettings, ...] = Field((), description=(
        "Managed online endpoints with their deployments."))
    existing_secrets: tuple[SecretName, ...] = Field((), description=(
        "Secrets you put in the workspace key vault yourself once a pulumi up has made it (az "
        "keyvault secret set --vault-name <vault> --name <name> --file <file>); workloads may "
        "then name them in their secrets. A new vault holds none, and a grant on a secret that "
        "does not exist is refused."))
    deployer_principal_type: Literal["User", "ServicePrincipal"] | None = Field(
        None, description=(
            "What runs pulumi up: User (an az login) or ServicePrincipal (CI's federated or "
            "managed identity); the stack grants it Storage Blob Data Contributor on the assets "
            "container it uploads to, and Azure refuses an assignment of the wrong type "
            "(UnmatchedPrincipalType). Unset: ServicePrincipal when ARM_CLIENT_ID is set (how "
            "azure-native signs in as one), else User."))
    sample_data: StrictBool = Field(False, description=(
        "Create the secret and blob the sample scoring app reads (samples/score)."))
    workspace_identities: tuple[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")],
                                ...] = Field(
        ("workspace",), min_length=1, description=(
            "Purposes of the workspace's user-assigned identities "
            "(id-<workload>-<env>-<purpose>)."),
        json_schema_extra={"allowed": "identity purposes: 1-40 lowercase letters, digits and "
                                      "hyphens, at least one"})
    workspace_primary_identity: str | None = Field(None, description=(
        "Which of workspaceIdentities is the primary one; unset: the first."))
    private_registry_id: Annotated[str, resource_id("Microsoft.ContainerRegistry/registries",
                                                    "container registry")] | None = Field(
        None, description="Resource id of a registry with base images that builds pull from.")
    data_storage: DataStorageSettings | None = Field(None, description=(
        "Identity-based data: {create: true} or {existingId: <id>}, and container."))
    data_users: tuple[DataUserSettings, ...] = Field((), description=(
        "Users and groups who read the data as themselves (needs dataStorage)."))
    compute_instances: tuple[InstanceSettings, ...] = Field((), description=(
        "Personal compute instances."))
    automation_credentials: tuple[CredentialSettings, ...] = Field((), max_length=20, description=(
        "Federated credentials of the CI identity (at most 20, Entra ID's limit)."))
    allow_unlisted_vm_sizes: StrictBool = Field(False, description=(
        "Take VM sizes this package does not list for Azure ML (sizes newer than its list)."))
    network: NetworkSettings | None = Field(None, description=(
        "Network isolation (unset: public endpoints, Azure's defaults)."))
    kubernetes: KubernetesSettings | None = Field(None, description=(
        "An AKS inference cluster attached as Kubernetes compute, for Kubernetes online "
        "endpoints."))
    tags: dict[str, str] = Field({}, description=(
        "Tags on every resource, beside workload, environment and managed-by."))

    @property
    def names(self) -> StackNames:
        """The Azure name of each resource of this stack."""
        return StackNames(self.workload, self.environment or "")

    @property
    def primary_identity(self) -> str:
        return self.workspace_primary_identity or self.workspace_identities[0]


KEYS = tuple(field.alias or name for name, field in StackSettings.model_fields.items())
"""Every config key of the project namespace the stack reads."""
def _types_in(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    return [annotation, *(t for a in args for t in _types_in(a))]


def _structured(annotation: Any) -> bool:
    """Whether a field of this type is a YAML list or mapping."""
    return any(typing.get_origin(t) in (tuple, dict) or t in (tuple, dict)
               or (isinstance(t, type) and issubclass(t, BaseModel))
               for t in _types_in(annotation))


STRUCTURED = tuple(field.alias or name for name, field in StackSettings.model_fields.items()
                   if _structured(field.annotation))
"""Keys whose value is a YAML list or mapping (Pulumi hands them to the program as JSON)."""
READ_NAMESPACES = ("azure-native", "pulumi", "random")
"""Config namespaces besides the project's that something in the stack reads (the providers)."""
STACK_FILE_KEYS = ("config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt")
"""Top-level keys of a ``Pulumi.<stack>.yaml`` (Pulumi's stack settings)."""


# --- problems in words ------------------------------------------------------------------------

def _key(namespace: str, loc: tuple[Any, ...]) -> str:
    path = namespace + ":" + str(loc[0]) if loc else namespace
    for part in loc[1:]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _field_at(loc: tuple[Any, ...]) -> tuple[FieldInfo | None, type[BaseModel] | None]:
    """The declaration of the value at ``loc``, and the model it belongs to."""
    model: type[BaseModel] | None = StackSettings
    found: FieldInfo | None = None
    owner: type[BaseModel] | None = None
    for part in loc:
        if isinstance(part, int) and found is not None and model is None:
            found = _item_field(found) or found  # an entry of a list of constrained values
            continue
        if isinstance(part, int) or model is None:
            continue
        by_alias = {f.alias or n: f for n, f in model.model_fields.items()}
        found, owner = by_alias.get(str(part)), model
        model = next((t for t in _types_in(found.annotation) if isinstance(t, type)
                      and issubclass(t, BaseModel)), None) if found else None
    return found, owner


def _item_field(field: FieldInfo) -> FieldInfo | None:
    """The declaration of each entry of a ``tuple[Annotated[str, Field(...)], ...]`` field, when
    it says what it allows."""
    items = typing.get_args(field.annotation)
    item = items[0] if items else None
    if typing.get_origin(item) is Annotated:
        return next((m for m in typing.get_args(item)[1:] if isinstance(m, FieldInfo)
                     and isinstance(m.json_schema_extra, dict)
                     and "allowed" in m.json_schema_extra), None)
    return None


def allowed(field: FieldInfo | None) -> str:
    """What a field allows, in words, from its declaration."""
    if field is None:
        return "see Pulumi.yaml"
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "allowed" in extra:
        return str(extra["allowed"])
    checked = [m.func.allowed for m in field.metadata
               if isinstance(m, AfterValidator) and hasattr(m.func, "allowed")]
    if checked:
        return str(checked[0])
    literals = [v for t in _types_in(field.annotation) if typing.get_origin(t) is Literal
                for v in typing.get_args(t)]
    if literals:
        return "one of " + ", ".join(map(str, literals))
    bounds = {type(m).__name__: m for m in field.metadata}
    if "Ge" in bounds and "Le" in bounds:
        return f"a whole number from {bounds['Ge'].ge} to {bounds['Le'].le}"
    kinds = _types_in(field.annotation)
    if bool in kinds:
        return "true or false"
    if any(typing.get_origin(t) is tuple for t in kinds):
        item = _item_field(field)
        return f"a YAML list of {allowed(item)}" if item else "a YAML list"
    if any(typing.get_origin(t) is dict or (isinstance(t, type) and issubclass(t, BaseModel))
           for t in kinds):
        return "a YAML mapping"
    return str(field.description)


def _problem(namespace: str, error: Any) -> str:
    loc = tuple(error["loc"])
    key = _key(namespace, loc)
    field, owner = _field_at(loc)
    if error["type"] == "extra_forbidden":
        known = [f.alias or n for n, f in owner.model_fields.items()] if owner else list(KEYS)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]}?" if close else "known keys are " + ", ".join(known)
        return f"{key} is not a setting of this stack; {hint}"
    if error["type"] == "missing":
        return f"{key} is missing: {allowed(field)}"
    if error["type"] == "value_error":
        what = str(error["ctx"]["error"])
    elif error["type"] == "too_long" and field is not None and field.metadata:
        what = f"at most {error['ctx']['max_length']} entries"
    else:
        what = allowed(field)
    return f"{key} = {error['input']!r} is not allowed: {what}"


# --- what a single value cannot say: rules across keys ----------------------------------------

Problems = list[str]


def _unique(key: str, names: list[str], field: str | None = "name") -> Problems:
    seen: set[str] = set()
    problems = []
    for i, name in enumerate(names):
        if name.lower() in seen:
            where = f"{key}[{i}]" + (f".{field}" if field else "")
            problems.append(f"{where} = {name!r} is not allowed: a value not used by another "
                            "entry")
        seen.add(name.lower())
    return problems


def _cross_checks(ns: str, s: StackSettings) -> Problems:
    """Every rule that spans keys, or needs the values already typed."""
    def k(*parts: str | int) -> str:
        return _key(ns, parts)

    p: Problems = []
    if s.location not in PUBLIC_REGIONS and not s.allow_unlisted_location:
        close = difflib.get_close_matches(s.location, PUBLIC_REGIONS, n=1)
        p.append(f"{k('location')} = {s.location!r} is not allowed: an Azure public region"
                 + (f"; did you mean {close[0]}?" if close else "")
                 + f" (a newer region: set {k('allowUnlistedLocation')}: true)")
    sizes = not s.allow_unlisted_vm_sizes
    for i, c in enumerate(s.compute_clusters):
        if c.max_nodes < c.min_nodes:
            p.append(f"{k('computeClusters', i, 'maxNodes')} = {c.max_nodes!r} is not allowed: "
                     f"at least minNodes ({c.min_nodes})")
        p += _size(k("computeClusters", i, "vmSize"), c.vm_size, ml_compute_size_problem, sizes,
                   k("allowUnlistedVmSizes"))
    p += _unique(k("computeClusters"), [c.name for c in s.compute_clusters])
    p += _unique(k("onlineEndpoints"), [e.name for e in s.online_endpoints])
    for i, e in enumerate(s.online_endpoints):
        p += _deployments(k, i, e, sizes)
        if e.public_network_access == "Disabled" and s.network is None:
            p.append(f"{k('onlineEndpoints', i, 'publicNetworkAccess')} = 'Disabled' is not "
                     f"allowed without {k('network')}: a private endpoint is reached only "
                     "through the workspace's private endpoint, which network makes")
    if s.workspace_public_network_access == "Disabled" and s.network is None:
        p.append(f"{k('workspacePublicNetworkAccess')} = 'Disabled' is not allowed without "
                 f"{k('network')}: a workspace closed to public access is reached only through "
                 "a private endpoint, which network makes")
    if s.network is not None:
        p += _network(k, s, s.network)
    p += _kubernetes(k, s)
    for i, inst in enumerate(s.compute_instances):
        p += _size(k("computeInstances", i, "vmSize"), inst.vm_size, ml_compute_size_problem,
                   sizes, k("allowUnlistedVmSizes"))
    p += _unique(k("computeInstances"), [i.name for i in s.compute_instances])
    p += _unique(k("automationCredentials"), [c.name for c in s.automation_credentials])
    p += _unique(k("dataUsers"), [u.object_id for u in s.data_users], "objectId")
    p += _unique(k("workspaceIdentities"), list(s.workspace_identities), None)
    if s.workspace_primary_identity and s.workspace_primary_identity not in \
            s.workspace_identities:
        p.append(f"{k('workspacePrimaryIdentity')} = {s.workspace_primary_identity!r} is not "
                 "allowed: one of workspaceIdentities: " + ", ".join(s.workspace_identities))
    if s.workspace_identity == IdentityKind.SYSTEM_ASSIGNED.value and \
            s.protect_stateful_resources:
        p.append(f"{k('workspaceIdentity')} = 'systemAssigned' is not allowed where "
                 f"{k('protectStatefulResources')} is true: Azure grants a system-assigned "
                 "workspace identity Azure AI Administrator on the whole resource group "
                 "(how-to-assign-roles), which no production workload holds; userAssigned gets "
                 "only the roles Microsoft lists, each on its resource")
    if s.workspace_identity == IdentityKind.SYSTEM_ASSIGNED.value and \
            s.workspace_identities != ("workspace",):
        p.append(f"{k('workspaceIdentities')} = {list(s.workspace_identities)!r} is not "
                 "allowed: the default unless workspaceIdentity is userAssigned")
    if s.data_storage and s.data_storage.create == (s.data_storage.existing_id is not None):
        p.append(f"{k('dataStorage')} = {s.data_storage.model_dump(by_alias=True)!r} is not "
                 "allowed: either create: true or existingId: <storage account id>")
    if s.data_users and s.data_storage is None:
        p.append(f"{k('dataUsers')} = {[u.object_id for u in s.data_users]!r} is not allowed: "
                 "nothing unless dataStorage is on (create: true or existingId)")
    p += _secrets(k, s)
    p += _tags(k, s.tags)
    if not p:  # the names derived from valid tokens must also fit Azure's rules
        p += _derived_names(k, s)
    return p


SAMPLE_SECRET_NAME = "sample-secret"
"""The secret ``sampleData`` makes for the sample scoring app (samples/score)."""


def _secrets(k: Callable[..., str], s: StackSettings) -> Problems:
    """Every secret a workload reads is one the stack makes or one the user put in the vault:
    the stack orders a grant after what makes its secret, and a new vault holds nothing else."""
    made = {SAMPLE_SECRET_NAME} if s.sample_data else set()
    known = made | set(s.existing_secrets)
    p = [f"{k('existingSecrets')} = {name!r} is not allowed: the stack makes it already "
         "(sampleData)" for name in s.existing_secrets if name in made]
    readers: list[tuple[str, int, tuple[str, ...]]] = [
        *(("computeClusters", i, c.secrets) for i, c in enumerate(s.compute_clusters)),
        *(("computeInstances", i, c.secrets) for i, c in enumerate(s.compute_instances)),
        *(("onlineEndpoints", i, e.secrets) for i, e in enumerate(s.online_endpoints))]
    for section, i, secrets in readers:
        p += [f"{k(section, i, 'secrets', j)} = {name!r} is not allowed: a secret the stack "
              f"makes ({', '.join(sorted(made)) or 'none: sampleData is off'}) or one of "
              f"{k('existingSecrets')} (put it in the workspace key vault after the first pulumi "
              "up made the vault, then list it there: a new vault holds no other secret)"
              for j, name in enumerate(secrets) if name not in known]
    return p


PACKAGE_FEEDS = ("pypi.org", "files.pythonhosted.org", "conda.anaconda.org", "*.anaconda.org",
                 "repo.anaconda.com", "mcr.microsoft.com", "*.data.mcr.microsoft.com")
"""What an environment build reaches: the Python and conda package feeds and Microsoft's image
registry (how-to-managed-network, "Scenario: Access public machine learning packages" and
"Scenario: Use Docker images managed by Azure ML")."""
DATA_RULE = "data-blob"
"""The stack's own private endpoint rule to the data account's blobs."""
_APPROVABLE = {kind.lower() for kind in NETWORK_APPROVER_TARGETS}
STACK_RULES = re.compile(rf"^(feed-\d+|{DATA_RULE})$")
"""Names of the outbound rules the stack writes itself (package feeds, data)."""


PRIVATE_ENDPOINTS = (("workspace", "amlworkspace"), ("storage-blob", "blob"),
                     ("storage-file", "file"), ("key-vault", "vault"), ("registry", "registry"))
"""The private endpoints the stack makes in its network (target, private link group); the
registry's only for a registry it creates, and ``data-blob`` (blob) for a data account it
creates."""


def private_endpoint_groups(s: StackSettings) -> list[tuple[str, str]]:
    """The private endpoints ``s`` makes: (target, group)."""
    return [(target, group) for target, group in PRIVATE_ENDPOINTS
            if target != "registry" or s.existing_registry_id is None]


def _zones(k: Callable[..., str], s: StackSettings, net: NetworkSettings) -> Problems:
    """The private DNS zones given by id: zones the stack's endpoints use, each a private DNS
    zone of that name, and all of them with an existing subnet ("a virtual network cannot be
    linked to multiple zones with overlapping namespaces": a hub network is linked to its zones
    already, and the stack would link another of the same name)."""
    needed = zones_of(group for _, group in private_endpoint_groups(s))
    p = [f"{k('network', 'dnsZoneIds', zone)} is not allowed: a zone the stack's private "
         f"endpoints use: {', '.join(sorted(needed))}" for zone in sorted(set(net.dns_zone_ids)
                                                                          - needed)]
    for zone, zone_id in sorted(net.dns_zone_ids.items()):
        try:
            found = parse_resource_id(zone_id, "Microsoft.Network/privateDnsZones").name
        except ValueError:
            found = None
        if found is None or found.lower() != zone.lower():
            p.append(f"{k('network', 'dnsZoneIds', zone)} = {zone_id!r} is not allowed: the "
                     f"resource id of private DNS zone {zone} (/subscriptions/<id>/"
                     f"resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/{zone})")
    missing = sorted(needed - set(net.dns_zone_ids))
    if net.subnet_id and missing:
        p.append(f"{k('network', 'dnsZoneIds')} is missing {', '.join(missing)}: with "
                 f"{k('network', 'subnetId')} every zone the private endpoints use is the "
                 "network's own (Azure refuses a second zone of the same name linked to it)")
    return p


def _network(k: Callable[..., str], s: StackSettings, net: NetworkSettings) -> Problems:
    """Network isolation settings that cannot work together, each with the reason."""
    p: Problems = _zones(k, s, net)
    if s.existing_registry_id is None and s.registry_sku != "Premium":
        p.append(f"{k('registrySku')} = {s.registry_sku!r} is not allowed with {k('network')}: "
                 "Premium (a registry takes private endpoints only in the Premium tier)")
    if s.workspace_identity != IdentityKind.USER_ASSIGNED.value:
        p.append(f"{k('workspaceIdentity')} = {s.workspace_identity!r} is not allowed with "
                 f"{k('network')}: userAssigned (the approver role on each private endpoint "
                 "target must be held before the workspace exists; a system identity exists "
                 "only with it)")
    if not s.compute_clusters:
        p.append(f"{k('computeClusters')} = [] is not allowed with {k('network')}: at least "
                 "one cluster (the registry, closed to public traffic, cannot build images: "
                 "the first cluster builds them)")
    uploads = s.sample_data or any(e.deployments for e in s.online_endpoints)
    if uploads and not net.uploads_from_network:
        p.append(f"{k('network', 'uploadsFromNetwork')} = false is not allowed with local "
                 "models, code or sampleData: true (pulumi up uploads them to the workspace "
                 "storage, which takes no public traffic: run it inside the network), or "
                 "register them elsewhere and name their azureml:// ids")
    for i, rule in enumerate(net.outbound_rules):
        where = functools.partial(k, "network", "outboundRules", i)
        kinds = [x for x in (rule.fqdn, rule.service_tag, rule.private_endpoint) if x]
        if len(kinds) != 1:
            p.append(f"{where()} = {rule.model_dump(by_alias=True, exclude_defaults=True)!r} is "
                     "not allowed: exactly one of fqdn, serviceTag or privateEndpoint")
        if (rule.fqdn or rule.service_tag) and net.isolation != "AllowOnlyApprovedOutbound":
            p.append(f"{where()} = {rule.name!r} is not allowed with isolation "
                     f"{net.isolation}: FQDN and service tag rules exist only in "
                     "AllowOnlyApprovedOutbound (the internet is open already)")
        if STACK_RULES.match(rule.name):
            p.append(f"{where('name')} = {rule.name!r} is not allowed: a name other than "
                     f"feed-<n> and {DATA_RULE} (the stack's own rules)")
        if rule.private_endpoint and not rule.subresource:
            p.append(f"{where('subresource')} is missing: the target's private link group, "
                     "e.g. blob, vault, registry")
        kind = provider_type(rule.private_endpoint or "")
        if rule.private_endpoint and (kind or "").lower() not in _APPROVABLE:
            p.append(f"{where('privateEndpoint')} = {rule.private_endpoint!r} is not allowed: a "
                     f"resource the workspace identity can approve a private endpoint to with "
                     f"{NETWORK_APPROVER} (how-to-managed-network): "
                     + ", ".join(NETWORK_APPROVER_TARGETS.values()) + "; others need a custom "
                     "role this stack does not grant")
    p += _unique(k("network", "outboundRules"), [r.name for r in net.outbound_rules])
    return p


def _kubernetes(k: Callable[..., str], s: StackSettings) -> Problems:
    """A Kubernetes inference target and the endpoints on it."""
    p: Problems = []
    kube = s.kubernetes
    if kube is not None:
        if s.network is not None:
            p.append(f"{k('kubernetes')} is not allowed with {k('network')}: nothing (managed "
                     "network isolation does not support Kubernetes compute, how-to-managed-"
                     "network, Limitations)")
        p += _kubernetes_tls(k, kube)
        if kube.allow_insecure_connections and s.protect_stateful_resources:
            p.append(f"{k('kubernetes', 'allowInsecureConnections')} = true is not allowed where "
                     f"{k('protectStatefulResources')} is true: tls (scoring tokens would cross "
                     "the network in clear)")
        p += _unique(k("kubernetes", "instanceTypes"), [t.name for t in kube.instance_types])
        p += [f"{k('kubernetes', 'instanceTypes', i, 'name')} = {AZURE_INSTANCE_TYPE!r} is not "
              "allowed: another name (Azure creates its own defaultinstancetype when it attaches "
              "the cluster)" for i, t in enumerate(kube.instance_types)
              if t.name == AZURE_INSTANCE_TYPE]
        gpu = [t.name for t in kube.instance_types if t.gpu]
        size = None if kube.existing_cluster_id else kube.node_vm_size
        found = nvidia_gpu_size_problem(size) if gpu and size else None
        if found:
            p.append(f"{k('kubernetes', 'nodeVmSize')} = {size!r} is not allowed with instance "
                     f"types that ask for GPUs ({', '.join(gpu)}): {found}")
    for i, e in enumerate(s.online_endpoints):
        if e.compute is None:
            continue
        where = functools.partial(k, "onlineEndpoints", i)
        if kube is None or e.compute != kube.name:
            p.append(f"{where('compute')} = {e.compute!r} is not allowed: the name of "
                     f"{k('kubernetes')} ({kube.name if kube else 'not set'})")
            continue
        if e.auth_mode == "AADToken":
            p.append(f"{where('authMode')} = 'AADToken' is not allowed on a Kubernetes endpoint: "
                     "AMLToken or Key (\"Kubernetes online endpoint doesn't support Microsoft "
                     "Entra token\", concept-endpoints-online-auth)")
        if e.public_network_access is not None:
            p.append(f"{where('publicNetworkAccess')} = {e.public_network_access!r} is not "
                     "allowed on a Kubernetes endpoint: nothing (the cluster's router is its "
                     "way in)")
        types = [*(t.name for t in kube.instance_types), AZURE_INSTANCE_TYPE]
        for j, d in enumerate(e.deployments):
            if d.instance_type not in types:
                p.append(f"{where('deployments', j, 'instanceType')} = {d.instance_type!r} is not "
                         f"allowed: one of {k('kubernetes', 'instanceTypes')}: "
                         + ", ".join(types))
            env = d.environment.environment_id or ""
            if env.startswith("azureml://registries/"):
                p.append(f"{where('deployments', j, 'environment')} = {env!r} is not allowed on "
                         "a Kubernetes endpoint: a workspace environment (registry environments "
                         "are not supported there, MicrosoftDocs/azure-docs#110475)")
    return p


def _kubernetes_tls(k: Callable[..., str], kube: KubernetesSettings) -> Problems:
    """The router's TLS: a certificate and key the extension takes as protected settings, or a
    Kubernetes secret that is already in an existing cluster (how-to-secure-kubernetes-online-
    endpoint); the certificate and key are never quoted."""
    tls = kube.tls
    if tls is None:
        return [] if kube.allow_insecure_connections else [
            f"{k('kubernetes', 'tls')} is missing: {{cname, certificate, key}} (the router's "
            "certificate and key, set as secrets), {cname, secret} on an existing cluster, or "
            "allowInsecureConnections: true"]
    where = functools.partial(k, "kubernetes", "tls")
    pem = tls.certificate is not None or tls.key is not None
    if tls.secret and pem:
        return [f"{where('secret')} = {tls.secret!r} is not allowed with certificate and key: "
                "one of the two (\"They don't configure sslSecret and sslCertPemFile/"
                "sslKeyPemFile at the same time\")"]
    if tls.secret:
        return [] if kube.existing_cluster_id else [
            f"{where('secret')} = {tls.secret!r} is not allowed on a cluster the stack creates: "
            "certificate and key (the extension needs the secret in the cluster's azureml "
            "namespace when it installs, and nothing makes it there first)"]
    if tls.certificate is None or tls.key is None:
        return [f"{where(name)} is missing: the router's {name}, PEM, set as a secret"
                for name, value in (("certificate", tls.certificate), ("key", tls.key))
                if value is None]
    certificate, key = tls.certificate.get_secret_value(), tls.key.get_secret_value()
    if ENCRYPTED in certificate or ENCRYPTED in key:
        return []  # read without the Pulumi CLI: checked where it is decrypted
    return [f"{where(which)} (a secret, not shown) is not allowed: {what}"
            for which, what in tls_pem_problems(certificate, key)]


def kubernetes_key_in_clear(namespace: str, raw: Mapping[str, str | None]) -> Problems:
    """The router's private key in config that Pulumi does not keep as a secret. A structured
    value holding a secret is a secret key: ``Map.SecureKeys`` lists the keys whose value is
    secure, and an object is "a composite value that contains a secure string" (pulumi/pulumi
    ``sdk/go/common/resource/config`` map.go, object.go)."""
    full = f"{namespace}:kubernetes"
    try:
        key = json.loads(raw.get("kubernetes") or "{}")["tls"]["key"]
    except (ValueError, KeyError, TypeError):
        return []
    if not isinstance(key, str) or not key or runtime_config.is_config_secret(full):
        return []
    return [f"{full}.tls.key is not allowed in plain text: a secret (pulumi config set --secret "
            "--path 'kubernetes.tls.key' \"$(cat key.pem)\"), which the stack file keeps "
            "encrypted"]


def _size(key: str, size: str, problem: Callable[[str], str | None], check: bool,
          override: str) -> Problems:
    found = problem(size) if check else None
    return [f"{key} = {size!r} is not allowed: {found} (a newer size: set {override}: true)"] \
        if found else []


def _deployments(k: Callable[..., str], i: int, e: EndpointSettings, sizes: bool) -> Problems:
    p = _unique(k("onlineEndpoints", i, "deployments"), [d.name for d in e.deployments])
    shares = [d.traffic for d in e.deployments]
    if sum(shares) not in (0, 100):
        split = ", ".join(f"{d.name}={d.traffic}" for d in e.deployments)
        p.append(f"{k('onlineEndpoints', i, 'deployments')} = {split!r} is not allowed: traffic "
                 f"shares that sum to 100 (or are all 0); these sum to {sum(shares)}")
    rule = RULES["online deployment"]
    for j, d in enumerate(e.deployments):
        where = functools.partial(k, "onlineEndpoints", i, "deployments", j)
        if e.compute is None and not re.fullmatch(VM_SIZE, d.instance_type):
            p.append(f"{where('instanceType')} = {d.instance_type!r} is not allowed: a VM size "
                     "(Standard_...) on a managed endpoint")
        if not (Path(d.code) / d.scoring_script).is_file():
            p.append(f"{where('scoringScript')} = {d.scoring_script!r} is not allowed: a file that "
                     f"exists in {Path(d.code).as_posix()}")
        problem = rule.problem(deployment_name(d.name, d.instance_type))
        if problem:
            p.append(f"{where('name')} = {d.name!r} is not allowed: a shorter name: its Azure name "
                     f"carries the instance type ({problem})")
        if e.compute is None:
            p += _size(where("instanceType"), d.instance_type, online_endpoint_size_problem,
                       sizes, k("allowUnlistedVmSizes"))
        env = d.environment
        if env.environment_id is None and env.image is None:
            p.append(f"{where('environment', 'image')} is missing: an image reference with "
                     "registry and tag or digest, or a registered environment's azureml:// id")
        if env.conda_file is not None and not Path(env.conda_file).is_file():
            p.append(f"{where('environment', 'condaFile')} = {env.conda_file!r} is not allowed: a "
                     "conda YAML file of the project, relative to the project directory")
        for name, value in d.environment_variables.items():
            if name in RESERVED_VARIABLES:
                p.append(f"{where('environmentVariables', name)} = {value!r} is not allowed: "
                         "nothing: the stack sets " + ", ".join(RESERVED_VARIABLES) + " itself")
            elif not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                p.append(f"{where('environmentVariables', name)} = {name!r} is not allowed: a "
                         "variable name of letters, digits and '_'")
    return p


def _tags(k: Callable[..., str], tags: Mapping[str, str]) -> Problems:
    p = []
    for name, value in tags.items():
        if not name or len(name) > 512 or set(name) & _TAG_NAME_FORBIDDEN:
            p.append(f"{k('tags', name)} = {name!r} is not allowed: a tag name of 1-512 "
                     "characters without < > % & \\ ? /")
        elif len(name) > 128:  # storage accounts take tag names of at most 128 characters
            p.append(f"{k('tags', name)} = {name!r} is not allowed: at most 128 characters (the "
                     "limit storage accounts set)")
        if len(value) > 256:
            p.append(f"{k('tags', name)} = {value!r} is not allowed: a string of at most 256 "
                     "characters")
        if name in STACK_TAGS:
            p.append(f"{k('tags', name)} = {value!r} is not allowed: a tag the stack sets itself "
                     f"({', '.join(STACK_TAGS)})")
    if len(tags) > MAX_TAGS - len(STACK_TAGS):
        p.append(f"{k('tags')} = {len(tags)} tags is not allowed: at most "
                 f"{MAX_TAGS - len(STACK_TAGS)} (ARM allows {MAX_TAGS} per resource and the stack "
                 f"sets {len(STACK_TAGS)})")
    return p


def _derived_names(k: Callable[..., str], s: StackSettings) -> Problems:
    names = s.names
    p = [f"{k('workload')}/{k('environment')}: {x}" for x in names.problems()]
    named: list[tuple[str, list[str], Callable[[str], list[str]]]] = [
        ("computeClusters", [c.name for c in s.compute_clusters], names.cluster_problems),
        ("onlineEndpoints", [e.name for e in s.online_endpoints], names.endpoint_problems),
        ("computeInstances", [i.name for i in s.compute_instances], names.instance_problems)]
    for key, entries, check in named:
        p += [f"{k(key)}[{i}].name: {x} (shorten the name)"
              for i, entry in enumerate(entries) for x in check(entry)]
    p += [f"{k('workspaceIdentities')}[{i}]: {x} (shorten it)"
          for i, purpose in enumerate(s.workspace_identities)
          for x in names.identity_problems(purpose)]
    if s.data_storage and not s.data_storage.existing_id:
        p += [f"{k('dataStorage')}: {x}" for x in names.data_storage_problems()]
    first: dict[str, str] = {}
    for purpose, key in identity_purposes(s):
        if purpose in first:
            p.append(f"{k(key)}: its identity {purpose!r} would be the same as one of "
                     f"{k(first[purpose])}; rename one of them")
        first.setdefault(purpose, key)
    return p


def identity_purposes(s: StackSettings) -> list[tuple[str, str]]:
    """Every user-assigned identity the stack creates, as (purpose, config key it comes from)."""
    user = IdentityKind.USER_ASSIGNED.value
    purposes: list[tuple[str, str]] = []
    if s.workspace_identity == user:
        purposes += [(p, "workspaceIdentities") for p in s.workspace_identities]
    purposes += [(cluster_identity_purpose(c.name), "computeClusters")
                 for c in s.compute_clusters if c.identity == user]
    purposes += [(endpoint_identity_purpose(e.name), "onlineEndpoints")
                 for e in s.online_endpoints if e.identity == user]
    purposes += [(instance_identity_purpose(i.name), "computeInstances")
                 for i in s.compute_instances]
    if s.private_registry_id:
        purposes.append((REGISTRY_PULL_PURPOSE, "privateRegistryId"))
    if s.automation_credentials:
        purposes.append((AUTOMATION_PURPOSE, "automationCredentials"))
    if s.kubernetes:
        purposes.append((kubernetes_identity_purpose(s.kubernetes.name), "kubernetes"))
    return purposes


# --- reading config ---------------------------------------------------------------------------

def _declared(key: str) -> FieldInfo:
    """The declaration of top-level config key ``key``."""
    return next(f for n, f in StackSettings.model_fields.items() if (f.alias or n) == key)


def _typed(key: str, text: str) -> Any:
    """A config value as the schema expects it: Pulumi hands over every value as a string, and
    structured ones (YAML lists and mappings) as JSON."""
    kinds = _types_in(_declared(key).annotation)
    if key in STRUCTURED or bool in kinds or int in kinds:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def parse_settings(namespace: str, raw: Mapping[str, str | None], stack: str = "dev"
                   ) -> StackSettings:
    """Validate raw config values of ``namespace`` (strings, as Pulumi hands them over; None or
    empty when unset) for stack ``stack``, whose name is the environment unless one is set.

    Raises :class:`ConfigError` listing every problem.
    """
    values: dict[str, Any] = {}
    for key, text in raw.items():
        if text in (None, ""):
            continue
        value = _typed(key, str(text)) if key in KEYS else text
        if value == {} and key in KEYS and _declared(key).default is None:
            continue  # an empty mapping turns an optional block off
        values[key] = value
    values.setdefault("environment", stack)
    try:
        settings = StackSettings.model_validate(values)
    except ValidationError as error:
        problems = [_problem(namespace, e) for e in error.errors()]
        if "environment" not in raw or not raw.get("environment"):
            problems = [x.replace(f"{namespace}:environment = ",
                                  f"{namespace}:environment (unset: the stack's name) = ")
                        for x in problems]
        raise ConfigError(problems) from None
    problems = _cross_checks(namespace, settings)
    if problems:
        raise ConfigError(problems)
    return settings


def unread_keys(namespace: str, configured: list[str]) -> Problems:
    """Keys in a namespace nothing in the stack reads (likely a typo of the project's name)."""
    problems = []
    for full_key in sorted(configured):
        prefix, _, key = full_key.partition(":")
        if prefix != namespace and prefix not in READ_NAMESPACES:
            close = difflib.get_close_matches(prefix, [namespace, *READ_NAMESPACES], n=1)
            hint = f"did you mean {close[0]}:{key}?" if close else \
                f"the stack reads {namespace}:<key> and its providers' namespaces"
            problems.append(f"{full_key} is in a namespace nothing in this stack reads; {hint}")
    return problems


def stack_file_problems(path: Path) -> Problems:
    """What the Pulumi CLI refuses in a stack file (YAML it cannot read, a key written twice), and
    top-level keys it does not read (config there is silently ignored), each with its line."""
    try:
        data = read_yaml(path)
    except StackFileError as error:
        return error.problems
    if not isinstance(data, dict):
        return [f"{path.name}: a stack file is a YAML mapping with a config: block"] if data else []
    problems = []
    for key in sorted(set(data) - set(STACK_FILE_KEYS)):
        close = difflib.get_close_matches(key, STACK_FILE_KEYS, n=1)
        hint = f"did you mean {close[0]}:?" if close else \
            "settings go under config:, as <project>:<key>: <value>"
        problems.append(f"{path.name}: top-level key {key!r} is not read by Pulumi; {hint}")
    return problems


def project_files_problems(stack: str) -> Problems:
    """What is wrong in the running stack's project file and stack file
    (:func:`stack_file_problems`).

    The project is found as the Pulumi CLI finds it, from the folder the program runs in (the
    project's, or its ``main:`` folder) upwards to the first ``Pulumi.yaml`` (pulumi/pulumi
    sdk/go/common/workspace/paths.go ``DetectProjectPathFrom``); the stack file as the CLI finds
    it (:func:`components.stackfile.stack_file_path`). Outside a project: none.
    """
    here = Path.cwd().resolve()
    project_dir = next((d for d in (here, *here.parents) if (d / "Pulumi.yaml").is_file()), None)
    if project_dir is None:
        return []
    try:
        stack_file = stack_file_path(project_dir, stack, read_yaml(project_dir / "Pulumi.yaml"))
    except StackFileError as error:
        return error.problems
    return stack_file_problems(stack_file) if stack_file.exists() else []


def load_settings(config: pulumi.Config | None = None) -> StackSettings:
    """Read and validate the running stack's settings: its config, and its project and stack
    files as the Pulumi CLI reads them."""
    config = config or pulumi.Config()
    namespace, stack = config.name, pulumi.get_stack()
    configured = [*runtime_config.CONFIG.get(), *runtime_config.get_config_env()]
    raw = {key.partition(":")[2]: config.get(key.partition(":")[2]) for key in configured
           if key.partition(":")[0] == namespace}
    problems = project_files_problems(stack)
    problems += unread_keys(namespace, configured)
    problems += kubernetes_key_in_clear(namespace, raw)
    try:
        settings = parse_settings(namespace, raw, stack)
    except ConfigError as error:
        problems = error.problems + problems
    if problems:
        raise ConfigError(problems)
    return settings


def data_users(s: StackSettings) -> list[DataUser]:
    """The data users as the library takes them."""
    return [DataUser(u.object_id, u.type) for u in s.data_users]


def credentials(s: StackSettings) -> list[FederatedCredential]:
    """The automation credentials as the library takes them."""
    return [FederatedCredential(c.name, c.issuer, c.subject, c.audience)
            for c in s.automation_credentials]
