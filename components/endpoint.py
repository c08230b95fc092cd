"""Online endpoint (managed, or Kubernetes on an attached cluster) that serves as a managed
identity.

"If the endpoint identity is a user-assigned identity, there's no automatic role assignment"
(Azure ML, "Authentication and authorization for online endpoints"): the stack grants it AcrPull
on the registry (images), Storage Blob Data Contributor on the workspace storage (models) and
AzureML Metrics Writer (preview) on the workspace (metrics). Azure grants a system-assigned endpoint
identity those three itself. The storage role is where two Microsoft pages disagree: the keyless
storage page (how-to-disable-local-auth-storage, 2026-01-30) has Azure assign a managed online
endpoint Storage Blob Data Contributor on an identity-based workspace's storage, which every
workspace of this package is (``systemDatastoresAuthMode: identity``); the online-endpoint auth
page says Storage Blob Data Reader. The stricter one, Contributor, is followed.

Either identity gets Key Vault Secrets User on each secret its scoring code reads (``secrets``;
seed 003) and on nothing else of the vault, which also holds the credentials Azure ML keeps for
datastores and connections; ``extra_pulls`` adds AcrPull on registries a complete image comes
from (a private registry).

Each deployment (:class:`OnlineDeploymentSpec`) waits for those grants: Azure fails a deployment
whose identity cannot pull its image or read its model yet. The scoring code finds the identity,
the key vault and the storage in its environment: ``AZURE_CLIENT_ID`` (a user-assigned identity's
client id, which ``ManagedIdentityCredential``/``DefaultAzureCredential`` pick up),
``KEY_VAULT_URL`` and ``STORAGE_BLOB_URL``.

Traffic and settings. ARM refuses an endpoint whose ``traffic`` names a deployment that does not
exist yet, and a deployment cannot exist before its endpoint, so one resource cannot carry both.
Microsoft's ARM walkthrough deploys its endpoint template (Azure/azureml-examples
``arm-templates/online-endpoint.json``, which takes ``traffic`` as a parameter) a second time once
the deployment exists; Pulumi's maintainers describe the same "second operation on the same
resource" as the way out of such cycles (pulumi/pulumi-azure-native#2617). So the endpoint
resource only creates the endpoint, and an ARM template deployment (``azure-native:resources:
Deployment``, the *writer*) puts it again with every setting and the traffic once every
deployment exists. The writer is the only thing that changes the endpoint after its creation, and
it exists whenever the endpoint does (traffic ``{}`` without deployments):

* the endpoint resource ignores changes to its settings, tags and traffic: an update would be a
  full PUT without ``traffic`` and zero it (pulumi-azure-native updates with a full PUT and keeps
  no traffic from Azure). ``pulumi refresh`` copies the writer's traffic into the endpoint's
  inputs in the state (azure-native ``Read`` applies the change between old and new outputs to the
  inputs), which without the ignore would make the next ``up`` send a PUT without traffic. The
  engine keeps an ignored value from the state, also when it creates a replacement, so a
  replacement after a refresh would carry the refreshed traffic to deployments deleted before it
  (404 "Deployment ... not found in endpoint"): the day-2 plan models the refresh and refuses that
  step, with the way out (traffic to zero, ``up``, ``refresh``, then the change);
* removed deployments are deleted after every create and update (Pulumi's order), so the writer has
  moved their traffic away first ("You can't delete a deployment that has live traffic allocated to
  it", how-to-safely-rollout-online-endpoints);
* the identity is fixed at creation ("The identity for an endpoint is immutable"): a change
  replaces the endpoint, deleting it first since its name stays.

Kubernetes endpoints. With ``compute`` (an attached Kubernetes compute,
:class:`~components.kubernetes.KubernetesCompute`) the endpoint runs there: its deployments are
``Kubernetes`` deployments on the compute's instance types, its scoring container runs as the
same endpoint identity with the same grants ("An online deployment runs your user container with
the endpoint identity", concept-endpoints-online-auth), it takes Key or AMLToken auth only
("Kubernetes online endpoint doesn't support Microsoft Entra token for data plane operations") and
has no public network setting that means anything (the cluster's router is its way in). The
compute is fixed at creation: another one replaces the endpoint.

Deployments. A deployment's instance type is fixed at creation ("deployment update can't change
instance type ... deploy a new deployment, move traffic there, and delete the old one",
Azure/AML-Kubernetes#247), so the Azure name of a deployment carries it: ``blue`` on
``Standard_DS2_v2`` is ``blue-ds2v2``. A new instance type is a new deployment that takes the old
one's share of traffic before the old one is deleted, in one ``pulumi up``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import resources
from pydantic import Field, InstanceOf, SkipValidation, StrictBool, StrictInt

from . import catalog
from .access import (
    PRINCIPAL_OR_SCOPE,
    ROLE_ASSIGNMENT,
    AzureGrant,
    Grant,
    Principal,
    after,
    grant,
    secret_grants,
)
from .arguments import (
    MISSING,
    VM_SIZE_PATTERN,
    Arguments,
    NetworkAccess,
    Problem,
    SecretName,
    StrInput,
    azure_name,
    size_problems,
    unique_names,
)
from .assets import CODE_VERSION, ENVIRONMENT_VERSION, MODEL_VERSION
from .azure import sources
from .azure.names import RULES
from .azure.vm_sizes import online_endpoint_size_problem
from .blob_upload import ENTRA_BLOB
from .catalog import REFUSED, Fixed, Seconds, Shown
from .compute import COMPUTE, in_network
from .credentials import IN_THE_DEFINITION, secret_variable
from .identity import USER_ASSIGNED_IDENTITY, UserIdentity, ml_identity, runs_as
from .network_provisioning import NETWORK_PROVISIONING
from .secrets import TEMPLATE_DEPLOYMENT
from .workspace import KEY_VAULT, ML_WORKSPACE, STORAGE_ACCOUNT, WorkspaceRef, in_workspace

ENDPOINT_API_VERSION = "2025-12-01"
"""The Microsoft.MachineLearningServices API version pulumi-azure-native 3.29 uses for endpoints."""
WRITTEN = ("authMode", "publicNetworkAccess", "traffic", "mirrorTraffic")
"""The endpoint properties the writer puts after creation (the endpoint resource ignores them;
it never writes mirror traffic, which a refresh would bring into the state all the same)."""
ENDPOINT_STORAGE_ROLE = "Storage Blob Data Contributor"
"""The endpoint identity's role on the workspace storage (the stricter of two Microsoft pages: see
the module's doc)."""
RESERVED_VARIABLES = ("AZURE_CLIENT_ID", "KEY_VAULT_URL", "STORAGE_BLOB_URL")
"""Environment variables the component sets on every deployment."""

ONLINE_ENDPOINT = catalog.register(catalog.ResourceType(
    "azure-native:machinelearningservices:OnlineEndpoint", "online endpoint",
    created_in=Seconds(120, catalog.ESTIMATE),
    id_template=in_workspace("onlineEndpoints/{endpointName}"), name="endpointName",
    name_rule=RULES["online endpoint"], replaced_on=("location",),
    fixed=(Fixed("identity", REFUSED, "\"The identity for an endpoint is immutable\"",
                 "MicrosoftDocs/azure-ai-docs "
                 "how-to-access-resources-from-endpoints-managed-identities.md"),),
    requires={ML_WORKSPACE: "an endpoint belongs to its workspace",
              USER_ASSIGNED_IDENTITY: "an endpoint runs as its identity",
              COMPUTE: "a Kubernetes endpoint runs on its attached compute"},
    shown=(Shown("auth", "properties.authMode"),
           Shown("compute", "properties.compute"),
           Shown("public network", "properties.publicNetworkAccess", "Enabled",
                 # a managed endpoint's: a Kubernetes one is reached through its cluster
                 lambda inputs: (inputs.get("properties") or {}).get("compute") is None)),
    logs=catalog.Logs(("AmlOnlineEndpointConsoleLog", "AmlOnlineEndpointEventLog",
                       "AmlOnlineEndpointTrafficLog"),
                      catalog.SUPPORTED_LOGS + "microsoft-machinelearningservices-workspaces-"
                      "onlineendpoints-logs; how-to-monitor-online-endpoints, Logs")))
catalog.require(ROLE_ASSIGNMENT, {ONLINE_ENDPOINT: PRINCIPAL_OR_SCOPE})
ONLINE_DEPLOYMENT = catalog.register(catalog.ResourceType(
    "azure-native:machinelearningservices:OnlineDeployment", "online deployment",
    created_in=Seconds(1200, "Microsoft Learn, prompt flow 'Deploy a flow to online endpoint' "
                             "(azure-docs PR #115376): 'This deployment might take up to 20 "
                             "minutes, depending on whether the underlying environment or image "
                             "is being built for the first time'"),
    id_template=in_workspace("onlineEndpoints/{endpointName}/deployments/{deploymentName}"),
    name="deploymentName", name_rule=RULES["online deployment"], replaced_on=("location",),
    fixed=(Fixed("properties.instanceType", REFUSED,
                 "\"deployment update can't change instance type\": deploy a new deployment, "
                 "move traffic, delete the old one", "Azure/AML-Kubernetes#247 (Microsoft)"),
           Fixed("properties.endpointComputeType", REFUSED,
                 "a deployment's compute type is its kind, fixed at creation",
                 "Azure/azure-rest-api-specs OnlineDeployment (discriminator "
                 "endpointComputeType)")),
    requires={ONLINE_ENDPOINT: "a deployment belongs to its endpoint",
              ML_WORKSPACE: "a deployment belongs to its workspace",
              MODEL_VERSION: "a deployment serves a registered model",
              CODE_VERSION: "a deployment runs registered code",
              ENVIRONMENT_VERSION: "a deployment runs in a registered environment",
              ROLE_ASSIGNMENT: "Azure fails a deployment whose identity cannot pull its image or "
                               "read its model yet",
              USER_ASSIGNED_IDENTITY: "its client id is the deployment's AZURE_CLIENT_ID",
              KEY_VAULT: "the scoring code reads the vault when it starts",
              TEMPLATE_DEPLOYMENT: "the scoring code reads the secret a template puts, when it "
                                   "starts",
              STORAGE_ACCOUNT: "the scoring code reads blobs when it starts",
              ENTRA_BLOB: "the scoring code reads the blob when it starts",
              NETWORK_PROVISIONING: "\"To create an online deployment, you must manually "
                                    "provision the managed network\""},
    shown=(Shown("instance type", "properties.instanceType"),
           Shown("instances", "sku.capacity"))))
catalog.require(TEMPLATE_DEPLOYMENT, {  # the template that writes an endpoint's traffic
    ONLINE_DEPLOYMENT: "ARM refuses traffic to a deployment that does not exist",
    ONLINE_ENDPOINT: "traffic is set on the endpoint",
    ML_WORKSPACE: "the endpoint belongs to the workspace",
    USER_ASSIGNED_IDENTITY: "the endpoint is put again with its identity",
    COMPUTE: "a Kubernetes endpoint is put again on its compute"})


def instance_slug(instance_type: str) -> str:
    """The short form of a VM size in a deployment's Azure name: ``Standard_DS2_v2`` ->
    ``ds2v2``."""
    return re.sub(r"[^a-z0-9]", "", instance_type.lower().removeprefix("standard_"))


def deployment_name(name: str, instance_type: str) -> str:
    """Azure name of deployment ``name`` on ``instance_type`` (the type is fixed at creation)."""
    return f"{name}-{instance_slug(instance_type)}"


AuthMode = Literal["AADToken", "AMLToken", "Key"]
"""``EndpointAuthMode`` of the Microsoft.MachineLearningServices API."""
KUBERNETES_AUTH = ("AMLToken or Key (\"Kubernetes online endpoint doesn't support Microsoft Entra "
                   "token\", concept-endpoints-online-auth)")


class DeploymentSpec(Arguments):
    """One online deployment of an endpoint."""

    SECRET_WAY: ClassVar[str] = (
        "a secret the scoring code needs goes in the workspace key vault: name it in the "
        "endpoint's secrets, and the code reads it as the endpoint identity (it finds the vault "
        "at KEY_VAULT_URL)")
    """Where a secret goes instead."""

    name: Annotated[str, azure_name("online deployment")]
    """Letters, digits and single hyphens; its Azure name adds the instance type."""
    scoring_script: str = Field("score.py", pattern=r"^[\w.-]+(/[\w.-]+)*\.py$")
    """The script with init() and run(), inside the code folder."""
    instance_type: str = Field("Standard_DS2_v2", pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")
    """A VM size managed online endpoints offer, or on a Kubernetes endpoint one of its
    compute's instance types (a change rolls to a new deployment)."""
    instance_count: StrictInt = Field(1, ge=1, le=100)
    """VMs serving the deployment."""
    traffic: StrictInt = Field(0, ge=0, le=100)
    """Percent of the endpoint's traffic (an endpoint's shares sum to 100 or are all 0)."""
    environment_variables: Mapping[str, StrInput] = {}
    """Variables for the scoring code (AZURE_CLIENT_ID, KEY_VAULT_URL and STORAGE_BLOB_URL are
    the endpoint's own)."""

    def withheld(self, value: object) -> bool:
        """Whether ``value`` of a variable is a secret said elsewhere (none here)."""
        return False

    def cross_checks(self) -> list[Problem]:
        found = []
        problem = RULES["online deployment"].problem(deployment_name(self.name,
                                                                     self.instance_type))
        if problem:
            found.append(Problem(("name",), self.name, "a shorter name: its Azure name carries "
                                 f"the instance type ({problem})"))
        for name, value in self.environment_variables.items():
            if not isinstance(value, str) or self.withheld(value):
                continue  # an Output is known only later
            where = ("environment_variables", name)
            if name in RESERVED_VARIABLES:
                found.append(Problem(where, value, "nothing: the endpoint sets "
                                     + ", ".join(RESERVED_VARIABLES) + " itself"))
            elif not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                found.append(Problem(where, name, "a variable name of letters, digits and '_'"))
            elif why := secret_variable(name, value):
                found.append(Problem(where, MISSING, "a value that is not secret, since "
                                     f"{IN_THE_DEFINITION}; {self.SECRET_WAY}",
                                     hidden=f"a secret: {why}"))
        return found


class OnlineDeploymentSpec(DeploymentSpec):
    """One online deployment of an endpoint: what it serves and on how many VMs."""

    model_id: StrInput
    """Model version to serve: an ARM id or an ``azureml://`` URI (e.g. from a registry)."""
    environment_id: StrInput
    """Environment version the scoring code runs in."""
    code_id: StrInput
    """Code version that holds the scoring script."""
    depends_on: Sequence[InstanceOf[pulumi.Resource]] = ()
    """What the scoring code reads when it starts (secrets, blobs): created before the
    deployment."""


class EndpointSpec(Arguments):
    """One online endpoint: managed, or on an attached Kubernetes compute."""

    auth_mode: AuthMode = "AADToken"
    """How callers authenticate: AADToken (Entra ID), AMLToken, or Key (only when asked for)."""
    deployments: Sequence[DeploymentSpec] = ()
    """Deployments with their traffic shares; none serves nothing (and costs nothing)."""
    secrets: tuple[SecretName, ...] = ()
    """Names of workspace key vault secrets the scoring code reads as the endpoint identity
    (Key Vault Secrets User on each, never the whole vault); each must exist."""

    def on_kubernetes(self) -> bool:
        """Whether the endpoint runs on an attached Kubernetes compute."""
        return False

    def cross_checks(self) -> list[Problem]:
        found = unique_names(("deployments",), [d.name for d in self.deployments])
        shares = [d.traffic for d in self.deployments]
        if sum(shares) not in (0, 100):
            split = ", ".join(f"{d.name}={d.traffic}" for d in self.deployments)
            found.append(Problem(("deployments",), split, "traffic shares that sum to 100 (or "
                                 f"are all 0); these sum to {sum(shares)}"))
        if self.on_kubernetes():
            if self.auth_mode == "AADToken":
                found.append(Problem(("auth_mode",), "AADToken", KUBERNETES_AUTH,
                                     when="on a Kubernetes endpoint"))
            return found
        return found + [Problem(("deployments", j, "instance_type"), d.instance_type,
                                "a VM size (Standard_...) on a managed endpoint")
                        for j, d in enumerate(self.deployments)
                        if not re.fullmatch(VM_SIZE_PATTERN, d.instance_type)]

    def offered_sizes(self, allow_unlisted: bool) -> list[Problem]:
        """The instance types of a managed endpoint's deployments that managed online endpoints
        do not offer (unless ``allow_unlisted_vm_size`` takes sizes newer than the list)."""
        if allow_unlisted or self.on_kubernetes():
            return []
        return [p for j, d in enumerate(self.deployments)
                if re.fullmatch(VM_SIZE_PATTERN, d.instance_type)
                for p in size_problems(("deployments", j, "instance_type"), d.instance_type,
                                       online_endpoint_size_problem, "allow_unlisted_vm_size")]


class OnlineEndpointArgs(EndpointSpec):
    """Arguments of :class:`OnlineEndpoint`."""

    workspace: InstanceOf[WorkspaceRef]
    endpoint_name: Annotated[StrInput, azure_name("online endpoint")]
    """Azure name: 3-32 letters, digits and single hyphens, unique in the region."""
    identity: SkipValidation[UserIdentity | None] = None
    """User-assigned identity the endpoint serves as; None for a system-assigned identity."""
    public_network_access: NetworkAccess = "Enabled"
    """Managed endpoints only."""
    compute: StrInput | None = None
    """Resource id of an attached Kubernetes compute (``properties.compute``: "ARM resource ID of
    the compute"): a Kubernetes online endpoint; None: a managed one."""
    deployments: Sequence[OnlineDeploymentSpec] = ()
    """Deployments to run on the endpoint, with their traffic shares."""
    secrets_made_by: Sequence[InstanceOf[pulumi.Resource]] = ()
    """What creates those of ``secrets`` that the program makes: a grant on one secret needs the
    secret to exist."""
    extra_pulls: Mapping[str, StrInput] = {}
    """More registries images are pulled from (a private registry), by a short target name."""
    allow_unlisted_vm_size: StrictBool = False
    """Take instance types this package does not list for managed online endpoints (sizes
    newer than its list)."""
    tags: Mapping[str, str] = {}

    def on_kubernetes(self) -> bool:
        return self.compute is not None

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + self.offered_sizes(self.allow_unlisted_vm_size)


class OnlineEndpoint(pulumi.ComponentResource):
    """An online endpoint and the roles its identity needs."""

    id: pulumi.Output[str]
    name: pulumi.Output[str]
    scoring_uri: pulumi.Output[str]
    """URI that scores requests, known once the endpoint exists."""
    swagger_uri: pulumi.Output[str]
    """URI of the endpoint's OpenAPI document."""
    principal: Principal
    """What the endpoint serves as: its user-assigned identity or its own system identity."""
    principal_id: pulumi.Output[str]
    """Principal id of the identity the endpoint serves as."""
    client_id: pulumi.Output[str | None]
    """Client id of the user-assigned identity (the deployment's ``AZURE_CLIENT_ID``); None for a
    system-assigned identity."""
    grants: list[Grant]
    """The roles this component grants the endpoint identity."""
    azure_grants: list[AzureGrant]
    """The roles Azure itself grants a system-assigned endpoint identity; none for a
    user-assigned one."""
    deployments: dict[str, ml.OnlineDeployment]
    """The endpoint's deployments by Azure name."""
    traffic: dict[str, int]
    """Percent of traffic per deployment (Azure name), as applied after the deployments exist."""

    def __init__(self, name: str, args: OnlineEndpointArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:endpoint:OnlineEndpoint", name, {}, opts)
        ws = args.workspace
        user = args.identity
        endpoint = ml.OnlineEndpoint(
            name,
            endpoint_name=args.endpoint_name,
            **ws.inside(),
            identity=ml_identity(args.identity),
            properties=ml.OnlineEndpointPropertiesArgs(
                auth_mode=args.auth_mode,
                # the SDK sends Enabled when left out; it means nothing to a Kubernetes endpoint
                public_network_access=args.public_network_access,
                compute=args.compute,
            ),
            tags=dict(args.tags),
            # Created here, written afterwards only by the writer below (see the module's doc).
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=[f"properties.{key}" for key in WRITTEN] + ["tags"],
                replace_on_changes=["identity", "properties.compute"],
                delete_before_replace=True),
        )

        self.principal, self.client_id = runs_as(user, endpoint, endpoint.name)
        self.principal_id = pulumi.Output.from_input(self.principal.id)
        me = self.principal
        basics = [("registry", "AcrPull", ws.container_registry_id, sources.ENDPOINT_IDENTITY,
                   sources.ENDPOINT_AUTOMATIC),
                  ("storage", ENDPOINT_STORAGE_ROLE, ws.storage_account_id,
                   sources.ENDPOINT_STORAGE, sources.ENDPOINT_STORAGE_AUTOMATIC),
                  ("workspace", "AzureML Metrics Writer (preview)", ws.id,
                   sources.ENDPOINT_IDENTITY, sources.ENDPOINT_AUTOMATIC)]
        # Azure grants these to a system identity itself, and to a user-assigned one not at all.
        self.grants = [] if user is None else [
            grant(self, f"{name}-{target}", me, role, scope, source)
            for target, role, scope, source, _ in basics]
        self.azure_grants = [] if user is not None else [
            AzureGrant(me, role, scope, automatic) for _, role, scope, _, automatic in basics]
        self.grants += [grant(self, f"{name}-{target}", me, "AcrPull", scope,
                              sources.PRIVATE_REGISTRY)
                        for target, scope in args.extra_pulls.items()]
        self.grants += secret_grants(self, name, me, ws.key_vault_id, args.secrets,
                                     sources.SCORING_SECRETS, depends_on=args.secrets_made_by)

        self.deployments = {deployment_name(spec.name, spec.instance_type):
                            self._deployment(name, spec, args, endpoint)
                            for spec in args.deployments}
        self.traffic = {deployment_name(spec.name, spec.instance_type): spec.traffic
                        for spec in args.deployments}
        self._writer(name, args, endpoint)

        self.id = endpoint.id
        self.name = endpoint.name
        self.scoring_uri = endpoint.properties.apply(lambda p: p.scoring_uri)
        self.swagger_uri = endpoint.properties.apply(lambda p: p.swagger_uri)
        self.register_outputs({"id": self.id, "name": self.name, "scoring_uri": self.scoring_uri,
                               "swagger_uri": self.swagger_uri, "principal_id": self.principal_id,
                               "client_id": self.client_id, "traffic": self.traffic})

    def _deployment(self, name: str, spec: OnlineDeploymentSpec, args: OnlineEndpointArgs,
                    endpoint: ml.OnlineEndpoint) -> ml.OnlineDeployment:
        ws = args.workspace
        variables: dict[str, pulumi.Input[str]] = {
            **spec.environment_variables,
            "KEY_VAULT_URL": ws.vault_uri(),
            "STORAGE_BLOB_URL": ws.blob_url(),
        }
        if args.identity is not None:  # which identity DefaultAzureCredential picks (seed 003)
            variables["AZURE_CLIENT_ID"] = args.identity.client_id
        azure_name = deployment_name(spec.name, spec.instance_type)
        return ml.OnlineDeployment(
            f"{name}-{azure_name}",
            deployment_name=azure_name,
            endpoint_name=endpoint.name,
            **ws.inside(),
            sku=ml.SkuArgs(name="Default", capacity=spec.instance_count),
            properties=(ml.KubernetesOnlineDeploymentArgs if args.compute is not None
                        else ml.ManagedOnlineDeploymentArgs)(
                endpoint_compute_type="Kubernetes" if args.compute is not None else "Managed",
                model=spec.model_id,
                environment_id=spec.environment_id,
                code_configuration=ml.CodeConfigurationArgs(code_id=spec.code_id,
                                                            scoring_script=spec.scoring_script),
                instance_type=spec.instance_type,
                environment_variables=variables,
                scale_settings=ml.DefaultScaleSettingsArgs(scale_type="Default"),
            ),
            tags=dict(args.tags),
            # The identity must hold its roles before the deployment pulls image and model.
            # Deleting the endpoint deletes its deployments; no separate delete to order.
            opts=after(self.grants, also=[*spec.depends_on, *in_network(ws)], parent=self,
                       deleted_with=endpoint),
        )

    def _writer(self, name: str, args: OnlineEndpointArgs, endpoint: ml.OnlineEndpoint) -> None:
        ws = args.workspace
        parameters: dict[str, Any] = {
            "workspaceName": ws.name, "endpointName": endpoint.name, "location": ws.location,
            "authMode": args.auth_mode, "tags": dict(args.tags),
            # only the deployments that get traffic: an endpoint routes none to the others, and a
            # map without them is what a refresh brings into the state (see the module's doc)
            "traffic": {name: share for name, share in self.traffic.items() if share},
        }
        parameters["publicNetworkAccess"] = args.public_network_access
        if args.compute is not None:
            parameters["compute"] = args.compute
        if args.identity is not None:
            parameters["identityId"] = args.identity.id
        resources.Deployment(
            f"{name}-traffic",
            resource_group_name=ws.resource_group_name,
            properties=resources.DeploymentPropertiesArgs(
                mode=resources.DeploymentMode.INCREMENTAL,
                template=endpoint_template(user_assigned=args.identity is not None,
                                           kubernetes=args.compute is not None),
                parameters={key: resources.DeploymentParameterArgs(value=value)
                            for key, value in parameters.items()},
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.deployments.values()),
                                        deleted_with=endpoint),
        )


def endpoint_template(user_assigned: bool, kubernetes: bool = False) -> dict[str, Any]:
    """ARM template that puts an online endpoint with its traffic (parameters: workspaceName,
    endpointName, location, authMode, publicNetworkAccess, tags, traffic; compute for a
    Kubernetes endpoint, identityId for a user-assigned identity)."""
    strings = ["workspaceName", "endpointName", "location", "authMode", "publicNetworkAccess",
               *(["compute"] if kubernetes else [])]
    identity: dict[str, Any] = {"type": "SystemAssigned"}
    if user_assigned:
        strings.append("identityId")
        identity = {"type": "UserAssigned",
                    "userAssignedIdentities": {"[parameters('identityId')]": {}}}
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {**{key: {"type": "string"} for key in strings},
                       "tags": {"type": "object"}, "traffic": {"type": "object"}},
        "resources": [{
            "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
            "apiVersion": ENDPOINT_API_VERSION,
            "name": "[format('{0}/{1}', parameters('workspaceName'), parameters('endpointName'))]",
            "location": "[parameters('location')]",
            "tags": "[parameters('tags')]",
            "identity": identity,
            "properties": {"authMode": "[parameters('authMode')]",
                           "publicNetworkAccess": "[parameters('publicNetworkAccess')]",
                           **({"compute": "[parameters('compute')]"} if kubernetes else {}),
                           "traffic": "[parameters('traffic')]"},
        }],
    }
