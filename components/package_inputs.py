"""What the component package's components take: each component's library arguments, with the
resources they use named by resource id (what another language can pass), checked whole.

The package's argument types (``components/package_args.py``, what the Pulumi SDK's analyzer
turns into the package schema) are generated from these models by ``python -m
offline.package_args``; a test keeps them current. A value the engine hands over is checked here
and refused in the package's own names (camelCase), all problems at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import StrictBool, ValidationError
from pydantic.alias_generators import to_camel

from .arguments import (
    Arguments,
    ArgumentsError,
    NetworkAccess,
    Path,
    Placed,
    Problem,
    StrInput,
    azure_name,
    dotted,
    problems_with,
    renamed,
)
from .compute import ComputeClusterSpec, offered_size
from .endpoint import DeploymentSpec, EndpointSpec
from .identity import ManagedIdentityArgs
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
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + offered_size(self.vm_size, self.allow_unlisted_vm_size)


class OnlineDeploymentInputs(DeploymentSpec):
    """One online deployment of an endpoint, serving registered versions (uploaded beforehand:
    the package uploads no files)."""

    model_id: StrInput
    """A registered model version: ARM id or azureml:// URI."""
    environment_id: StrInput
    """A registered environment version: ARM id or azureml:// URI."""
    code_id: StrInput
    """A registered code version holding the scoring script."""


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
    protect: StrictBool = False
    """Protect and retain the stateful resources (production)."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        if (self.registry_name is None) == (self.existing_registry_id is None):
            return [*super().cross_checks(), Problem(
                ("registry_name",), self.registry_name, "a registry to create, or "
                "{existing_registry_id} (the resource id of one to use), exactly one")]
        return super().cross_checks()


INPUTS: dict[str, type[Arguments]] = {"IdentityArgs": IdentityInputs,
                                      "MlWorkspaceArgs": MlWorkspaceInputs,
                                      "ComputeClusterArgs": ComputeClusterInputs,
                                      "OnlineDeployment": OnlineDeploymentInputs,
                                      "OnlineEndpointArgs": OnlineEndpointInputs}
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


M = TypeVar("M", bound=Arguments)


def inputs(model: type[M], what: str, args: Mapping[str, Any]) -> M:
    """``args`` (what Construct hands over, by Python name) as ``model``, or one
    :class:`ArgumentsError` naming every problem as the package's schema names it."""
    values = _whole(dict(args))
    try:
        made = model.model_validate(values)
    except ValidationError as error:
        raise ArgumentsError(what, problems_with(model, values, error), camel(model),
                             _camel) from None
    found = made.argument_problems()
    if found:
        raise ArgumentsError(what, found, camel(model), _camel)
    return made
