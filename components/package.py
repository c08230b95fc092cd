"""The components as a Pulumi component package, for TypeScript, Go, C#, Java and YAML programs.

``provider/`` hosts these classes (``component_provider_host``); ``pulumi package add`` generates
an SDK for the consumer's language from the schema the Python SDK's analyzer builds out of the
annotations below. Each takes its arguments as a TypedDict (what ``construct`` hands over: a
mapping of Python names) and refers to other resources by **resource id**, never by a Python
object: a workspace by its id (:meth:`WorkspaceRef.existing`), an identity by its id
(:meth:`ExistingIdentity.lookup`). The library classes do the work; these only translate.

Each component's Azure resource id is the output ``resourceId``, not ``id``: ``id`` and ``urn``
are Pulumi's own, and the SDK's Construct leaves both out of the state it returns
(``pulumi/provider/server.py`` ``_construct_response``), so an output named ``id`` never reaches
the consumer.

Token: ``mlplatform:index:<Class>``.

**Every component works under the provider host** (``tests/library/test_provider_host.py``
constructs each over gRPC, as the engine does): the role-propagation error hook each workload
carries is registered by the host for its Construct and served by the host process
(:func:`~components.propagation.propagation_hook`).

**Uploads are not part of the package.** An upload is a Pulumi dynamic resource
(:class:`~components.blob_upload.EntraBlob`), whose provider is the ``pulumi-python`` plugin: the
engine starts the CLI's ``pulumi-resource-pulumi-python`` script in the *consumer's* project folder
with the consumer project's runtime options (pulumi/pulumi ``sdk/python/dist/
pulumi-resource-pulumi-python``; ``sdk/go/common/resource/plugin/provider_plugin.go``
``NewProvider``: runtime options become ``PULUMI_RUNTIME_*``), so it runs the consumer's
``.venv`` python, or ``python3`` on the PATH of a TypeScript, Go, C#, Java or YAML project, which
holds neither pulumi nor this package to unpickle the provider. Models, environments and code are
therefore passed by asset id, registered beforehand (the Python library's ``AssetStore``, or
``az ml model create``).
"""


from collections.abc import Sequence

import pulumi
from pulumi_azure_native import authorization

from . import (
    batch_endpoint,
    compute,
    encryption,
    endpoint,
    identity,
    kubernetes,
    ml_registry,
    registry,
    workspace,
)
from .access import Principal
from .arguments import Placed
from .identity import ExistingIdentity, UserIdentity
from .package_args import (
    BatchEndpointArgs,
    ComputeClusterArgs,
    IdentityArgs,
    KubernetesComputeArgs,
    MlRegistryArgs,
    MlWorkspaceArgs,
    OnlineEndpointArgs,
)
from .package_inputs import (
    BatchEndpointInputs,
    ComputeClusterInputs,
    IdentityInputs,
    KubernetesComputeInputs,
    MlRegistryInputs,
    MlWorkspaceInputs,
    OnlineEndpointInputs,
    RegistryPrincipal,
    inputs,
)
from .workspace import WorkspaceRef

PACKAGE = "mlplatform"


def _whole(name: str, value: float) -> int:
    """A schema integer as a Python int. Construct hands every number over as a float (a
    protobuf ``Struct`` number is a double), which the library would write as ``PT600.0S`` or
    ``"1.0"`` where it formats one into a string."""
    if not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    return int(value)


def _identity(identity_id: pulumi.Input[str] | None) -> UserIdentity | None:
    return None if identity_id is None else ExistingIdentity.lookup(identity_id)


class Identity(pulumi.ComponentResource):
    """A user-assigned managed identity: what a workload runs as and what roles are granted to."""

    resource_id: pulumi.Output[str]
    """Resource id, what the other components take as identityId."""
    name: pulumi.Output[str]
    principal_id: pulumi.Output[str]
    """Object id of its service principal: what role assignments name."""
    client_id: pulumi.Output[str]
    """What code running as it passes as AZURE_CLIENT_ID."""
    tenant_id: pulumi.Output[str]

    def __init__(self, name: str, args: IdentityArgs,
                 opts: pulumi.ResourceOptions | None = None):
        given = inputs(IdentityInputs, f"Identity {name!r}", args)
        super().__init__(f"{PACKAGE}:index:Identity", name, {}, opts)
        made = identity.ManagedIdentity(name, identity.ManagedIdentityArgs(
            **given.arguments(identity.ManagedIdentityArgs)), pulumi.ResourceOptions(parent=self))
        self.resource_id, self.name = made.id, made.name
        self.principal_id, self.client_id, self.tenant_id = (
            made.principal_id, made.client_id, made.tenant_id)
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "principal_id": self.principal_id, "client_id": self.client_id,
                               "tenant_id": self.tenant_id})


class MlWorkspace(pulumi.ComponentResource):
    """An Azure ML workspace with its storage, key vault, insights and registry, and the roles its
    identity needs on them; with encryptionIdentityId, encrypted with a customer-managed key."""

    resource_id: pulumi.Output[str]
    """Azure resource id."""
    name: pulumi.Output[str]
    principal_id: pulumi.Output[str]
    storage_account_id: pulumi.Output[str]
    key_vault_id: pulumi.Output[str]
    registry_id: pulumi.Output[str]
    registry_login_server: pulumi.Output[str]

    def __init__(self, name: str, args: MlWorkspaceArgs,
                 opts: pulumi.ResourceOptions | None = None):
        given = inputs(MlWorkspaceInputs, f"MlWorkspace {name!r}", args)
        super().__init__(f"{PACKAGE}:index:MlWorkspace", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        shared = dict(**given.arguments(Placed), protect=given.protect, tags=given.tags)
        key = None if given.encryption_identity_id is None else encryption.EncryptionKey(
            f"{name}-key", encryption.EncryptionKeyArgs(
                key_vault_name=given.encryption_key_vault_name,
                identity=ExistingIdentity.lookup(given.encryption_identity_id), **shared),
            child).ref
        # a registry takes the key only if Premium ("available in the Premium ... tier") and made
        # here (one given by id is its owner's to encrypt)
        acr = registry.ContainerRegistry(f"{name}-registry", registry.ContainerRegistryArgs(
            registry_name=given.registry_name, sku=given.registry_sku,
            existing_id=given.existing_registry_id,
            encryption=key if given.registry_sku == "Premium"
            and given.existing_registry_id is None else None, **shared), child)
        made = workspace.Workspace(name, workspace.WorkspaceArgs(
            **given.arguments(workspace.WorkspaceSpec), **given.arguments(workspace.WorkspaceNames),
            registry=acr, identity=_identity(given.identity_id), encryption=key,
            high_business_impact=given.high_business_impact, **shared), child)
        self.resource_id, self.name, self.principal_id = made.id, made.name, made.principal_id
        self.storage_account_id, self.key_vault_id = made.storage_account_id, made.key_vault_id
        self.registry_id, self.registry_login_server = acr.id, acr.login_server
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "principal_id": self.principal_id,
                               "storage_account_id": self.storage_account_id,
                               "key_vault_id": self.key_vault_id, "registry_id": self.registry_id,
                               "registry_login_server": self.registry_login_server})


class ComputeCluster(pulumi.ComponentResource):
    """An AmlCompute cluster that scales to zero and runs jobs as a managed identity, with the
    roles that identity needs to pull images and read data."""

    resource_id: pulumi.Output[str]
    """Azure resource id."""
    name: pulumi.Output[str]
    principal_id: pulumi.Output[str]

    def __init__(self, name: str, args: ComputeClusterArgs,
                 opts: pulumi.ResourceOptions | None = None):
        given = inputs(ComputeClusterInputs, f"ComputeCluster {name!r}", args)
        super().__init__(f"{PACKAGE}:index:ComputeCluster", name, {}, opts)
        made = compute.ComputeCluster(name, compute.ComputeClusterArgs(
            **given.arguments(compute.ComputeClusterSpec),
            workspace=WorkspaceRef.existing(given.workspace_id),
            identity=_identity(given.identity_id), batch_jobs=given.batch_jobs,
            allow_unlisted_vm_size=given.allow_unlisted_vm_size, tags=given.tags),
            pulumi.ResourceOptions(parent=self))
        self.resource_id, self.name, self.principal_id = made.id, made.name, made.principal_id
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "principal_id": self.principal_id})


class OnlineEndpoint(pulumi.ComponentResource):
    """A managed online endpoint serving as a managed identity that holds the roles its deployments
    need, with its deployments and their traffic. Deployments name registered model, environment
    and code versions: the package uploads no files (a dynamic resource would run in the consumer's
    Python, which other languages' projects do not have)."""

    resource_id: pulumi.Output[str]
    """Azure resource id."""
    name: pulumi.Output[str]
    scoring_uri: pulumi.Output[str]
    swagger_uri: pulumi.Output[str]
    principal_id: pulumi.Output[str]

    def __init__(self, name: str, args: OnlineEndpointArgs,
                 opts: pulumi.ResourceOptions | None = None):
        given = inputs(OnlineEndpointInputs, f"OnlineEndpoint {name!r}", args)
        super().__init__(f"{PACKAGE}:index:OnlineEndpoint", name, {}, opts)
        made = endpoint.OnlineEndpoint(name, endpoint.OnlineEndpointArgs(
            **given.arguments(endpoint.EndpointSpec, but=("deployments",)),
            workspace=WorkspaceRef.existing(given.workspace_id),
            endpoint_name=given.endpoint_name, identity=_identity(given.identity_id),
            public_network_access=given.public_network_access, compute=given.compute_id,
            deployments=[endpoint.OnlineDeploymentSpec(
                **d.arguments(endpoint.DeploymentSpec), model_id=d.model_id,
                environment_id=d.environment_id, code_id=d.code_id)
                for d in given.deployments],
            allow_unlisted_vm_size=given.allow_unlisted_vm_size, tags=given.tags),
            pulumi.ResourceOptions(parent=self))
        self.resource_id, self.name, self.principal_id = made.id, made.name, made.principal_id
        self.scoring_uri, self.swagger_uri = made.scoring_uri, made.swagger_uri
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "scoring_uri": self.scoring_uri, "swagger_uri": self.swagger_uri,
                               "principal_id": self.principal_id})


class KubernetesCompute(pulumi.ComponentResource):
    """An AKS cluster (created, or an existing one) with the Azure ML extension, its instance
    types, attached to a workspace as Kubernetes compute running as a managed identity, with the
    roles the attach needs granted first."""

    resource_id: pulumi.Output[str]
    """Azure resource id."""
    name: pulumi.Output[str]
    cluster_id: pulumi.Output[str]

    def __init__(self, name: str, args: KubernetesComputeArgs,
                 opts: pulumi.ResourceOptions | None = None):
        given = inputs(KubernetesComputeInputs, f"KubernetesCompute {name!r}", args)
        super().__init__(f"{PACKAGE}:index:KubernetesCompute", name, {}, opts)
        made = kubernetes.KubernetesCompute(name, kubernetes.KubernetesComputeArgs(
            **given.arguments(kubernetes.KubernetesComputeSpec),
            workspace=WorkspaceRef.existing(given.workspace_id),
            workspace_principal=Principal("workspace", given.workspace_principal_id),
            identity=ExistingIdentity.lookup(given.identity_id),
            cluster_name=given.cluster_name or (
                None if given.existing_cluster_id else f"aks-{name}"),
            tls=given.tls(), tags=given.tags), pulumi.ResourceOptions(parent=self))
        self.resource_id, self.name, self.cluster_id = made.id, made.name, made.cluster_id
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "cluster_id": self.cluster_id})


class MlRegistry(pulumi.ComponentResource):
    """An Azure ML registry (created with its storage and container registry in each region, or
    an existing one by id), and the roles of those who publish into it (AzureML Registry User) or
    use it (Reader)."""

    resource_id: pulumi.Output[str]
    """Azure resource id (what a workspace's managed network rule and role assignments name)."""
    name: pulumi.Output[str]
    """Azure name, in every asset id."""
    asset_uri_prefix: pulumi.Output[str]
    """``azureml://registries/<name>``: what its models' and environments' ids start with."""

    def __init__(self, name: str, args: MlRegistryArgs,
                 opts: pulumi.ResourceOptions | None = None):
        given = inputs(MlRegistryInputs, f"MlRegistry {name!r}", args)
        super().__init__(f"{PACKAGE}:index:MlRegistry", name, {}, opts)

        def who(entries: Sequence[RegistryPrincipal], identities: bool) -> dict[str, Principal]:
            return {e.object_id: Principal(e.object_id, e.object_id,
                                           authorization.PrincipalType(e.type))
                    for e in entries if (e.type == "ServicePrincipal") == identities}
        made = ml_registry.MlRegistry(name, ml_registry.MlRegistryArgs(
            **given.arguments(ml_registry.MlRegistrySpec),
            publishers={**who(given.publishers, True), **who(given.publishers, False)},
            consumers=who(given.consumers, False),
            workload_consumers=who(given.consumers, True)), pulumi.ResourceOptions(parent=self))
        self.resource_id, self.name = made.id, made.name
        self.asset_uri_prefix = made.asset_uri_prefix
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "asset_uri_prefix": self.asset_uri_prefix})



class BatchEndpoint(pulumi.ComponentResource):
    """A batch endpoint that takes Entra tokens, its model deployments on compute clusters (made
    with batchJobs, running as a user-assigned identity), its default deployment and who may
    invoke it. Deployments name registered model, environment and code versions."""

    resource_id: pulumi.Output[str]
    """Azure resource id."""
    name: pulumi.Output[str]
    scoring_uri: pulumi.Output[str]
    """The invocation URI."""

    def __init__(self, name: str, args: BatchEndpointArgs,
                 opts: pulumi.ResourceOptions | None = None):
        given = inputs(BatchEndpointInputs, f"BatchEndpoint {name!r}", args)
        super().__init__(f"{PACKAGE}:index:BatchEndpoint", name, {}, opts)
        made = batch_endpoint.BatchEndpoint(name, batch_endpoint.BatchEndpointArgs(
            **given.arguments(batch_endpoint.BatchEndpointSpec),
            workspace=WorkspaceRef.existing(given.workspace_id),
            endpoint_name=given.endpoint_name,
            deployments=[batch_endpoint.BatchModelDeploymentSpec(
                **d.arguments(batch_endpoint.BatchDeploymentSpec), model_id=d.model_id,
                environment_id=d.environment_id, code_id=d.code_id,
                cluster=compute.ClusterRef.existing(d.compute_id))
                for d in given.deployments],
            invokers={i.object_id: Principal(i.object_id, i.object_id,
                                             authorization.PrincipalType(i.type))
                      for i in given.invokers},
            tags=given.tags), pulumi.ResourceOptions(parent=self))
        self.resource_id, self.name, self.scoring_uri = made.id, made.name, made.scoring_uri
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "scoring_uri": self.scoring_uri})



COMPONENTS: list[type[pulumi.ComponentResource]] = [Identity, MlWorkspace, ComputeCluster,
                                                    OnlineEndpoint, KubernetesCompute, MlRegistry,
                                                    BatchEndpoint]
"""What the package offers other languages."""
