"""Azure Machine Learning workspace with everything Azure requires it to have.

A workspace cannot be created without a storage account, a key vault and Application Insights
(backed here by a Log Analytics workspace); the registry is optional for Azure but needed for
images, so the caller passes a :class:`~components.registry.ContainerRegistry`.

With a user-assigned identity the workspace identity receives every role of Microsoft's table
("Set up authentication between Azure Machine Learning and other services", User-assigned managed
identity > Workspace): Contributor on the workspace, Contributor + Storage Blob Data Contributor on
the storage account, Contributor + Key Vault Administrator on the key vault (RBAC model),
Contributor on the registry and on Application Insights. The workspace waits for the grants on its
dependents, so it can reach them as soon as it exists. A system-assigned workspace identity gets
its roles from Azure itself: Azure AI Administrator on the whole resource group
(how-to-assign-roles: "Workspaces created after [11/19/2024] have the system-assigned managed
identity assigned to the Azure AI Administrator role"), which the component lists in
``azure_grants``; it grants that identity nothing (a second assignment of the same principal, role
and scope fails with 409 RoleAssignmentExists).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal, TypedDict

import pulumi
from pulumi_azure_native import (
    applicationinsights,
    keyvault,
    operationalinsights,
    storage,
)
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, InstanceOf, SkipValidation, StrictBool, StrictInt

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, AzureGrant, Grant, Principal, after, grant
from .arguments import Arguments, NetworkAccess, Placed, StrInput, azure_name
from .azure import sources
from .azure.names import RULES
from .azure.resource_ids import parse_resource_id, resource_group_id
from .catalog import AT_RISK, REFUSED, Fixed, Seconds, Shown
from .encryption import ENCRYPTION_KEY, EncryptionRef
from .identity import USER_ASSIGNED_IDENTITY, UserIdentity, ml_identity, runs_as
from .key_vault import VAULT_CREATE_ONLY, rbac_vault
from .managed_network import NETWORK_APPROVER, OWN_APPROVALS, ManagedNetwork
from .network import LINK_TARGET, PRIVATE_ENDPOINT, closed_storage_rules
from .network_provisioning import NETWORK_PROVISIONING, ManagedNetworkProvisioning
from .registry import REGISTRY, ContainerRegistry


class InWorkspace(TypedDict):
    """The arguments that place a resource inside a workspace (``**ref.inside()``)."""

    workspace_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]


@dataclass(frozen=True)
class WorkspaceRef:
    """What a compute cluster or an online endpoint needs to know about the workspace it joins."""

    id: pulumi.Input[str]
    name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    storage_account_id: pulumi.Input[str]
    """The workspace's default storage, where models and data are read from."""
    key_vault_id: pulumi.Input[str]
    """The workspace's key vault, where scoring code reads secrets from."""
    container_registry_id: pulumi.Input[str]
    """The workspace's registry, where images are pulled from."""
    key_vault_uri: pulumi.Input[str] | None = None
    """The key vault's URI; None derives the Azure public cloud URI from the vault's name."""
    blob_endpoint: pulumi.Input[str] | None = None
    """The storage account's blob endpoint; None derives the Azure public cloud endpoint."""
    resource: pulumi.Resource | None = None
    """The workspace resource when this program manages it: what lives inside the workspace
    (computes, datastores, asset versions, connections) is deleted with it."""
    ready: Sequence[pulumi.Resource] = ()
    """What computes and deployments of the workspace wait for: its managed network, provisioned
    (:mod:`components.network_provisioning`)."""

    def inside(self) -> InWorkspace:
        """Where a resource of the workspace goes: its workspace, group and location."""
        return InWorkspace(workspace_name=self.name, resource_group_name=self.resource_group_name,
                           location=self.location)

    def vault_uri(self) -> pulumi.Output[str]:
        """URI of the workspace's key vault, e.g. ``https://kv-x.vault.azure.net/``."""
        return _endpoint(self.key_vault_uri, self.key_vault_id, "Microsoft.KeyVault/vaults",
                         "vault.azure.net")

    def blob_url(self) -> pulumi.Output[str]:
        """Blob endpoint of the workspace's storage, e.g. ``https://stx.blob.core.windows.net/``."""
        return _endpoint(self.blob_endpoint, self.storage_account_id,
                         "Microsoft.Storage/storageAccounts", "blob.core.windows.net")

    @staticmethod
    def existing(workspace_id: pulumi.Input[str],
                 opts: pulumi.InvokeOutputOptions | None = None) -> WorkspaceRef:
        """A workspace this program does not manage, looked up by resource id (a malformed id
        given as a string is refused at once).

        The lookup goes through the azure-native provider, so the workspace must be in the
        provider's subscription (pass ``opts=InvokeOutputOptions(provider=...)`` for another one),
        and it must have a container registry attached.
        """
        kind = "Microsoft.MachineLearningServices/workspaces"
        if isinstance(workspace_id, str):
            parse_resource_id(workspace_id, kind)
        parts = pulumi.Output.from_input(workspace_id).apply(
            lambda rid: parse_resource_id(rid, kind))
        name = parts.apply(lambda p: p.name)
        group = parts.apply(lambda p: p.resource_group_name)
        found = ml.get_workspace_output(resource_group_name=group, workspace_name=name, opts=opts)
        return WorkspaceRef(
            id=workspace_id,
            name=name,
            resource_group_name=group,
            location=found.location,
            storage_account_id=found.storage_account,
            key_vault_id=found.key_vault,
            container_registry_id=pulumi.Output.all(found.container_registry, workspace_id).apply(
                lambda v: v[0] or _no_registry(v[1])),
        )


# --- the types a workspace is made of ------------------------------------------------------------

def _zone_redundant(inputs: catalog.Inputs) -> bool:
    sku = (inputs.get("sku") or {}).get("name")
    return isinstance(sku, str) and "ZRS" in sku


STORAGE_ACCOUNT = catalog.register(catalog.ResourceType(
    "azure-native:storage:StorageAccount", "storage account",
    created_in=Seconds(25, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.Storage/storageAccounts/{accountName}"),
    name="accountName", name_rule=RULES["storage account"], stateful=True,
    replaced_on=("location", "isHnsEnabled"),
    fixed=(Fixed("sku.name", REFUSED,
                 "moving between zone-redundant and other redundancy is a conversion, not an "
                 "update (StorageAccountTypeConversionNotAllowed)",
                 "MicrosoftDocs/azure-docs storage/common/redundancy-migration.md",
                 lambda old, new: _zone_redundant(old) != _zone_redundant(new)),),
    shown=(Shown("sku", "sku.name"),
           # "The storage account permits requests that are authorized with Shared Key when the
           # property value is null or when it is true" (Learn, shared-key-authorization-prevent).
           Shown("shared keys", "allowSharedKeyAccess", True),
           Shown("public blobs", "allowBlobPublicAccess", False),
           Shown("public network", "publicNetworkAccess", "Enabled"),
           Shown("TLS", "minimumTlsVersion"),
           Shown("encryption key", "encryption.keySource", "Microsoft.Storage")),
    # a customer-managed key can be turned on, changed or rotated on an existing account
    # (storage customer-managed-keys-configure-existing-account)
    requires={ENCRYPTION_KEY: "an account encrypted with a customer-managed key is created "
                              "with it",
              USER_ASSIGNED_IDENTITY: "an encrypted account is created with the identity that "
                                      "uses the key",
              ROLE_ASSIGNMENT: "an encrypted account's identity must use the key when the account "
                               "is created"},
    # azure-rest-api-specs storage.json StorageAccountPropertiesCreateParameters:
    # supportsHttpsTrafficOnly (x-ms-client-name EnableHttpsTrafficOnly), networkAcls
    # (x-ms-client-name NetworkRuleSet)
    arm_names={"enableHttpsTrafficOnly": "supportsHttpsTrafficOnly",
               "networkRuleSet": "networkAcls"}))
BLOB_SERVICE = catalog.register(catalog.ResourceType(
    "azure-native:storage:BlobServiceProperties", "blob service",
    created_in=Seconds(3, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.Storage/storageAccounts/{accountName}/blobServices/"
                                 "{blobServicesName}"),
    name="blobServicesName",
    requires={STORAGE_ACCOUNT: "settings of the account's blob service"},
    shown=(Shown("deleted blobs kept (days)", "deleteRetentionPolicy.days"),
           Shown("deleted containers kept (days)", "containerDeleteRetentionPolicy.days")),
    logs=catalog.Logs(("StorageRead", "StorageWrite", "StorageDelete"),
                      catalog.SUPPORTED_LOGS + "microsoft-storage-storageaccounts-blobservices-"
                      "logs")))
_SOFT_DELETE = "MicrosoftDocs/azure-docs key-vault/general/soft-delete-overview.md"
KEY_VAULT = catalog.register(catalog.ResourceType(
    "azure-native:keyvault:Vault", "key vault", created_in=Seconds(20, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.KeyVault/vaults/{vaultName}"),
    name="vaultName", name_rule=RULES["key vault"], stateful=True,
    fixed=(Fixed(VAULT_CREATE_ONLY, REFUSED,
                 "\"The retention policy interval can only be configured during key vault "
                 "creation and can't be changed afterwards\": the vault keeps the days it was "
                 "created with; a new value applies to a vault created anew", _SOFT_DELETE),
           Fixed("properties.enablePurgeProtection", catalog.LIES,
                 "purge protection \"cannot be disabled or overridden by anyone including "
                 "Microsoft\"", _SOFT_DELETE,
                 lambda old, new: (old.get("properties") or {}).get("enablePurgeProtection")
                 is True)),
    shown=(Shown("sku", "properties.sku.name"),
           Shown("purge protection", "properties.enablePurgeProtection", False),
           Shown("deleted vault kept (days)", "properties.softDeleteRetentionInDays", 90),
           Shown("public network", "properties.publicNetworkAccess", "enabled")),
    logs=catalog.Logs(("AuditEvent", "AzurePolicyEvaluationDetails"),
                      catalog.SUPPORTED_LOGS + "microsoft-keyvault-vaults-logs")))
catalog.require(STORAGE_ACCOUNT, {KEY_VAULT: "an encrypted account names its key's vault URI"})
LOG_ANALYTICS = catalog.register(catalog.ResourceType(
    "azure-native:operationalinsights:Workspace", "log analytics workspace",
    created_in=Seconds(30, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.OperationalInsights/workspaces/{workspaceName}"),
    name="workspaceName", name_rule=RULES["log analytics workspace"], stateful=True,
    replaced_on=("location",),
    shown=(Shown("sku", "sku.name"), Shown("retention (days)", "retentionInDays"))))
APPLICATION_INSIGHTS = catalog.register(catalog.ResourceType(
    "azure-native:applicationinsights:Component", "application insights",
    created_in=Seconds(10, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.Insights/components/{resourceName}"),
    name="resourceName", name_rule=RULES["application insights"],
    replaced_on=("location", "applicationType"),
    requires={LOG_ANALYTICS: "workspace-based Application Insights names its Log Analytics"},
    shown=(Shown("public ingestion", "publicNetworkAccessForIngestion", "Enabled"),
           Shown("public query", "publicNetworkAccessForQuery", "Enabled"))))


def _isolation(inputs: catalog.Inputs) -> str:
    return str((inputs.get("managedNetwork") or {}).get("isolationMode") or "Disabled")


_NETWORK_LIMITS = "MicrosoftDocs/azure-ai-docs how-to-managed-network (Limitations)"
_CMK = "MicrosoftDocs/azure-ai-docs concept-customer-managed-keys"
_KEY_IDENTIFIER = "encryption.keyVaultProperties.keyIdentifier"


def _flag(path: str) -> Callable[[catalog.Inputs, catalog.Inputs], bool]:
    """Whether a change turns the flag at ``path`` on or off (unset counts as off)."""
    return lambda old, new: bool(old.get(path)) != bool(new.get(path))


_WORKSPACE_SPEC = "Azure/azure-rest-api-specs machinelearningservices workspaceRP.json"
ML_WORKSPACE = catalog.register(catalog.ResourceType(
    "azure-native:machinelearningservices:Workspace", "ml workspace",
    created_in=Seconds(60, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.MachineLearningServices/workspaces/{workspaceName}"),
    name="workspaceName", name_rule=RULES["workspace"], stateful=True,
    fixed=(Fixed("managedNetwork.isolationMode", REFUSED,
                 "managed network isolation \"can't be disabled\" once on, and the doc refuses "
                 "moving between its two modes", _NETWORK_LIMITS,
                 lambda old, new: _isolation(old) != "Disabled"),
           Fixed("managedNetwork.isolationMode", catalog.AT_RISK,
                 "turning isolation on keeps the clusters, instances and endpoints made before it "
                 "outside the managed network: \"recreate\" them (the stack provisions the network "
                 "first, about 30 minutes, since provisionNetworkNow does nothing on an existing "
                 "workspace)", _NETWORK_LIMITS, lambda old, new: _isolation(old) == "Disabled"),
           Fixed("storageAccount", REFUSED,
                 "\"This cannot be changed once the workspace has been created\"",
                 f"{_WORKSPACE_SPEC} storageAccount"),
           Fixed("keyVault", REFUSED,
                 "\"This cannot be changed once the workspace has been created\"",
                 f"{_WORKSPACE_SPEC} keyVault"),
           Fixed("hbiWorkspace", REFUSED,
                 "\"You can set the hbi_workspace flag only when you create a workspace. You "
                 "can't change it for an existing workspace\"", _CMK, _flag("hbiWorkspace")),
           Fixed("enableDataIsolation", REFUSED,
                 "\"The data isolation setting can only be configured when creating a "
                 "workspace. You can't enable or disable it after the workspace is created\"",
                 "MicrosoftDocs/azure-ai-docs how-to-identity-based-service-authentication",
                 _flag("enableDataIsolation")),
           Fixed("encryption", REFUSED,
                 "a customer-managed key is chosen when the workspace is created, and \"can "
                 "only be updated to another key in the original Azure Key Vault resource\": "
                 "turning it on or off, another vault or another identity is a new workspace",
                 f"{_CMK} (Limitations)", unless=(_KEY_IDENTIFIER,)),
           Fixed(_KEY_IDENTIFIER, AT_RISK,
                 "another key or version in the same vault is the one change Azure takes, but "
                 "azure-native sends it in a PUT of the whole workspace where azure-ai-ml sends a "
                 "PATCH of the key alone (\"Only the key uri property of customer_managed_key can "
                 "be updated\"): Azure's answer to the PUT is unverified; if it refuses, send "
                 "that PATCH (azure-ai-ml MLClient.workspaces.begin_update with the new "
                 "customer_managed_key.key_uri), then refresh",
                 "Azure/azure-sdk-for-python azure-ai-ml _workspace_operations_base.py "
                 "begin_update; pulumi/pulumi-azure-native#3983 (updates are PUTs)",
                 lambda old, new: bool(old.get("encryption")))),
    requires={STORAGE_ACCOUNT: "a workspace is created with its storage account",
              KEY_VAULT: "a workspace is created with its key vault",
              ENCRYPTION_KEY: "a workspace encrypted with a customer-managed key is created "
                              "with it",
              REGISTRY: "a workspace is created with its registry",
              APPLICATION_INSIGHTS: "a workspace is created with its Application Insights",
              USER_ASSIGNED_IDENTITY: "a workspace is created with its identities",
              ROLE_ASSIGNMENT: "a user-assigned workspace identity must reach its dependents when "
                               "the workspace is created (seed 002)"},
    shown=(Shown("sku", "sku.name"),
           Shown("public network", "publicNetworkAccess", "Enabled"),
           Shown("managed network", "managedNetwork.isolationMode", "Disabled"),
           Shown("firewall", "managedNetwork.firewallSku"),
           Shown("image builds on", "imageBuildCompute"),
           Shown("customer-managed key", "encryption.status", "Disabled"),
           Shown("high business impact", "hbiWorkspace", False)),
    # AmlComputeClusterNodeEvent is left out: its table is deprecated (February 2022,
    # monitor-azure-machine-learning-reference)
    logs=catalog.Logs(("AmlComputeClusterEvent", "AmlComputeCpuGpuUtilization",
                       "AmlComputeJobEvent", "AmlRunStatusChangedEvent", "ComputeInstanceEvent",
                       "DataLabelChangeEvent", "DataLabelReadEvent", "DataSetChangeEvent",
                       "DataSetReadEvent", "DataStoreChangeEvent", "DataStoreReadEvent",
                       "DeploymentEventACI", "DeploymentEventAKS", "DeploymentReadEvent",
                       "EnvironmentChangeEvent", "EnvironmentReadEvent",
                       "InferencingOperationACI", "InferencingOperationAKS", "ModelsActionEvent",
                       "ModelsChangeEvent", "ModelsReadEvent", "PipelineChangeEvent",
                       "PipelineReadEvent", "RunEvent", "RunReadEvent"),
                      catalog.SUPPORTED_LOGS + "microsoft-machinelearningservices-workspaces-"
                      "logs")))


def in_workspace(path: str) -> str:
    """The id template of a resource inside a workspace, from its path under it
    (``computes/{computeName}``)."""
    return catalog.in_group("Microsoft.MachineLearningServices/workspaces/{workspaceName}/" + path)


catalog.require(ROLE_ASSIGNMENT, {STORAGE_ACCOUNT: PRINCIPAL_OR_SCOPE,
                                  KEY_VAULT: PRINCIPAL_OR_SCOPE, ML_WORKSPACE: PRINCIPAL_OR_SCOPE,
                                  APPLICATION_INSIGHTS: PRINCIPAL_OR_SCOPE})
catalog.require(PRIVATE_ENDPOINT, {ML_WORKSPACE: LINK_TARGET, STORAGE_ACCOUNT: LINK_TARGET,
                                   KEY_VAULT: LINK_TARGET})
catalog.require(NETWORK_PROVISIONING,
                {ML_WORKSPACE: "it provisions the workspace's managed network"})


def _endpoint(given: pulumi.Input[str] | None, resource_id: pulumi.Input[str],
              provider_type: str, domain: str) -> pulumi.Output[str]:
    """``given``, or the Azure public cloud endpoint ``https://<resource name>.<domain>/``."""
    if given is not None:
        return pulumi.Output.from_input(given)
    return pulumi.Output.from_input(resource_id).apply(
        lambda rid: f"https://{parse_resource_id(rid, provider_type).name}.{domain}/")


def _storage_encryption(key: EncryptionRef) -> storage.EncryptionArgs:
    """The workspace storage encrypted with ``key`` through its identity: the key without a
    version, so the account follows its rotations (storage customer-managed-keys-overview: with
    the version left out, Azure Storage checks the vault daily for a new one)."""
    return storage.EncryptionArgs(
        key_source=storage.KeySource.MICROSOFT_KEYVAULT,
        key_vault_properties=storage.KeyVaultPropertiesArgs(
            key_name=key.key_name, key_vault_uri=key.key_vault_uri),
        encryption_identity=storage.EncryptionIdentityArgs(
            encryption_user_assigned_identity=key.identity.id))


def _no_registry(workspace_id: str) -> str:
    raise ValueError(f"workspace {workspace_id} has no container registry attached; attach one "
                     "(az ml workspace update --container-registry <id>) before adding workloads")


StorageSku = Literal["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS",
                     "Standard_GZRS", "Standard_RAGZRS"]
"""Workspace default storage must be StorageV2, not Premium (Azure ML concept-workspace docs)."""


class WorkspaceSpec(Arguments):
    """How the workspace keeps its data: the choices a platform team makes per environment."""

    storage_sku: StorageSku = "Standard_LRS"
    """Workspace storage redundancy."""
    storage_soft_delete_retention_days: StrictInt = Field(7, ge=1, le=365)
    """Days deleted blobs and containers stay recoverable."""
    key_vault_purge_protection: StrictBool = False
    """Key vault purge protection (it cannot be turned off once on). Off leaves the property
    unset: ARM rejects an explicit false."""
    key_vault_soft_delete_retention_days: StrictInt = Field(7, ge=7, le=90)
    """Days a deleted key vault stays recoverable (fixed at the vault's creation: "The retention
    policy interval can only be configured during key vault creation and can't be changed
    afterwards", Key Vault soft-delete overview)."""
    log_retention_days: StrictInt = Field(30, ge=30, le=730)
    """Days Log Analytics keeps logs."""


class WorkspaceNames(Arguments):
    """The Azure names of a workspace and what it is made of."""

    workspace_name: Annotated[StrInput, azure_name("workspace")]
    """Azure name of the workspace."""
    storage_account_name: Annotated[StrInput, azure_name("storage account")]
    """Azure name of its storage account, unique in Azure."""
    key_vault_name: Annotated[StrInput, azure_name("key vault")]
    """Azure name of its key vault, unique in Azure."""
    application_insights_name: Annotated[StrInput, azure_name("application insights")]
    """Azure name of its Application Insights."""
    log_analytics_name: Annotated[StrInput, azure_name("log analytics workspace")]
    """Azure name of its Log Analytics workspace."""


class WorkspaceArgs(WorkspaceSpec, WorkspaceNames, Placed):
    """Arguments of :class:`Workspace`."""

    registry: InstanceOf[ContainerRegistry]
    identity: SkipValidation[UserIdentity | None] = None
    """User-assigned identity the workspace runs as; None for a system-assigned identity."""
    additional_identities: SkipValidation[Sequence[UserIdentity]] = ()
    """More user-assigned identities attached to the workspace (e.g. for customer-managed key
    encryption); ``identity`` stays the primary one and is the only one granted roles here."""
    storage_shared_key_access: StrictBool = False
    """Let the workspace storage take its account keys and SAS. Off (the default), every request
    must come with Entra ID, as the system datastores (identity mode) and this package's uploads
    do; Microsoft calls a workspace on such an account a preview (how-to-disable-local-auth-storage:
    "Use of your workspace with a shared key disabled storage account is currently in preview")."""
    public_network_access: NetworkAccess = "Enabled"
    private_dependents: StrictBool = False
    """Close the storage account and key vault to public traffic: reached through private
    endpoints only (the managed network's, and those of a :class:`PrivateNetwork`)."""
    managed_network: ManagedNetwork | None = None
    """Managed network isolation of the workspace's computes and endpoints; None: none."""
    image_build_compute: Annotated[str | None, azure_name("compute")] = None
    """The cluster that builds images, for a registry closed to public traffic (ACR Tasks
    cannot reach it: "Secure the workspace resources", Enable Azure Container Registry)."""
    protect: StrictBool = False
    """Protect storage (with its blob service settings), key vault, Log Analytics and the
    workspace from deletion by Pulumi, and keep them in Azure if they are removed from the program
    (``retain_on_delete``)."""
    encryption: InstanceOf[EncryptionRef] | None = None
    """Encrypt the workspace's data (its metadata in Cosmos DB, AI Search and storage that Azure
    makes for it) and its storage account with a customer-managed key
    (:class:`~components.encryption.EncryptionKey`), through the key's identity, which is attached
    to the workspace and the account. Azure takes it at the workspace's creation only."""
    high_business_impact: StrictBool | None = None
    """The workspace's ``hbi_workspace`` flag ("signal HBI data in the workspace and reduce
    diagnostic data collected by the service"), fixed at creation; None: on with ``encryption``
    (data that needs a key of its own is high business impact data), off without."""
    tags: Mapping[str, str] = {}

    @property
    def hbi(self) -> bool:
        """Whether the workspace is marked high business impact."""
        return self.encryption is not None if self.high_business_impact is None \
            else self.high_business_impact


class Workspace(pulumi.ComponentResource):
    """An Azure ML workspace, its storage, key vault and insights, and its identity's grants."""

    id: pulumi.Output[str]
    """Resource id of the workspace."""
    name: pulumi.Output[str]
    """Azure name of the workspace."""
    principal_id: pulumi.Output[str]
    """Principal id of the identity the workspace runs as."""
    client_id: pulumi.Output[str | None]
    """Client id of the user-assigned identity; None for a system-assigned identity."""
    principal: Principal
    """What the workspace acts as: its primary identity, or its own system-assigned identity."""
    storage_account_id: pulumi.Output[str]
    blob_service_id: pulumi.Output[str]
    """The storage account's blob service (``.../blobServices/default``), where its blob logs
    are."""
    key_vault_id: pulumi.Output[str]
    key_vault: keyvault.Vault
    """The key vault resource (what secrets written into it are deleted with)."""
    key_vault_uri: pulumi.Output[str]
    application_insights_id: pulumi.Output[str]
    log_analytics_id: pulumi.Output[str]
    ref: WorkspaceRef
    """This workspace, for the compute clusters and endpoints that join it."""
    grants: list[Grant]
    """The roles this component grants the workspace identity."""
    azure_grants: list[AzureGrant]
    """The roles Azure itself grants a system-assigned workspace identity; none for a
    user-assigned one."""

    def __init__(self, name: str, args: WorkspaceArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:workspace:Workspace", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect,
                                          retain_on_delete=args.protect)
        group, location, tags = args.resource_group_name, args.location, dict(args.tags)
        key = args.encryption
        # what uses the key is created once its identity may use it
        keyed = after(key.grants, parent=self) if key else pulumi.ResourceOptions()

        account = storage.StorageAccount(
            f"{name}-storage",
            account_name=args.storage_account_name,
            kind=storage.Kind.STORAGE_V2,
            sku=storage.SkuArgs(name=args.storage_sku),
            allow_blob_public_access=False,
            allow_shared_key_access=args.storage_shared_key_access,
            public_network_access="Disabled" if args.private_dependents else None,
            network_rule_set=closed_storage_rules() if args.private_dependents else None,
            # The portal and tools sign in with Entra ID by default rather than list keys.
            default_to_o_auth_authentication=True,
            minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
            enable_https_traffic_only=True,
            identity=None if key is None else storage.IdentityArgs(
                type=storage.IdentityType.USER_ASSIGNED,
                user_assigned_identities=[key.identity.id]),
            encryption=None if key is None else _storage_encryption(key),
            opts=pulumi.ResourceOptions.merge(stateful, keyed),
            resource_group_name=group, location=location, tags=tags)
        # Soft delete for blobs and containers: job outputs, models and notebooks live here. Kept
        # with the account: its delete would reset the account's blob service settings.
        retention = storage.DeleteRetentionPolicyArgs(
            enabled=True, days=args.storage_soft_delete_retention_days)
        blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            account_name=account.name,
            resource_group_name=args.resource_group_name,
            blob_services_name="default",
            delete_retention_policy=retention,
            container_delete_retention_policy=retention,
            opts=stateful)
        vault = rbac_vault(
            f"{name}-key-vault", owner=self, vault_name=args.key_vault_name,
            retention_days=args.key_vault_soft_delete_retention_days,
            purge_protection=args.key_vault_purge_protection, private=args.private_dependents,
            resource_group_name=group, location=location, tags=tags, opts=stateful)
        logs = operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=args.log_analytics_name,
            sku=operationalinsights.WorkspaceSkuArgs(
                name=operationalinsights.WorkspaceSkuNameEnum.PER_GB2018),
            retention_in_days=args.log_retention_days,
            opts=stateful, resource_group_name=group, location=location, tags=tags)
        insights = applicationinsights.Component(
            f"{name}-insights",
            resource_name_=args.application_insights_name,
            kind="web",
            application_type=applicationinsights.ApplicationType.WEB,
            workspace_resource_id=logs.id,
            ingestion_mode=applicationinsights.IngestionMode.LOG_ANALYTICS,
            opts=child, resource_group_name=group, location=location, tags=tags)

        self.grants = []
        if args.identity is not None:
            me = args.identity.principal
            self.grants = [
                grant(self, f"{name}-{target}", me, role, scope, sources.WORKSPACE_IDENTITY)
                for target, role, scope in (
                    ("storage", "Contributor", account.id),
                    ("storage", "Storage Blob Data Contributor", account.id),
                    ("key-vault", "Contributor", vault.id),
                    ("key-vault", "Key Vault Administrator", vault.id),
                    ("registry", "Contributor", args.registry.id),
                    ("insights", "Contributor", insights.id))]
            if args.managed_network is not None:  # its private endpoints must be approved
                own = zip(OWN_APPROVALS, (account.id, vault.id, args.registry.id), strict=True)
                targets = dict(own) | args.managed_network.approvals()
                self.grants += [grant(self, f"{name}-{target}", me, NETWORK_APPROVER, scope,
                                      sources.MANAGED_NETWORK)
                                for target, scope in targets.items()]

        workspace = ml.Workspace(
            name,
            workspace_name=args.workspace_name,
            kind="Default",
            sku=ml.SkuArgs(name="Basic", tier=ml.SkuTier.BASIC),
            identity=ml_identity(args.identity, *args.additional_identities,
                                 *([key.identity] if key else [])),
            primary_user_assigned_identity=args.identity.id if args.identity else None,
            storage_account=account.id,
            key_vault=vault.id,
            application_insights=insights.id,
            container_registry=args.registry.id,
            system_datastores_auth_mode=ml.SystemDatastoresAuthMode.IDENTITY,
            public_network_access=args.public_network_access,
            managed_network=args.managed_network.azure(account.id) if args.managed_network
            else None,
            provision_network_now=True if args.managed_network else None,
            image_build_compute=args.image_build_compute,
            encryption=None if key is None else ml.EncryptionPropertyArgs(
                status=ml.EncryptionStatus.ENABLED,
                # the vault and a version of the key; identity_client_id "we support only
                # SystemAssigned MSI" (SDK): a user-assigned identity goes in identity
                key_vault_properties=ml.KeyVaultPropertiesArgs(
                    key_vault_arm_id=key.key_vault_id, key_identifier=key.key_uri_with_version),
                identity=ml.IdentityForCmkArgs(user_assigned_identity=key.identity.id)),
            hbi_workspace=True if args.hbi else None,
            # It sets up its datastores, containers and secrets as its identity right away, and
            # encrypts them with the key.
            opts=pulumi.ResourceOptions.merge(stateful, after(
                [*self.grants, *(key.grants if key else ())], parent=self)),
            resource_group_name=group, location=location, tags=tags)

        # a network turned on for an existing workspace is made only by a compute, or by hand
        self.network_provisioning = None if args.managed_network is None else \
            ManagedNetworkProvisioning(
                f"{name}-managed-network", workspace_id=workspace.id,
                isolation_mode=args.managed_network.isolation_mode,
                opts=pulumi.ResourceOptions(parent=self, deleted_with=workspace))

        self.principal, self.client_id = runs_as(args.identity, workspace, workspace.name)
        self.principal_id = pulumi.Output.from_input(self.principal.id)
        self.azure_grants = []
        if args.identity is not None:
            self.grants.append(grant(self, f"{name}-workspace", self.principal, "Contributor",
                                     workspace.id, sources.WORKSPACE_IDENTITY))
        else:
            self.azure_grants = [AzureGrant(self.principal, "Azure AI Administrator",
                                            workspace.id.apply(resource_group_id),
                                            sources.WORKSPACE_AUTOMATIC)]

        self.id = workspace.id
        self.name = workspace.name
        self.storage_account_id = account.id
        self.blob_service_id = blob_service.id
        self.key_vault_id = vault.id
        self.key_vault = vault
        self.key_vault_uri = vault.properties.apply(lambda p: p.vault_uri)
        self.application_insights_id = insights.id
        self.log_analytics_id = logs.id
        self.ref = WorkspaceRef(
            id=workspace.id, name=workspace.name, resource_group_name=args.resource_group_name,
            location=args.location, storage_account_id=account.id, key_vault_id=vault.id,
            container_registry_id=args.registry.id, key_vault_uri=self.key_vault_uri,
            blob_endpoint=account.primary_endpoints.apply(lambda e: e.blob), resource=workspace,
            ready=[self.network_provisioning] if self.network_provisioning else [])
        self.register_outputs({
            "id": self.id, "name": self.name, "principal_id": self.principal_id,
            "client_id": self.client_id,
            "storage_account_id": self.storage_account_id, "key_vault_id": self.key_vault_id,
            "key_vault_uri": self.key_vault_uri,
            "application_insights_id": self.application_insights_id,
            "log_analytics_id": self.log_analytics_id,
        })
