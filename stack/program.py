"""The wiring of one environment: which components exist, as which identities, joined to what.

:class:`Platform` builds, from validated :class:`~stack.settings.StackSettings`, the resource
group, the name suffix, the registry and the workspace, then each workload the settings ask for,
each running as its own user-assigned identity unless the settings say system-assigned.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Protocol, TypedDict

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources
from pulumi_azure_native import machinelearningservices as ml

from components import (
    AksClusterSpec,
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
    InstanceType,
    KubernetesCompute,
    KubernetesComputeArgs,
    ManagedIdentity,
    ManagedIdentityArgs,
    ManagedNetwork,
    OnlineDeploymentSpec,
    OnlineEndpoint,
    OnlineEndpointArgs,
    Principal,
    PrivateNetwork,
    PrivateNetworkArgs,
    PrivateRegistryAccess,
    PrivateRegistryAccessArgs,
    Workspace,
    WorkspaceArgs,
    catalog,
    vault_secret,
)
from components.azure.names import RULES
from components.workspace import OutboundRule

from .names import (
    AUTOMATION_PURPOSE,
    REGISTRY_PULL_PURPOSE,
    SUFFIX_LENGTH,
    cluster_identity_purpose,
    endpoint_identity_purpose,
    instance_identity_purpose,
    kubernetes_identity_purpose,
)
from .settings import (
    DATA_RULE,
    PACKAGE_FEEDS,
    SAMPLE_SECRET_NAME,
    DeploymentSettings,
    EndpointSettings,
    IdentityKind,
    KubernetesSettings,
    NetworkSettings,
    StackSettings,
    credentials,
    data_users,
    private_endpoint_groups,
)

USER = IdentityKind.USER_ASSIGNED.value

# The types the stack makes itself (the library makes neither), in the catalog beside the
# library's (components/catalog.py).
_LOCAL = "computed locally by pulumi-random"
_DRAWN_FIRST = "a name or value in the resource's inputs"
RANDOM_STRING = catalog.register(catalog.ResourceType(
    "random:index/randomString:RandomString", "random string",
    created_in=catalog.Seconds(0, _LOCAL), required_by_all=_DRAWN_FIRST,
    replaced_on=("*",)))  # pulumi/pulumi-random: every argument forces a new value
RANDOM_PASSWORD = catalog.register(catalog.ResourceType(
    "random:index/randomPassword:RandomPassword", "random password",
    created_in=catalog.Seconds(0, _LOCAL), required_by_all=_DRAWN_FIRST, replaced_on=("*",)))
RESOURCE_GROUP = catalog.register(catalog.ResourceType(
    "azure-native:resources:ResourceGroup", "resource group",
    created_in=catalog.Seconds(2, catalog.ESTIMATE), required_by_all="created inside the group",
    id_template="/subscriptions/{subscription}/resourceGroups/{resourceGroupName}",
    name="resourceGroupName", name_rule=RULES["resource group"], replaced_on=("location",)))


def deployer_principal_type(setting: str | None) -> str:
    """What the identity running ``pulumi up`` is, as role assignments name it: the setting, or a
    service principal when azure-native signs in as one (ARM_CLIENT_ID: a federated, managed or
    app identity), else a user (an Azure CLI login)."""
    return setting or ("ServicePrincipal" if os.environ.get("ARM_CLIENT_ID") else "User")


def _private_endpoint_rule(target_id: pulumi.Input[str], subresource: str
                           ) -> ml.PrivateEndpointOutboundRuleArgs:
    return ml.PrivateEndpointOutboundRuleArgs(
        type="PrivateEndpoint", category=ml.RuleCategory.USER_DEFINED,
        destination=ml.PrivateEndpointDestinationArgs(
            service_resource_id=target_id, subresource_target=subresource, spark_enabled=False))


def managed_network(net: NetworkSettings | None, data_account_id: pulumi.Input[str] | None = None
                    ) -> ManagedNetwork | None:
    """The workspace's managed network from the settings: the package feeds (when asked for, in
    AllowOnlyApprovedOutbound), a private endpoint to the data account's blobs (compute reads
    the data as itself, and in AllowOnlyApprovedOutbound storage is reachable only so), and the
    configured rules; a firewall only for FQDN rules."""
    if net is None:
        return None
    rules: dict[str, OutboundRule] = {}
    approve: dict[str, pulumi.Input[str]] = {}
    if data_account_id is not None:
        rules[DATA_RULE] = _private_endpoint_rule(data_account_id, "blob")
        approve["data-storage"] = data_account_id
    if net.package_feeds and net.isolation == "AllowOnlyApprovedOutbound":
        rules |= {f"feed-{i}": ml.FqdnOutboundRuleArgs(type="FQDN", destination=fqdn,
                                                       category=ml.RuleCategory.USER_DEFINED)
                  for i, fqdn in enumerate(PACKAGE_FEEDS)}
    for rule in net.outbound_rules:
        if rule.fqdn:
            rules[rule.name] = ml.FqdnOutboundRuleArgs(type="FQDN", destination=rule.fqdn,
                                                       category=ml.RuleCategory.USER_DEFINED)
        elif rule.service_tag:
            rules[rule.name] = ml.ServiceTagOutboundRuleArgs(
                type="ServiceTag", category=ml.RuleCategory.USER_DEFINED,
                destination=ml.ServiceTagDestinationArgs(
                    service_tag=rule.service_tag, protocol=rule.protocol,
                    port_ranges=rule.port_ranges, action=ml.RuleAction.ALLOW))
        elif rule.private_endpoint and rule.subresource:
            rules[rule.name] = _private_endpoint_rule(rule.private_endpoint, rule.subresource)
            approve[f"rule-{rule.name}"] = rule.private_endpoint
    fqdn = any(isinstance(r, ml.FqdnOutboundRuleArgs) for r in rules.values())
    return ManagedNetwork(isolation_mode=net.isolation, outbound_rules=rules,
                          firewall_sku=net.firewall_sku if fqdn else None, approve_on=approve)


class Place(TypedDict):
    """Where every resource of the stack goes."""

    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]


class HasGrants(Protocol):
    grants: list[Grant]


class HasAzureGrants(Protocol):
    azure_grants: list[AzureGrant]

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
        self.place = Place(resource_group_name=self.resource_group_name, location=s.location)
        self.client = authorization.get_client_config_output()

        net = s.network
        closed = "Disabled" if net else "Enabled"
        self.registry = ContainerRegistry("registry", ContainerRegistryArgs(
            registry_name=suffix.apply(names.container_registry), sku=s.registry_sku,
            existing_id=s.existing_registry_id, public_network_access=closed, protect=protect,
            tags=self.tags, **self.place))
        self.data: DataStorage | None = None
        if s.data_storage:  # identity-based data access (seed 002), before a workspace that
            # reaches it through its managed network
            self.data = DataStorage("data", DataStorageArgs(
                container_name=s.data_storage.container, existing_id=s.data_storage.existing_id,
                account_name=None if s.data_storage.existing_id else suffix.apply(
                    names.data_storage_account),
                sku=s.storage_sku, protect=protect, private=net is not None, tags=self.tags,
                **self.place))
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
            public_network_access=s.workspace_public_network_access or closed,
            private_dependents=net is not None,
            managed_network=managed_network(net, self.data.account_id if self.data else None),
            # the registry closed to public traffic cannot build: the first cluster does
            image_build_compute=s.compute_clusters[0].name if net else None,
            protect=protect, tags=self.tags, **self.place))
        self.network = self.private_network(net) if net else None

        self.private_registry: PrivateRegistryAccess | None = None
        if s.private_registry_id:  # base images from a private registry (seed 002)
            self.private_registry = PrivateRegistryAccess("private-registry",
                                                          PrivateRegistryAccessArgs(
                workspace=workspace.ref, workspace_principal=workspace.principal,
                registry_id=s.private_registry_id,
                identity=self.user_identity(REGISTRY_PULL_PURPOSE)))
        pulls = {"private-registry": s.private_registry_id} if s.private_registry_id else {}

        if self.data is not None:
            self.data.attach(workspace.ref, data_users(s))
            if self.network is not None and self.data.created:  # people reach it privately too
                self.network.endpoint("data-blob", names.private_endpoint("data-blob"),
                                      self.data.account_id, "blob", readers=[workspace.principal])
        reads = {"data": self.data.container_id} if self.data else {}
        # What the sample app reads at start: a secret (random, never an output), made before any
        # workload is granted a role on it.
        self.sample_secret = vault_secret(
            "sample-secret", key_vault_id=workspace.key_vault_id, secret_name=SAMPLE_SECRET_NAME,
            value=random.RandomPassword("sample-secret-value", length=32, special=False).result,
            tags=self.tags, opts=pulumi.ResourceOptions(deleted_with=workspace.key_vault),
        ) if s.sample_data else None
        made = [self.sample_secret] if self.sample_secret else []

        self.clusters = {c.name: ComputeCluster(f"cluster-{c.name}", ComputeClusterArgs(
            workspace=workspace.ref, compute_name=c.name,
            identity=self.identity_for(cluster_identity_purpose(c.name), c.identity),
            vm_size=c.vm_size, vm_priority=c.vm_priority, min_nodes=c.min_nodes,
            max_nodes=c.max_nodes, idle_seconds_before_scale_down=c.idle_seconds_before_scale_down,
            extra_pulls=pulls, extra_reads=reads, secrets=c.secrets, secrets_made_by=made,
            node_public_ip=not net, tags=self.tags))
            for c in s.compute_clusters}
        self.instances = {i.name: ComputeInstance(f"instance-{i.name}", ComputeInstanceArgs(
            workspace=workspace.ref,
            compute_name=suffix.apply(partial(names.compute_instance, i.name)),
            identity=self.user_identity(instance_identity_purpose(i.name)),
            assigned_user_object_id=i.assigned_user, assigned_user_tenant_id=self.client.tenant_id,
            vm_size=i.vm_size, idle_minutes_before_shutdown=i.idle_minutes_before_shutdown,
            extra_reads=reads, extra_pulls=pulls, secrets=i.secrets, secrets_made_by=made,
            node_public_ip=not net,
            # a data user holds the storage roles already, from the data grants
            owner_storage_roles=i.assigned_user not in {u.object_id for u in s.data_users},
            tags=self.tags))
            for i in s.compute_instances}

        self.kubernetes = self.kubernetes_compute(s.kubernetes) if s.kubernetes else None

        deploys = any(e.deployments for e in s.online_endpoints)
        # Whoever runs pulumi up uploads the files, as itself, once granted the data role.
        self.deployer = Principal("deployer", self.client.object_id,
                                  authorization.PrincipalType(
                                      deployer_principal_type(s.deployer_principal_type)))
        self.assets = (AssetStore("assets", AssetStoreArgs(
            workspace=workspace.ref, uploader=self.deployer, protect=protect, tags=self.tags))
                       if deploys or s.sample_data else None)
        self.sample_reads: list[pulumi.Resource] = list(made)
        if self.assets is not None and s.sample_data:  # and the blob it reads
            self.sample_reads.append(
                self.assets.upload_file(SAMPLE_BLOB_NAME, "samples/score/data/labels.json"))
        self.endpoints = {e.name: OnlineEndpoint(f"endpoint-{e.name}", OnlineEndpointArgs(
            workspace=workspace.ref,
            endpoint_name=suffix.apply(partial(names.online_endpoint, e.name)),
            identity=self.identity_for(endpoint_identity_purpose(e.name), e.identity),
            auth_mode=e.auth_mode, public_network_access=e.public_network_access or closed,
            compute=self.kubernetes.id if e.compute and self.kubernetes else None,
            deployments=[self.deployment_spec(e, d) for d in e.deployments],
            secrets=e.secrets, secrets_made_by=made, extra_pulls=pulls,
            tags=self.tags))
            for e in s.online_endpoints}

        self.automation: AutomationIdentity | None = None
        if s.automation_credentials:  # CI without secrets (replaces seed 001's client secret)
            self.automation = AutomationIdentity("automation", AutomationIdentityArgs(
                workspace=workspace.ref, identity=self.user_identity(AUTOMATION_PURPOSE),
                credentials=credentials(s),
                endpoint_identities={e.name: self.identities[endpoint_identity_purpose(e.name)]
                                     for e in s.online_endpoints if e.identity == USER}))

    def private_network(self, net: NetworkSettings) -> PrivateNetwork:
        """The private way in: a virtual network (or the given subnet) with private endpoints
        to the workspace, its storage, key vault and a created registry, named in their zones."""
        names, ws = self.names, self.workspace
        private = PrivateNetwork("network", PrivateNetworkArgs(
            virtual_network_name=names.virtual_network(), address_space=net.address_space,
            existing_subnet_id=net.subnet_id, existing_zone_ids=net.dns_zone_ids,
            tags=self.tags, **self.place))
        ids: dict[str, pulumi.Input[str]] = {
            "workspace": ws.id, "storage-blob": ws.storage_account_id,
            "storage-file": ws.storage_account_id, "key-vault": ws.key_vault_id,
            "registry": self.registry.id}
        for target, group in private_endpoint_groups(self.settings):
            target_id = ids[target]
            # the studio reaches the closed storage through these as the workspace identity too
            readers = [ws.principal] if target.startswith("storage-") else []
            private.endpoint(target, names.private_endpoint(target), target_id, group, readers)
        return private

    def kubernetes_compute(self, kube: KubernetesSettings) -> KubernetesCompute:
        """The AKS inference cluster (created, or the given one) with the Azure ML extension,
        attached to the workspace as Kubernetes compute running as its own identity."""
        tls = kube.tls
        # The certificate and key stay secrets from the stack's config to the extension.
        certificate, key = (tls.certificate, tls.key) if tls else (None, None)
        return KubernetesCompute(f"kubernetes-{kube.name}", KubernetesComputeArgs(
            workspace=self.workspace.ref, workspace_principal=self.workspace.principal,
            compute_name=kube.name,
            identity=self.user_identity(kubernetes_identity_purpose(kube.name)),
            cluster=None if kube.existing_cluster_id else AksClusterSpec(
                cluster_name=self.names.kubernetes_cluster(), node_vm_size=kube.node_vm_size,
                node_count=kube.node_count),
            existing_id=kube.existing_cluster_id,
            instance_types=[InstanceType(t.name, t.cpu, t.memory, t.gpu)
                            for t in kube.instance_types],
            router_service_type=kube.router_service_type,
            internal_load_balancer=kube.internal_load_balancer,
            tls_cname=tls.cname if tls else None, tls_secret=tls.secret if tls else None,
            tls_certificate=None if certificate is None
            else pulumi.Output.secret(certificate.get_secret_value()),
            tls_key=None if key is None else pulumi.Output.secret(key.get_secret_value()),
            allow_insecure_connections=kube.allow_insecure_connections,
            install_nvidia_device_plugin=kube.install_nvidia_device_plugin, tags=self.tags))

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
        parts += [p for p in (self.private_registry, self.data, self.automation, self.kubernetes,
                              self.network, self.assets) if p is not None]
        return [g for part in parts for g in part.grants]

    @property
    def azure_grants(self) -> list[AzureGrant]:
        """Every role Azure itself grants a system-assigned identity of the stack."""
        parts: list[HasAzureGrants] = [self.workspace, *self.clusters.values(),
                                       *self.endpoints.values()]
        return [g for part in parts for g in part.azure_grants]
