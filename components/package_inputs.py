"""What the component package's components take: each component's library arguments, with the
resources they use named by resource id (what another language can pass), checked whole.

The package's argument types (``components/package_args.py``, what the Pulumi SDK's analyzer
turns into the package schema) are generated from these models by ``python -m
offline.package_args``; a test keeps them current. A value the engine hands over is checked here
and refused in the package's own names (camelCase), all problems at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Annotated, Any, Literal, TypeVar, cast

from pydantic import Field, StrictBool, ValidationError
from pydantic.alias_generators import to_camel

from .arguments import (
    OBJECT_ID,
    OBJECT_ID_ALLOWED,
    Arguments,
    ArgumentsError,
    NetworkAccess,
    ObjectId,
    Path,
    Placed,
    Problem,
    StrInput,
    azure_name,
    dotted,
    problems_with,
    renamed,
    unique_names,
)
from .batch_endpoint import BatchDeploymentSpec, BatchEndpointSpec
from .compute import BATCH_IDENTITY, ComputeClusterSpec, offered_size
from .endpoint import DeploymentSpec, EndpointSpec
from .identity import ManagedIdentityArgs
from .kubernetes import (
    ClusterName,
    InstanceType,
    KubernetesComputeSpec,
    RouterTls,
    cluster_name_problems,
    tls_problems,
)
from .ml_registry import MlRegistrySpec
from .registry import EXISTING_REGISTRY, RegistrySku
from .workspace import WorkspaceNames, WorkspaceSpec


class ComputeClusterInputs(ComputeClusterSpec):
    """An AmlCompute cluster that scales to zero and runs jobs as a managed identity, with the
    roles that identity needs to pull images and read data."""

    workspace_id: StrInput
    """Resource id of the workspace the cluster joins."""
    identity_id: StrInput | None = None
    """Resource id of the user-assigned identity jobs run as; absent: system-assigned."""
    allow_unlisted_vm_size: StrictBool = False
    """Take a VM size this package does not list for Azure ML compute (one newer than its
    list)."""
    batch_jobs: StrictBool = False
    """Runs batch endpoint deployments: its identity (user-assigned) also gets Storage Queue Data
    Contributor and Storage Table Data Contributor on the workspace storage."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks() + offered_size(self.vm_size, self.allow_unlisted_vm_size)
        if self.batch_jobs and self.identity_id is None:
            found.append(Problem(("batch_jobs",), True, BATCH_IDENTITY,
                                 when="without {identity_id}"))
        return found


class OnlineDeploymentInputs(DeploymentSpec):
    """One online deployment of an endpoint, serving registered versions (uploaded beforehand:
    the package uploads no files)."""

    model_id: StrInput
    """A registered model version: ARM id or azureml:// URI."""
    environment_id: StrInput
    """A registered environment version: ARM id or azureml:// URI."""
    code_id: StrInput
    """A registered code version holding the scoring script."""


class KubernetesComputeInputs(KubernetesComputeSpec):
    """An AKS cluster (created, or an existing one) with the Azure ML extension, its instance
    types, attached to a workspace as Kubernetes compute running as a managed identity, with the
    roles the attach needs granted first."""

    workspace_id: StrInput
    """Resource id of the workspace the cluster is attached to."""
    workspace_principal_id: StrInput
    """Principal id of the identity the workspace runs as (it gets the attach roles)."""
    identity_id: StrInput
    """Resource id of the user-assigned identity the attached compute runs as."""
    cluster_name: ClusterName | None = None
    """Name of the AKS cluster to create (none with existingClusterId); absent: aks-<resource
    name>."""
    # The library's RouterTls, spread flat; checked as the library checks it (tls()).
    tls_cname: str | None = None
    """The host name scoring requests use, the certificate's name: with tlsCertificate and tlsKey,
    or tlsSecret on an existing cluster."""
    tls_certificate: StrInput | None = None
    """The router's certificate, PEM with its full chain (pass a secret); with tlsKey."""
    tls_key: StrInput | None = None
    """Its private key, PEM without a passphrase (pass a secret)."""
    tls_secret: str | None = None
    """Existing cluster only: a Kubernetes secret in its azureml namespace with cert.pem and
    key.pem."""
    tags: Mapping[str, str] = {}

    def tls(self) -> RouterTls | None:
        """The router's TLS as the library takes it (None: not given)."""
        given = self._tls_given()
        return RouterTls(**given) if given else None

    def _tls_given(self) -> dict[str, Any]:
        return {name: value for name in RouterTls.model_fields
                if (value := getattr(self, f"tls_{name}")) is not None}

    def cross_checks(self) -> list[Problem]:
        given = self._tls_given()
        inner, view = checked(RouterTls, given) if given else ([], None)
        found = [p.within("tls") for p in inner]
        found += [p for p in tls_problems(view, self.existing_cluster_id,
                                          self.allow_insecure_connections)
                  if p.argument not in {q.argument for q in found}]
        return super().cross_checks() + cluster_name_problems(
            self.cluster_name, self.existing_cluster_id, required=False) + [
            _spread(p, "tls", "cname") for p in found]


class OnlineEndpointInputs(EndpointSpec):
    """A managed online endpoint serving as a managed identity that holds the roles its
    deployments need, with its deployments and their traffic."""

    workspace_id: StrInput
    """Resource id of the workspace the endpoint belongs to."""
    endpoint_name: Annotated[StrInput, azure_name("online endpoint")]
    """Azure name, unique in the region."""
    identity_id: StrInput | None = None
    """Resource id of the user-assigned identity the endpoint serves as; absent: system-assigned."""
    public_network_access: NetworkAccess = "Enabled"
    """Public network access to the scoring URI (managed endpoints only)."""
    compute_id: StrInput | None = None
    """Resource id of an attached Kubernetes compute (a Kubernetes endpoint: AMLToken or Key auth,
    deployments on its instance types); absent: a managed endpoint."""
    deployments: Sequence[OnlineDeploymentInputs] = ()
    """Deployments with their traffic shares."""
    allow_unlisted_vm_size: StrictBool = False
    """Take instance types this package does not list for managed online endpoints (sizes newer
    than its list)."""
    tags: Mapping[str, str] = {}

    def on_kubernetes(self) -> bool:
        return self.compute_id is not None

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + self.offered_sizes(self.allow_unlisted_vm_size)


class BatchDeploymentInputs(BatchDeploymentSpec):
    """One model deployment of a batch endpoint, scoring with registered versions on a compute
    cluster (the package uploads no files)."""

    model_id: StrInput
    """A registered model version: ARM id or azureml:// URI."""
    environment_id: StrInput
    """A registered environment version (with azureml-core and azureml-dataset-runtime[fuse]):
    ARM id or azureml:// URI."""
    code_id: StrInput
    """A registered code version holding the scoring script."""
    compute_id: StrInput
    """Resource id of the compute cluster its jobs run on: one made with batchJobs and a
    user-assigned identity (its identity then holds the batch data roles)."""


InvokerType = Literal["User", "Group", "ServicePrincipal"]
"""What kind of Entra ID principal an invoker is."""


class InvokerInputs(Arguments):
    """Who may invoke a batch endpoint: a user, a group or a service principal (a managed
    identity)."""

    object_id: ObjectId = Field(pattern=OBJECT_ID, json_schema_extra=OBJECT_ID_ALLOWED)
    """Entra ID object (principal) id, a GUID."""
    type: InvokerType = "Group"
    """User, Group or ServicePrincipal."""


class BatchEndpointInputs(BatchEndpointSpec):
    """A batch endpoint that takes Entra tokens, its model deployments on compute clusters, its
    default deployment and who may invoke it, with the roles Microsoft documents for invokers."""

    workspace_id: StrInput
    """Resource id of the workspace the endpoint belongs to."""
    endpoint_name: Annotated[StrInput, azure_name("batch endpoint")]
    """Azure name, unique in the region."""
    deployments: Sequence[BatchDeploymentInputs] = ()
    """Model deployments; the first is the default unless defaultDeployment names another."""
    invokers: Sequence[InvokerInputs] = ()
    """Who may invoke it: AzureML Data Scientist on the workspace and Storage Blob Data
    Contributor on its storage (roles on the workspace: name each on one endpoint)."""
    tags: Mapping[str, str] = {}

    def deployment_names(self) -> list[str]:
        return [d.name for d in self.deployments]

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + unique_names(
            ("invokers",), [i.object_id.lower() for i in self.invokers])


class IdentityInputs(ManagedIdentityArgs):
    """A user-assigned managed identity: what a workload runs as and what roles are granted
    to."""


class MlWorkspaceInputs(WorkspaceSpec, WorkspaceNames, Placed):
    """An Azure ML workspace with its storage, key vault, insights and registry, and the roles its
    identity needs on them."""

    registry_name: Annotated[StrInput | None, azure_name("container registry")] = None
    """A registry to create, unique in Azure; exactly one of this and existingRegistryId."""
    existing_registry_id: Annotated[str, EXISTING_REGISTRY] | None = None
    """Resource id of a registry to use instead of creating one; exactly one of this and
    registryName."""
    registry_sku: RegistrySku = "Basic"
    """Container registry SKU (a created registry's)."""
    identity_id: StrInput | None = None
    """Resource id of the user-assigned identity the workspace runs as (it gets Microsoft's
    documented roles); absent: the workspace's system-assigned identity."""
    encryption_identity_id: StrInput | None = None
    """Resource id of the user-assigned identity that uses a customer-managed key: given, the
    workspace and its storage (and a created Premium registry) are encrypted with an RSA key in a
    key vault of its own, encryptionKeyVaultName, which this identity alone may use (Key Vault
    Crypto Service Encryption User on the key)."""
    encryption_key_vault_name: Annotated[StrInput | None, azure_name("key vault")] = None
    """The key's vault, unique in Azure; with encryptionIdentityId."""
    high_business_impact: StrictBool | None = None
    """The workspace's high business impact flag (less diagnostic data collected by the service),
    fixed at creation; absent: on with a customer-managed key."""
    protect: StrictBool = False
    """Protect and retain the stateful resources (production)."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks()
        if (self.registry_name is None) == (self.existing_registry_id is None):
            found.append(Problem(
                ("registry_name",), self.registry_name, "a registry to create, or "
                "{existing_registry_id} (the resource id of one to use), exactly one"))
        if (self.encryption_identity_id is None) != (self.encryption_key_vault_name is None):
            given, missing = (("encryption_identity_id", "encryption_key_vault_name")
                              if self.encryption_key_vault_name is None else
                              ("encryption_key_vault_name", "encryption_identity_id"))
            found.append(Problem((given,), getattr(self, given),
                                 f"nothing without {{{missing}}}: a customer-managed key needs "
                                 "both the identity that uses it and the vault that holds it"))
        return found


class RegistryPrincipal(Arguments):
    """Who publishes into a registry or uses it: an Entra ID object id and its kind."""

    object_id: ObjectId = Field(pattern=OBJECT_ID, json_schema_extra=OBJECT_ID_ALLOWED)
    """Object (principal) id in Entra ID: an identity's principalId, a user's or a group's."""
    type: Literal["ServicePrincipal", "User", "Group"] = "ServicePrincipal"
    """ServicePrincipal for a managed identity; User or Group for people."""


class MlRegistryInputs(MlRegistrySpec):
    """An Azure ML registry (created with its storage and container registry in each region, or
    an existing one by id), and the roles of those who publish into it or use it."""

    publishers: Sequence[RegistryPrincipal] = ()
    """Who creates assets in it: AzureML Registry User (how-to-registry-network-isolation)."""
    consumers: Sequence[RegistryPrincipal] = ()
    """Who uses its assets: Reader (how-to-manage-registries); for an endpoint's or cluster's
    identity Microsoft names no role, and Reader is the package's choice (at risk)."""

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks()
        seen: set[str] = set()
        for field in ("publishers", "consumers"):
            for i, who in enumerate(getattr(self, field)):
                if who.object_id in seen:
                    found.append(Problem((field, i, "object_id"), who.object_id,
                                         "an object id listed once (a publisher reads too)"))
                seen.add(who.object_id)
        return found


INPUTS: dict[str, type[Arguments]] = {"IdentityArgs": IdentityInputs,
                                      "MlWorkspaceArgs": MlWorkspaceInputs,
                                      "ComputeClusterArgs": ComputeClusterInputs,
                                      "OnlineDeployment": OnlineDeploymentInputs,
                                      "OnlineEndpointArgs": OnlineEndpointInputs,
                                      "InstanceType": InstanceType,
                                      "KubernetesComputeArgs": KubernetesComputeInputs,
                                      "RegistryPrincipal": RegistryPrincipal,
                                      "MlRegistryArgs": MlRegistryInputs,
                                      "BatchDeployment": BatchDeploymentInputs,
                                      "Invoker": InvokerInputs,
                                      "BatchEndpointArgs": BatchEndpointInputs}
"""The argument types of the package, by name, and the model each is generated from (an entry's
type before the arguments that hold it)."""


def camel(model: type[Arguments]) -> Callable[[Path], str]:
    """Names an argument of ``model`` as the package's schema does:
    ``deployments[1].instanceCount``."""
    return lambda path: dotted(renamed(model, path, lambda name, _: to_camel(name)))


def _camel(path: Path) -> str:
    """A sibling argument a problem's words name, as the schema names it."""
    return dotted(tuple(to_camel(p) if isinstance(p, str) else p for p in path))


def _whole(value: Any) -> Any:
    """``value`` with its whole floats as ints: Construct hands every number over as a float (a
    protobuf ``Struct`` number is a double), where the declarations take whole numbers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_whole(v) for v in value]
    return value


def _spread(problem: Problem, entry: str, first: str) -> Problem:
    """A problem of the library's ``entry`` (``tls.cname``) as the package names it, spread flat
    (``tls_cname``, the schema's ``tlsCname``); the entry missing is its ``first`` argument
    missing."""
    if problem.argument[:1] != (entry,):
        return problem
    inside = problem.argument[1:] or (first,)
    allowed = problem.allowed
    if problem.base[:1] == (entry,):  # the entry's own rule names its siblings
        allowed = re.sub(r"\{(\w+)\}", rf"{{{entry}_\1}}", allowed)
    return replace(problem, argument=(f"{entry}_{inside[0]}", *inside[1:]), allowed=allowed,
                   base=problem.base[1:] if problem.base[:1] == (entry,) else problem.base)


M = TypeVar("M", bound=Arguments)


def checked(model: type[M], values: Mapping[str, Any]) -> tuple[list[Problem], M]:
    """Every problem of ``values`` (by Python name) as ``model``, and the model they make (as far
    as they can: unchecked where they do not fit)."""
    try:
        made = model.model_validate(values)
    except ValidationError as error:
        return problems_with(model, values, error), cast(M, model.model_construct(**values))
    return made.argument_problems(), made


def inputs(model: type[M], what: str, args: Mapping[str, Any]) -> M:
    """``args`` (what Construct hands over, by Python name) as ``model``, or one
    :class:`ArgumentsError` naming every problem as the package's schema names it."""
    found, made = checked(model, _whole(dict(args)))
    if found:
        raise ArgumentsError(what, found, camel(model), _camel)
    return made
