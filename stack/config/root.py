"""The root of the stack's configuration: every key of the project's namespace, in the order
``Pulumi.yaml`` declares them; each section's entries are declared in the section's module."""

from __future__ import annotations

import typing
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictBool

from components.arguments import NetworkAccess, SecretName, azure_name, resource_id
from components.automation import MAX_CREDENTIALS
from components.registry import RegistrySku
from components.workspace import WorkspaceSpec

from ..names import StackNames
from .assets import PrincipalType
from .automation import CredentialSettings
from .base import ConfigModel, IdentityChoice
from .batch_endpoints import BatchEndpointSettings
from .clusters import ClusterSettings, default_clusters
from .data import DataStorageSettings, DataUserSettings
from .endpoints import EndpointSettings
from .instances import InstanceSettings
from .kubernetes import KubernetesSettings
from .ml_registry import MlRegistrySettings
from .network import NetworkSettings


class StackSettings(WorkspaceSpec, ConfigModel):
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
    workspace_storage_key_access: StrictBool = Field(False, description=(
        "Let the workspace storage take account keys and SAS (Azure's default). Off, everything "
        "signs in with Entra ID: Microsoft calls that a preview for workspaces; the policy pack "
        "refuses keys on where the stack protects its data."))
    registry_sku: RegistrySku = Field("Basic", description="Container registry SKU.")
    existing_registry_id: Annotated[str, resource_id("Microsoft.ContainerRegistry/registries",
                                                     "container registry")] | None = Field(
        None, description="Resource id of an existing registry to use instead of creating one.")
    customer_managed_key: StrictBool = Field(False, description=(
        "Encrypt the workspace (its metadata in the Cosmos DB, AI Search and storage Azure makes "
        "for it, at a cost), its storage account and a Premium registry of a public stack with "
        "an RSA key of a key vault of its own (purge protection on), used as the identity "
        "id-<workload>-<env>-encryption; fixed when the workspace and the registry are created."))
    workspace_high_business_impact: StrictBool | None = Field(None, description=(
        "Mark the workspace high business impact (less diagnostic data collected by Azure); "
        "fixed when the workspace is created. Unset: on with customerManagedKey."))
    workspace_identity: IdentityChoice = Field("userAssigned", description=(
        "What the workspace runs as: userAssigned, or systemAssigned (Azure then grants it roles "
        "on the resource group itself)."))
    workspace_public_network_access: NetworkAccess | None = Field(
        None, description=("Public network access to the workspace; unset: Disabled where network "
                           "isolation is on (reached through its private endpoint), Enabled "
                           "elsewhere (Disabled without network: nothing could reach it)."))
    compute_clusters: tuple[ClusterSettings, ...] = Field(
        default_factory=default_clusters, description="AmlCompute clusters.")
    online_endpoints: tuple[EndpointSettings, ...] = Field((), description=(
        "Managed online endpoints with their deployments."))
    batch_endpoints: tuple[BatchEndpointSettings, ...] = Field((), description=(
        "Batch endpoints with their model deployments on computeClusters, and who may invoke "
        "them."))
    existing_secrets: tuple[SecretName, ...] = Field((), description=(
        "Secrets you put in the workspace key vault yourself once a pulumi up has made it (az "
        "keyvault secret set --vault-name <vault> --name <name> --file <file>); workloads may "
        "then name them in their secrets. A new vault holds none, and a grant on a secret that "
        "does not exist is refused."))
    deployer_principal_type: PrincipalType | None = Field(
        None, description=(
            "What runs pulumi up: User (an az login) or ServicePrincipal (CI's federated or "
            "managed identity); the stack grants it Storage Blob Data Contributor on the assets "
            "container it uploads to, and Azure refuses an assignment of the wrong type "
            "(UnmatchedPrincipalType). Unset: ServicePrincipal when ARM_CLIENT_ID is set (how "
            "azure-native signs in as one), else User."))
    diagnostics: StrictBool = Field(True, description=(
        "Send the resource logs of the workspace, its key vault, storage, registry, managed "
        "online endpoints and AKS cluster to the stack's Log Analytics workspace (kept for "
        "logRetentionDays)."))
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
    automation_credentials: tuple[CredentialSettings, ...] = Field(
        (), max_length=MAX_CREDENTIALS, description=(
            "Federated credentials of the CI identity (at most 20, Entra ID's limit)."))
    allow_unlisted_vm_sizes: StrictBool = Field(False, description=(
        "Take VM sizes this package does not list for Azure ML (sizes newer than its list)."))
    network: NetworkSettings | None = Field(None, description=(
        "Network isolation (unset: public endpoints, Azure's defaults)."))
    kubernetes: KubernetesSettings | None = Field(None, description=(
        "An AKS inference cluster attached as Kubernetes compute, for Kubernetes online "
        "endpoints."))
    ml_registry: MlRegistrySettings | None = Field(None, description=(
        "The Azure ML registry deployments take models and environments from, owned by another "
        "stack: {id} or {stack}, with who publishes into it and uses it."))
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


def types_in(annotation: Any) -> list[Any]:
    """``annotation`` and every type inside it."""
    args = typing.get_args(annotation)
    return [annotation, *(t for a in args for t in types_in(a))]


def _structured(annotation: Any) -> bool:
    """Whether a field of this type is a YAML list or mapping."""
    return any(typing.get_origin(t) in (tuple, dict) or t in (tuple, dict)
               or (isinstance(t, type) and issubclass(t, BaseModel))
               for t in types_in(annotation))


STRUCTURED = tuple(field.alias or name for name, field in StackSettings.model_fields.items()
                   if _structured(field.annotation))
"""Keys whose value is a YAML list or mapping (Pulumi hands them to the program as JSON)."""
