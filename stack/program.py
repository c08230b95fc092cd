"""The wiring of one environment: which components exist, as which identities, joined to what.

:class:`Platform` builds, from validated :class:`~stack.settings.StackSettings`, the resource
group, the name suffix, the registry and the workspace, then each workload the settings ask for,
each running as its own user-assigned identity unless the settings say system-assigned.
"""

from __future__ import annotations

from functools import partial
from typing import Protocol

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources

from components import (
    AssetStore,
    AssetStoreArgs,
    AutomationIdentity,
    AutomationIdentityArgs,
    AzureGrant,
    ComputeCluster,
    ComputeClusterArgs,
    ComputeInstance,
    ComputeInstanceArgs,
    ContainerRegistry,
    ContainerRegistryArgs,
    DataStorage,
    DataStorageArgs,
    Grant,
    ManagedIdentity,
    ManagedIdentityArgs,
    OnlineDeploymentSpec,
    OnlineEndpoint,
    OnlineEndpointArgs,
    PrivateRegistryAccess,
    PrivateRegistryAccessArgs,
    Workspace,
    WorkspaceArgs,
    vault_secret,
)

from .names import (
    AUTOMATION_PURPOSE,
    REGISTRY_PULL_PURPOSE,
    SUFFIX_LENGTH,
    cluster_identity_purpose,
    endpoint_identity_purpose,
    instance_identity_purpose,
)
from .settings import (
    DeploymentSettings,
    EndpointSettings,
    IdentityKind,
    StackSettings,
    credentials,
    data_users,
)

USER = IdentityKind.USER_ASSIGNED.value


class HasGrants(Protocol):
    grants: list[Grant]


class HasAzureGrants(Protocol):
    azure_grants: list[AzureGrant]

SAMPLE_SECRET_NAME = "sample-secret"
SAMPLE_BLOB_NAME = "samples/score/labels.json"
"""What ``sampleData`` creates for the sample scoring app (samples/score) to read."""


class Platform:
    """Everything one stack creates, by part."""

    identities: dict[str, ManagedIdentity]
    """Every user-assigned identity of the stack, by purpose."""

    def __init__(self, settings: StackSettings):
        self.settings = s = settings
        self.names = names = s.names
        self.tags = {"workload": s.workload, "environment": s.names.environment,
                     "managed-by": "pulumi", **s.tags}
        self.identities = {}
        # Drawn once and kept in state: the tail of the names Azure wants unique, never digits only.
        suffix = random.RandomString("name-suffix", length=SUFFIX_LENGTH, upper=False,
                                     special=False, min_lower=1).result
        self.suffix = suffix
        protect = s.protect_stateful_resources
        if s.resource_group_name:  # an existing group: deploy into it, leave it unmanaged
            self.resource_group_name = pulumi.Output.from_input(s.resource_group_name)
        else:
            # Deleting a group deletes everything in it, retained or not (pulumi-azure-native
            # #2522), so it is kept like the data it holds.
            self.resource_group_name = resources.ResourceGroup(
                "resource-group", resource_group_name=names.resource_group(),
                location=s.location, tags=self.tags,
                opts=pulumi.ResourceOptions(protect=protect, retain_on_delete=protect)).name
        self.place: dict[str, pulumi.Input[str]] = dict(
            resource_group_name=self.resource_group_name, location=s.location)
        self.client = authorization.get_client_config_output()

        self.registry = ContainerRegistry("registry", ContainerRegistryArgs(
            registry_name=suffix.apply(names.container_registry), sku=s.registry_sku,
            existing_id=s.existing_registry_id, protect=protect, tags=self.tags, **self.place))
        self.workspace = workspace = Workspace("workspace", WorkspaceArgs(
            workspace_name=suffix.apply(names.workspace),
            storage_account_name=suffix.apply(names.storage_account),
            key_vault_name=suffix.apply(names.key_vault),
            application_insights_name=names.application_insights(),
            log_analytics_name=names.log_analytics(),
            registry=self.registry,
            identity=self.identity_for(s.primary_identity, s.workspace_identity),
            additional_identities=[self.user_identity(purpose) for purpose in s.workspace_identities
                                   if purpose != s.primary_identity
                                   and s.workspace_identity == USER],
            storage_sku=s.storage_sku,
            storage_shared_key_access=s.workspace_storage_key_access,
            key_vault_purge_protection=s.key_vault_purge_protection,
            key_vault_soft_delete_retention_days=s.key_vault_soft_delete_retention_days,
            storage_soft_delete_retention_days=s.storage_soft_delete_retention_days,
            log_retention_days=s.log_retention_days,
            public_network_access=s.workspace_public_network_access,
            protect=protect, tags=self.tags, **self.place))

        self.private_registry: PrivateRegistryAccess | None = None
        if s.private_registry_id:  # base images from a private registry (seed 002)
            self.private_registry = PrivateRegistryAccess("private-registry",
                                                          PrivateRegistryAccessArgs(
                workspace=workspace.ref, workspace_principal=workspace.principal,
                registry_id=s.private_registry_id,
                identity=self.user_identity(REGISTRY_PULL_PURPOSE)))
        pulls = {"private-registry": s.private_registry_id} if s.private_registry_id else {}

        self.data: DataStorage | None = None
        if s.data_storage:  # identity-based data access (seed 002)
            self.data = DataStorage("data", DataStorageArgs(
                workspace=workspace.ref, container_name=s.data_storage.container,
                existing_id=s.data_storage.existing_id,
                account_name=None if s.data_storage.existing_id else suffix.apply(
                    names.data_storage_account),
                sku=s.storage_sku, protect=protect, users=data_users(s), tags=self.tags))
        reads = {"data": self.data.container_id} if self.data else {}

        self.clusters = {c.name: ComputeCluster(f"cluster-{c.name}", ComputeClusterArgs(
            workspace=workspace.ref, compute_name=c.name,
            identity=self.identity_for(cluster_identity_purpose(c.name), c.identity),
            vm_size=c.vm_size, vm_priority=c.vm_priority, min_nodes=c.min_nodes,
            max_nodes=c.max_nodes, idle_seconds_before_scale_down=c.idle_seconds_before_scale_down,
            extra_pulls=pulls, extra_reads=reads, secrets=c.secrets, tags=self.tags))
            for c in s.compute_clusters}
        self.instances = {i.name: ComputeInstance(f"instance-{i.name}", ComputeInstanceArgs(
            workspace=workspace.ref,
            compute_name=suffix.apply(partial(names.compute_instance, i.name)),
            identity=self.user_identity(instance_identity_purpose(i.name)),
            assigned_user_object_id=i.assigned_user, assigned_user_tenant_id=self.client.tenant_id,
            vm_size=i.vm_size, idle_minutes_before_shutdown=i.idle_minutes_before_shutdown,
            extra_reads=reads, extra_pulls=pulls, secrets=i.secrets,
            # a data user holds the storage roles already, from the data grants
            owner_storage_roles=i.assigned_user not in {u.object_id for u in s.data_users},
            tags=self.tags))
            for i in s.compute_instances}

        deploys = any(e.deployments for e in s.online_endpoints)
        self.assets = (AssetStore("assets", AssetStoreArgs(workspace=workspace.ref, protect=protect,
                                                           tags=self.tags))
                       if deploys or s.sample_data else None)
        self.sample_reads: list[pulumi.Resource] = []
        if self.assets is not None and s.sample_data:
            # What the sample app reads at start: a secret (random, never an output) and a blob.
            self.sample_reads = [
                vault_secret("sample-secret", key_vault_id=workspace.key_vault_id,
                             secret_name=SAMPLE_SECRET_NAME,
                             value=random.RandomPassword("sample-secret-value", length=32,
                                                         special=False).result,
                             tags=self.tags,
                             opts=pulumi.ResourceOptions(deleted_with=workspace.key_vault)),
                self.assets.upload_file(SAMPLE_BLOB_NAME, "samples/score/data/labels.json"),
            ]
        self.endpoints = {e.name: OnlineEndpoint(f"endpoint-{e.name}", OnlineEndpointArgs(
            workspace=workspace.ref,
            endpoint_name=suffix.apply(partial(names.online_endpoint, e.name)),
            identity=self.identity_for(endpoint_identity_purpose(e.name), e.identity),
            auth_mode=e.auth_mode, public_network_access=e.public_network_access,
            deployments=[self.deployment_spec(e, d) for d in e.deployments],
            secrets=e.secrets, secrets_made_by=self.sample_reads[:1], extra_pulls=pulls,
            tags=self.tags))
            for e in s.online_endpoints}

        self.automation: AutomationIdentity | None = None
        if s.automation_credentials:  # CI without secrets (replaces seed 001's client secret)
            self.automation = AutomationIdentity("automation", AutomationIdentityArgs(
                workspace=workspace.ref, identity=self.user_identity(AUTOMATION_PURPOSE),
                credentials=credentials(s),
                endpoint_identities={e.name: self.identities[endpoint_identity_purpose(e.name)]
                                     for e in s.online_endpoints if e.identity == USER}))

    def user_identity(self, purpose: str) -> ManagedIdentity:
        """A user-assigned identity for one workload (``id-<workload>-<env>-<purpose>``)."""
        self.identities[purpose] = ManagedIdentity(f"{purpose}-identity", ManagedIdentityArgs(
            identity_name=self.names.identity(purpose), tags=self.tags, **self.place))
        return self.identities[purpose]

    def identity_for(self, purpose: str, kind: str) -> ManagedIdentity | None:
        """The identity a workload runs as: a new user-assigned one, or None for its own
        system-assigned identity."""
        return self.user_identity(purpose) if kind == USER else None

    def deployment_spec(self, endpoint: EndpointSettings,
                        d: DeploymentSettings) -> OnlineDeploymentSpec:
        """A deployment of ``endpoint`` whose local model, code and environment are registered."""
        assets = self.assets
        assert assets is not None, "an endpoint with deployments has an asset store"
        env = d.environment
        return OnlineDeploymentSpec(
            name=d.name,
            model_id=(assets.model(f"{endpoint.name}-model", d.model_folder).id
                      if d.model_folder else d.model),
            environment_id=(env.environment_id or assets.environment(
                f"{endpoint.name}-env", str(env.image), env.conda_file).id),
            code_id=assets.code(f"{endpoint.name}-code", d.code).id,
            scoring_script=d.scoring_script, instance_type=d.instance_type,
            instance_count=d.instance_count, traffic=d.traffic,
            environment_variables=d.environment_variables, depends_on=self.sample_reads)

    @property
    def grants(self) -> list[Grant]:
        """Every role the stack grants, component by component."""
        parts: list[HasGrants] = [self.workspace, *self.clusters.values(),
                                  *self.instances.values(), *self.endpoints.values()]
        parts += [p for p in (self.private_registry, self.data, self.automation) if p is not None]
        return [g for part in parts for g in part.grants]

    @property
    def azure_grants(self) -> list[AzureGrant]:
        """Every role Azure itself grants a system-assigned identity of the stack."""
        parts: list[HasAzureGrants] = [self.workspace, *self.clusters.values(),
                                       *self.endpoints.values()]
        return [g for part in parts for g in part.azure_grants]
