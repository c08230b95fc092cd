"""Azure Machine Learning, identity first: one stack per environment (Pulumi.<stack>.yaml)."""

import gc

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources

from components import (AssetStore, AssetStoreArgs, AutomationIdentity, AutomationIdentityArgs,
                        ComputeCluster, ComputeClusterArgs, ComputeInstance, ComputeInstanceArgs,
                        ContainerRegistry, ContainerRegistryArgs, DataStorage, DataStorageArgs,
                        IdentityKind, ManagedIdentity,
                        ManagedIdentityArgs, OnlineDeploymentSpec, OnlineEndpoint,
                        OnlineEndpointArgs, PrivateRegistryAccess, PrivateRegistryAccessArgs,
                        Workspace, WorkspaceArgs, load_settings)
from components.naming import (AUTOMATION_PURPOSE, REGISTRY_PULL_PURPOSE, SUFFIX_LENGTH,
                               cluster_identity_purpose, endpoint_identity_purpose,
                               instance_identity_purpose)
from components.secrets import vault_secret
from components.settings import DeploymentSettings, EndpointSettings

# The program runs once per preview or update and exits, and nearly every object it makes (the
# futures and outputs of the resource graph) lives until the end. With Python's default thresholds
# the cycle collector rescans that growing graph again and again, at a cost that grows faster than
# the graph. Collecting the young generation every 50,000 allocations instead of 700 keeps the
# collector (cycles are still freed), keeps the cost per workload the same from 1 to 50 endpoints
# and halves the time at 50 (benchmarks/, README "Performance").
gc.set_threshold(50_000, 50, 100)

SAMPLE_SECRET_NAME = "sample-secret"
SAMPLE_BLOB_NAME = "samples/score/labels.json"
"""What ``sampleData`` creates for the sample scoring app (samples/score) to read."""

settings = load_settings()  # raises ConfigError before any resource is registered
names = settings.names
tags = {"workload": settings.workload, "environment": settings.environment,
        "managed-by": "pulumi", **settings.tags}

# Drawn once and kept in state: the tail of the names Azure wants unique, never digits only.
suffix = random.RandomString("name-suffix", length=SUFFIX_LENGTH, upper=False, special=False,
                             min_lower=1).result
protect = settings.protect_stateful_resources

if settings.resource_group_name:  # an existing group: deploy into it, leave it unmanaged
    resource_group_name = pulumi.Output.from_input(settings.resource_group_name)
else:
    # Deleting a group deletes everything in it, retained or not (pulumi-azure-native#2522), so
    # it is kept like the data it holds.
    resource_group_name = resources.ResourceGroup(
        "resource-group", resource_group_name=names.resource_group(),
        location=settings.location, tags=tags,
        opts=pulumi.ResourceOptions(protect=protect, retain_on_delete=protect)).name
place = dict(resource_group_name=resource_group_name, location=settings.location)
client = authorization.get_client_config_output()
USER = IdentityKind.USER_ASSIGNED
identities: dict[str, ManagedIdentity] = {}
"""Every user-assigned identity of the stack, by purpose."""


def identity_for(purpose: str, kind: IdentityKind = USER):
    """A user-assigned identity for one workload, or None when it runs as a system identity."""
    if kind is IdentityKind.SYSTEM_ASSIGNED:
        return None
    identities[purpose] = ManagedIdentity(f"{purpose}-identity", ManagedIdentityArgs(
        identity_name=names.identity(purpose), tags=tags, **place))
    return identities[purpose]


registry = ContainerRegistry("registry", ContainerRegistryArgs(
    registry_name=suffix.apply(names.container_registry), sku=settings.registry_sku,
    existing_id=settings.existing_registry_id, protect=protect,
    tags=tags, **place))
workspace = Workspace("workspace", WorkspaceArgs(
    workspace_name=suffix.apply(names.workspace),
    storage_account_name=suffix.apply(names.storage_account),
    key_vault_name=suffix.apply(names.key_vault),
    application_insights_name=names.application_insights(),
    log_analytics_name=names.log_analytics(),
    registry=registry,
    identity=identity_for(settings.workspace_primary_identity, settings.workspace_identity),
    additional_identities=[identity_for(purpose) for purpose in settings.workspace_identities
                           if purpose != settings.workspace_primary_identity
                           and settings.workspace_identity is USER],
    storage_sku=settings.storage_sku,
    key_vault_purge_protection=settings.key_vault_purge_protection,
    key_vault_soft_delete_retention_days=settings.key_vault_soft_delete_retention_days,
    storage_soft_delete_retention_days=settings.storage_soft_delete_retention_days,
    log_retention_days=settings.log_retention_days,
    public_network_access=settings.workspace_public_network_access,
    protect=protect,
    tags=tags, **place))

private_registry = None
if settings.private_registry_id:  # base images from a private registry (seed 002)
    private_registry = PrivateRegistryAccess("private-registry", PrivateRegistryAccessArgs(
        workspace=workspace.ref, workspace_principal_name=workspace.identity_name,
        workspace_principal_id=workspace.principal_id, registry_id=settings.private_registry_id,
        identity=identity_for(REGISTRY_PULL_PURPOSE)))
extra_pulls = {"private-registry": settings.private_registry_id} if private_registry else {}

data = None
if settings.data_storage:  # identity-based data access (seed 002)
    data = DataStorage("data", DataStorageArgs(
        workspace=workspace.ref, container_name=settings.data_storage.container,
        existing_id=settings.data_storage.existing_id,
        account_name=None if settings.data_storage.existing_id else suffix.apply(
            names.data_storage_account),
        sku=settings.storage_sku, protect=protect,
        users=settings.data_users, tags=tags))
extra_reads = {"data": data.container_id} if data else {}

clusters = {c.name: ComputeCluster(f"cluster-{c.name}", ComputeClusterArgs(
    workspace=workspace.ref, compute_name=c.name,
    identity=identity_for(cluster_identity_purpose(c.name), c.identity),
    vm_size=c.vm_size, vm_priority=c.vm_priority, min_nodes=c.min_nodes, max_nodes=c.max_nodes,
    idle_seconds_before_scale_down=c.idle_seconds_before_scale_down,
    extra_pulls=extra_pulls, extra_reads=extra_reads, tags=tags))
    for c in settings.compute_clusters}
instances = {i.name: ComputeInstance(f"instance-{i.name}", ComputeInstanceArgs(
    workspace=workspace.ref,
    compute_name=suffix.apply(lambda s, i=i: names.compute_instance(i.name, s)),
    identity=identity_for(instance_identity_purpose(i.name)),
    assigned_user_object_id=i.assigned_user, assigned_user_tenant_id=client.tenant_id,
    vm_size=i.vm_size, idle_minutes_before_shutdown=i.idle_minutes_before_shutdown,
    extra_reads=extra_reads, tags=tags))
    for i in settings.compute_instances}

deploys = any(e.deployments for e in settings.online_endpoints)
assets = (AssetStore("assets", AssetStoreArgs(workspace=workspace.ref, protect=protect, tags=tags))
          if deploys or settings.sample_data else None)
sample_reads: list[pulumi.Resource] = []
if assets is not None and settings.sample_data:
    # What the sample app reads at start: a secret (random, never an output) and a data blob.
    sample_reads = [
        vault_secret("sample-secret", key_vault_id=workspace.key_vault_id,
                     secret_name=SAMPLE_SECRET_NAME,
                     value=random.RandomPassword("sample-secret-value", length=32,
                                                 special=False).result,
                     tags=tags, opts=pulumi.ResourceOptions(deleted_with=workspace.key_vault)),
        assets.upload_file(SAMPLE_BLOB_NAME, "samples/score/data/labels.json"),
    ]


def deployment_spec(endpoint: EndpointSettings, d: DeploymentSettings) -> OnlineDeploymentSpec:
    """A deployment of ``endpoint`` whose local model, code and environment are registered here."""
    assert assets is not None
    env = d.environment
    return OnlineDeploymentSpec(
        name=d.name,
        model_id=(assets.model(f"{endpoint.name}-model", d.model_folder).id
                  if d.model_folder else d.model),
        environment_id=(env.environment_id or assets.environment(
            f"{endpoint.name}-env", env.image, env.conda_file).id),
        code_id=assets.code(f"{endpoint.name}-code", d.code).id,
        scoring_script=d.scoring_script, instance_type=d.instance_type,
        instance_count=d.instance_count, traffic=d.traffic,
        environment_variables=d.environment_variables, depends_on=sample_reads)


endpoints = {e.name: OnlineEndpoint(f"endpoint-{e.name}", OnlineEndpointArgs(
    workspace=workspace.ref,
    endpoint_name=suffix.apply(lambda s, e=e: names.online_endpoint(e.name, s)),
    identity=identity_for(endpoint_identity_purpose(e.name), e.identity),
    auth_mode=e.auth_mode, public_network_access=e.public_network_access,
    deployments=[deployment_spec(e, d) for d in e.deployments], tags=tags))
    for e in settings.online_endpoints}

automation = None
if settings.automation_credentials:  # CI without secrets (replaces seed 001's client secret)
    automation = AutomationIdentity("automation", AutomationIdentityArgs(
        workspace=workspace.ref, identity=identity_for(AUTOMATION_PURPOSE),
        credentials=settings.automation_credentials,
        endpoint_identities={e.name: identities[endpoint_identity_purpose(e.name)]
                             for e in settings.online_endpoints if e.identity is USER}))


pulumi.export("resourceGroupName", resource_group_name)
pulumi.export("location", settings.location)
pulumi.export("tenantId", client.tenant_id)
pulumi.export("subscriptionId", client.subscription_id)
pulumi.export("workspaceName", workspace.name)
pulumi.export("workspaceId", workspace.id)
pulumi.export("workspaceIdentity", {"principalId": workspace.principal_id,
                                    "clientId": workspace.client_id})
pulumi.export("registryLoginServer", registry.login_server)
pulumi.export("computeClusters", {
    key: {"name": c.name, "principalId": c.principal_id, "clientId": c.client_id}
    for key, c in clusters.items()})
pulumi.export("onlineEndpoints", {
    key: {"name": e.name, "scoringUri": e.scoring_uri, "swaggerUri": e.swagger_uri,
          "principalId": e.principal_id, "clientId": e.client_id,
          "deployments": list(e.deployments), "traffic": e.traffic}
    for key, e in endpoints.items()})
pulumi.export("computeInstances", {
    key: {"name": i.name, "principalId": i.principal_id, "clientId": i.client_id}
    for key, i in instances.items()})
# What an external service needs to trust each identity, or code needs to act as it (seed 000).
pulumi.export("identities", {
    purpose: {"clientId": i.client_id, "principalId": i.principal_id, "tenantId": i.tenant_id,
              "resourceId": i.id}
    for purpose, i in identities.items()})
if automation is not None:  # what the CI login step takes (e.g. azure/login's inputs)
    pulumi.export("automation", {"clientId": automation.client_id, "tenantId": client.tenant_id,
                                 "subscriptionId": client.subscription_id})
if private_registry is not None:
    pulumi.export("privateRegistry", {"loginServer": private_registry.login_server,
                                      "connectionId": private_registry.connection_id})
if data is not None:
    pulumi.export("dataStorage", {"containerId": data.container_id,
                                  "datastore": data.datastore_name})
pulumi.export("grants", [grant.as_output() for component in (
    workspace, *clusters.values(), *instances.values(), *endpoints.values(),
    *filter(None, (private_registry, data, automation)))
    for grant in component.grants])
