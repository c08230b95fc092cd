"""Azure Machine Learning, identity first: one stack per environment (Pulumi.<stack>.yaml)."""

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, keyvault, resources

from components import (AssetStore, AssetStoreArgs, ComputeCluster, ComputeClusterArgs,
                        ContainerRegistry, ContainerRegistryArgs, IdentityKind, ManagedIdentity,
                        ManagedIdentityArgs, OnlineDeploymentSpec, OnlineEndpoint,
                        OnlineEndpointArgs, Workspace, WorkspaceArgs, load_settings)
from components.naming import (SUFFIX_LENGTH, cluster_identity_purpose,
                               endpoint_identity_purpose)
from components.resource_ids import parse_resource_id
from components.settings import DeploymentSettings, EndpointSettings

SAMPLE_SECRET_NAME = "sample-secret"
SAMPLE_BLOB_NAME = "samples/score/labels.json"
"""What ``sampleData`` creates for the sample scoring app (samples/score) to read."""

settings = load_settings()  # raises ConfigError before any resource is registered
names = settings.names
tags = {"workload": settings.workload, "environment": settings.environment,
        "managed-by": "pulumi", **settings.tags}

# Drawn once and kept in state: the tail of the names Azure wants unique.
suffix = random.RandomString("name-suffix", length=SUFFIX_LENGTH, upper=False, special=False).result

if settings.resource_group_name:  # an existing group: deploy into it, leave it unmanaged
    resource_group_name = pulumi.Output.from_input(settings.resource_group_name)
else:
    resource_group_name = resources.ResourceGroup(
        "resource-group", resource_group_name=names.resource_group(),
        location=settings.location, tags=tags).name
place = dict(resource_group_name=resource_group_name, location=settings.location)


def identity_for(purpose: str, kind: IdentityKind):
    """A user-assigned identity for one workload, or None when it runs as a system identity."""
    if kind is IdentityKind.SYSTEM_ASSIGNED:
        return None
    return ManagedIdentity(f"{purpose}-identity", ManagedIdentityArgs(
        identity_name=names.identity(purpose), tags=tags, **place))


registry = ContainerRegistry("registry", ContainerRegistryArgs(
    registry_name=suffix.apply(names.container_registry), sku=settings.registry_sku,
    existing_id=settings.existing_registry_id, protect=settings.protect_stateful_resources,
    tags=tags, **place))
workspace = Workspace("workspace", WorkspaceArgs(
    workspace_name=names.workspace(),
    storage_account_name=suffix.apply(names.storage_account),
    key_vault_name=suffix.apply(names.key_vault),
    application_insights_name=names.application_insights(),
    log_analytics_name=names.log_analytics(),
    registry=registry,
    identity=identity_for("workspace", settings.workspace_identity),
    storage_sku=settings.storage_sku,
    key_vault_purge_protection=settings.key_vault_purge_protection,
    key_vault_soft_delete_retention_days=settings.key_vault_soft_delete_retention_days,
    storage_soft_delete_retention_days=settings.storage_soft_delete_retention_days,
    log_retention_days=settings.log_retention_days,
    public_network_access=settings.workspace_public_network_access,
    protect=settings.protect_stateful_resources,
    tags=tags, **place))
clusters = {c.name: ComputeCluster(f"cluster-{c.name}", ComputeClusterArgs(
    workspace=workspace.ref, compute_name=c.name,
    identity=identity_for(cluster_identity_purpose(c.name), c.identity),
    vm_size=c.vm_size, vm_priority=c.vm_priority, min_nodes=c.min_nodes, max_nodes=c.max_nodes,
    idle_seconds_before_scale_down=c.idle_seconds_before_scale_down, tags=tags))
    for c in settings.compute_clusters}

deploys = any(e.deployments for e in settings.online_endpoints)
assets = (AssetStore("assets", AssetStoreArgs(workspace=workspace.ref, tags=tags))
          if deploys or settings.sample_data else None)
sample_reads: list[pulumi.Resource] = []
if assets is not None and settings.sample_data:
    # What the sample app reads at start: a secret (random, never an output) and a data blob.
    sample_reads = [
        keyvault.Secret(
            "sample-secret", secret_name=SAMPLE_SECRET_NAME,
            vault_name=workspace.key_vault_id.apply(
                lambda rid: parse_resource_id(rid, "Microsoft.KeyVault/vaults").name),
            resource_group_name=resource_group_name,
            properties=keyvault.SecretPropertiesArgs(
                value=random.RandomPassword("sample-secret-value", length=32, special=False).result,
                content_type="text/plain"),
            tags=tags),
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


client = authorization.get_client_config_output()
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
pulumi.export("grants", [grant.as_output() for component in (workspace, *clusters.values(),
                                                               *endpoints.values())
                         for grant in component.grants])
