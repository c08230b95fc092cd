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


from typing import NotRequired, TypedDict

import pulumi

from . import compute, endpoint, identity, kubernetes, registry, workspace
from .access import Principal
from .identity import ExistingIdentity, UserIdentity
from .package_args import ComputeClusterArgs, KubernetesComputeArgs
from .package_inputs import ComputeClusterInputs, KubernetesComputeInputs, inputs
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


class IdentityArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the identity."""
    location: pulumi.Input[str]
    """Azure region, e.g. westeurope."""
    identity_name: pulumi.Input[str]
    """Azure name: 3-128 letters, digits, '-' and '_'."""
    tags: NotRequired[dict[str, str]]


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
        super().__init__(f"{PACKAGE}:index:Identity", name, {}, opts)
        made = identity.ManagedIdentity(name, identity.ManagedIdentityArgs(
            resource_group_name=args["resource_group_name"], location=args["location"],
            identity_name=args["identity_name"], tags=args.get("tags") or {}),
            pulumi.ResourceOptions(parent=self))
        self.resource_id, self.name = made.id, made.name
        self.principal_id, self.client_id, self.tenant_id = (
            made.principal_id, made.client_id, made.tenant_id)
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "principal_id": self.principal_id, "client_id": self.client_id,
                               "tenant_id": self.tenant_id})


class MlWorkspaceArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    workspace_name: pulumi.Input[str]
    storage_account_name: pulumi.Input[str]
    """3-24 lowercase letters and digits, unique in Azure."""
    key_vault_name: pulumi.Input[str]
    """3-24 letters, digits and hyphens, unique in Azure."""
    application_insights_name: pulumi.Input[str]
    log_analytics_name: pulumi.Input[str]
    registry_name: NotRequired[pulumi.Input[str]]
    """A registry to create (5-50 letters and digits, unique in Azure); exactly one of this and
    existingRegistryId."""
    existing_registry_id: NotRequired[str]
    """Resource id of a registry to use instead of creating one; exactly one of this and
    registryName."""
    registry_sku: NotRequired[str]
    """Basic, Standard or Premium (default Basic)."""
    identity_id: NotRequired[pulumi.Input[str]]
    """Resource id of the user-assigned identity the workspace runs as (it gets Microsoft's
    documented roles); absent: the workspace's system-assigned identity."""
    protect: NotRequired[bool]
    """Protect and retain the stateful resources (production)."""
    tags: NotRequired[dict[str, str]]


class MlWorkspace(pulumi.ComponentResource):
    """An Azure ML workspace with its storage, key vault, insights and registry, and the roles its
    identity needs on them."""

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
        super().__init__(f"{PACKAGE}:index:MlWorkspace", name, {}, opts)
        if ("registry_name" in args) == ("existing_registry_id" in args):
            raise ValueError(
                f"MlWorkspace {name}: give registryName (a registry to create) or "
                "existingRegistryId (the resource id of one to use), exactly one; got "
                f"registryName={args.get('registry_name')!r}, "
                f"existingRegistryId={args.get('existing_registry_id')!r}")
        child = pulumi.ResourceOptions(parent=self)
        group, location = args["resource_group_name"], args["location"]
        tags = args.get("tags") or {}
        protect = args.get("protect", False)
        acr = registry.ContainerRegistry(f"{name}-registry", registry.ContainerRegistryArgs(
            registry_name=args.get("registry_name"), sku=args.get("registry_sku", "Basic"),
            existing_id=args.get("existing_registry_id"), protect=protect, tags=tags,
            resource_group_name=group, location=location),
            child)
        made = workspace.Workspace(name, workspace.WorkspaceArgs(
            workspace_name=args["workspace_name"],
            storage_account_name=args["storage_account_name"],
            key_vault_name=args["key_vault_name"],
            application_insights_name=args["application_insights_name"],
            log_analytics_name=args["log_analytics_name"], registry=acr,
            identity=_identity(args.get("identity_id")), protect=protect, tags=tags,
            resource_group_name=group, location=location),
            child)
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
            identity=_identity(given.identity_id),
            allow_unlisted_vm_size=given.allow_unlisted_vm_size, tags=given.tags),
            pulumi.ResourceOptions(parent=self))
        self.resource_id, self.name, self.principal_id = made.id, made.name, made.principal_id
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "principal_id": self.principal_id})


class OnlineDeployment(TypedDict):
    name: str
    """Letters, digits and single hyphens; the Azure name adds the instance type."""
    model_id: pulumi.Input[str]
    """A registered model version: ARM id or azureml:// URI."""
    environment_id: pulumi.Input[str]
    """A registered environment version: ARM id or azureml:// URI."""
    code_id: pulumi.Input[str]
    """A registered code version holding the scoring script (uploaded beforehand: the package
    uploads no files)."""
    scoring_script: NotRequired[str]
    instance_type: NotRequired[str]
    instance_count: NotRequired[int]
    traffic: NotRequired[int]
    """Percent of the endpoint's traffic (the shares sum to 100 or are all 0)."""
    environment_variables: NotRequired[dict[str, pulumi.Input[str]]]


class OnlineEndpointArgs(TypedDict):
    workspace_id: pulumi.Input[str]
    """Resource id of the workspace the endpoint belongs to."""
    endpoint_name: pulumi.Input[str]
    """3-32 letters, digits and single hyphens, unique in the region."""
    identity_id: NotRequired[pulumi.Input[str]]
    """Resource id of the user-assigned identity the endpoint serves as; absent: system-assigned."""
    auth_mode: NotRequired[str]
    """AADToken (default), AMLToken or Key."""
    public_network_access: NotRequired[str]
    compute_id: NotRequired[pulumi.Input[str]]
    """Resource id of an attached Kubernetes compute (a Kubernetes endpoint: AMLToken or Key auth,
    deployments on its instance types); absent: a managed endpoint."""
    deployments: NotRequired[list[OnlineDeployment]]
    secrets: NotRequired[list[str]]
    """Names of workspace key vault secrets the scoring code reads: Key Vault Secrets User on each
    only (each must exist)."""
    tags: NotRequired[dict[str, str]]


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
        super().__init__(f"{PACKAGE}:index:OnlineEndpoint", name, {}, opts)
        defaults = endpoint.OnlineEndpointArgs(
            workspace=WorkspaceRef.existing(args["workspace_id"]),
            endpoint_name=args["endpoint_name"])
        made = endpoint.OnlineEndpoint(name, endpoint.OnlineEndpointArgs(
            workspace=defaults.workspace, endpoint_name=defaults.endpoint_name,
            identity=_identity(args.get("identity_id")),
            auth_mode=args.get("auth_mode", defaults.auth_mode),
            public_network_access=args.get("public_network_access",
                                           defaults.public_network_access),
            compute=args.get("compute_id"),
            deployments=[_deployment(d) for d in args.get("deployments") or []],
            secrets=args.get("secrets") or [],
            tags=args.get("tags") or {}), pulumi.ResourceOptions(parent=self))
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


def _deployment(args: OnlineDeployment) -> endpoint.OnlineDeploymentSpec:
    d = endpoint.OnlineDeploymentSpec(name=args["name"], model_id=args["model_id"],
                                      environment_id=args["environment_id"],
                                      code_id=args["code_id"])
    return endpoint.OnlineDeploymentSpec(
        name=d.name, model_id=d.model_id, environment_id=d.environment_id, code_id=d.code_id,
        scoring_script=args.get("scoring_script", d.scoring_script),
        instance_type=args.get("instance_type", d.instance_type),
        instance_count=_whole("deployments[].instanceCount",
                              args.get("instance_count", d.instance_count)),
        traffic=_whole("deployments[].traffic", args.get("traffic", d.traffic)),
        environment_variables=args.get("environment_variables") or {})


COMPONENTS: list[type[pulumi.ComponentResource]] = [Identity, MlWorkspace, ComputeCluster,
                                                    OnlineEndpoint, KubernetesCompute]
"""What the package offers other languages."""
