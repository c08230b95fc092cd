"""The online endpoints section: managed online endpoints, or Kubernetes ones on the attached
compute, each running as its own identity, with their deployments (local model, code and
environment registered by the stack, or registered ones named by id)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field

from components import OnlineDeploymentSpec, OnlineEndpoint, OnlineEndpointArgs
from components.arguments import NetworkAccess, azure_name
from components.endpoint import DeploymentSpec, EndpointSpec
from components.kubernetes import AZURE_INSTANCE_TYPE

from ..names import endpoint_identity_purpose
from .base import (
    ENCRYPTED,
    KEY_VAULT_WAY,
    NOT_A_SECRET,
    ConfigModel,
    IdentityChoice,
    Keys,
    Problems,
    as_encrypted,
    project_folder,
    size_problems_at,
    unique,
)
from .section import Identity, Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings

_IMAGE = r"[a-z0-9][a-z0-9.-]*(:[0-9]+)?(/[a-z0-9._-]+)+(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})"
"""A fully qualified image reference with a tag or digest (registry/repository:tag)."""


class EnvironmentSettings(ConfigModel):
    """Where a deployment's environment comes from: an image (+ conda file), or a registered one."""

    image: str | None = Field(None, pattern=f"^{_IMAGE}$", description=(
        "A base image (with condaFile) or a complete image, with registry and tag or digest."),
        json_schema_extra={"allowed": "an image reference with registry and tag or digest, e.g. "
                                      "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:"
                                      "20250601.v1"})
    conda_file: str | None = Field(None, description="A conda YAML file of the project.")
    environment_id: str | None = Field(None, exclude=True, description=(
        "A registered environment (azureml://...); then nothing is registered."))

    def rules(self, k: Keys) -> Problems:
        p = []
        if self.environment_id is None and self.image is None:
            p.append(f"{k('image')} is missing: an image reference with registry and tag or "
                     "digest, or a registered environment's azureml:// id")
        if self.conda_file is not None and not Path(self.conda_file).is_file():
            p.append(f"{k('condaFile')} = {self.conda_file!r} is not allowed: a conda YAML file "
                     "of the project, relative to the project directory")
        return p


def _environment(value: Any) -> Any:
    """An ``azureml://`` id stands for a registered environment."""
    if isinstance(value, str) and value.startswith("azureml:"):
        return {"environment_id": value}
    return value


def _environment_field(schema: dict[str, Any]) -> None:
    """In the JSON Schema: a mapping {image, condaFile}, or a registered environment's id."""
    mapping = {k: v for k, v in schema.items() if k != "description"}
    description = schema.get("description")
    schema.clear()
    schema.update({"description": description,
                   "anyOf": [mapping, {"type": "string", "pattern": "^azureml://"}]})


class AssetSettings(ConfigModel):
    """What a deployment (online or batch) runs: its model, code and environment, each a folder
    or file of the project that the stack registers, or a registered one named by id."""

    if TYPE_CHECKING:  # the deployment's own fields, which the rules read
        scoring_script: str
        environment_variables: Mapping[str, str]

    model: Annotated[str, project_folder("or a registered model's azureml:// URI")] = Field(
        description="A folder of the project to upload and register, or an azureml:// model URI.")
    code: Annotated[str, project_folder()] = Field(description="The folder of the scoring code.")
    environment: Annotated[EnvironmentSettings, BeforeValidator(_environment)] = Field(
        description="{image, condaFile} or a registered environment's azureml:// id.",
        json_schema_extra=_environment_field)

    def withheld(self, value: object) -> bool:
        return isinstance(value, str) and value.startswith(ENCRYPTED)

    @property
    def model_folder(self) -> Path | None:
        """The local model folder, or None for a registered model."""
        return None if self.model.startswith("azureml:") else Path(self.model)

    def rules(self, k: Keys) -> Problems:
        p = []
        if not (Path(self.code) / self.scoring_script).is_file():
            p.append(f"{k('scoringScript')} = {self.scoring_script!r} is not allowed: a file that "
                     f"exists in {Path(self.code).as_posix()}")
        p += [f"{k('environmentVariables', name)} (a secret, not shown) is not allowed: "
              f"{NOT_A_SECRET}" for name, value in self.environment_variables.items()
              if self.withheld(value)]  # set with --secret, read without the CLI
        return p


class DeploymentSettings(AssetSettings, DeploymentSpec):
    """One online deployment of an endpoint."""

    SECRET_WAY: ClassVar[str] = KEY_VAULT_WAY

    environment_variables: dict[str, Annotated[str, BeforeValidator(as_encrypted)]] = Field(
        {}, description=(
        "Variables for the scoring code (AZURE_CLIENT_ID, KEY_VAULT_URL and STORAGE_BLOB_URL are "
        "the stack's)."))


class EndpointSettings(EndpointSpec, ConfigModel):
    """One online endpoint: managed, or on the attached Kubernetes compute."""

    name: Annotated[str, azure_name("online endpoint")] = Field(description=(
        "Letters, digits and single hyphens; the Azure name is <name>-<environment>-<suffix>."))
    public_network_access: NetworkAccess | None = Field(None, description=(
        "Public network access to the scoring URI; unset: Disabled where network isolation is "
        "on (reached through the workspace's private endpoint), Enabled elsewhere."))
    identity: IdentityChoice = Field("userAssigned", description=(
        "userAssigned (its own identity) or systemAssigned (a change replaces the endpoint)."))
    compute: str | None = Field(None, description=(
        "The attached Kubernetes compute to serve on (kubernetes.name): a Kubernetes online "
        "endpoint; unset: a managed one (a change replaces the endpoint)."))
    deployments: tuple[DeploymentSettings, ...] = Field((), description=(
        "Deployments with their traffic shares; [] serves nothing (and costs nothing)."))

    def on_kubernetes(self) -> bool:
        return self.compute is not None


def _names(s: StackSettings, k: Keys) -> Problems:
    names = s.names
    return unique(k("onlineEndpoints"), [e.name for e in s.online_endpoints]) + [
        f"{k('onlineEndpoints')}[{i}].name: {x} (shorten the name)"
        for i, e in enumerate(s.online_endpoints) for x in names.endpoint_problems(e.name)]


def _closed_without_network(s: StackSettings, k: Keys) -> Problems:
    return [f"{k('onlineEndpoints', i, 'publicNetworkAccess')} = 'Disabled' is not allowed "
            f"without {k('network')}: a private endpoint is reached only through the "
            "workspace's private endpoint, which network makes"
            for i, e in enumerate(s.online_endpoints)
            if e.public_network_access == "Disabled" and s.network is None]


def _sizes(s: StackSettings, k: Keys) -> Problems:
    """The instance types of managed deployments: sizes managed online endpoints offer."""
    return size_problems_at(k, "onlineEndpoints", EndpointSettings, [
        e.offered_sizes(s.allow_unlisted_vm_sizes) for e in s.online_endpoints])


def _on_kubernetes(s: StackSettings, k: Keys) -> Problems:
    """Endpoints on the attached Kubernetes compute: what that compute takes."""
    p: Problems = []
    kube = s.kubernetes
    for i, e in enumerate(s.online_endpoints):
        if e.compute is None:
            continue
        where = k.at("onlineEndpoints", i)
        if kube is None or e.compute != kube.compute_name:
            p.append(f"{where('compute')} = {e.compute!r} is not allowed: the name of "
                     f"{k('kubernetes')} ({kube.compute_name if kube else 'not set'})")
            continue
        if e.public_network_access is not None:
            p.append(f"{where('publicNetworkAccess')} = {e.public_network_access!r} is not "
                     "allowed on a Kubernetes endpoint: nothing (the cluster's router is its "
                     "way in)")
        types = [*(t.name for t in kube.instance_types), AZURE_INSTANCE_TYPE]
        for j, d in enumerate(e.deployments):
            if d.instance_type not in types:
                p.append(f"{where('deployments', j, 'instanceType')} = {d.instance_type!r} is not "
                         f"allowed: one of {k('kubernetes', 'instanceTypes')}: "
                         + ", ".join(types))
            env = d.environment.environment_id or ""
            if env.startswith("azureml://registries/"):
                p.append(f"{where('deployments', j, 'environment')} = {env!r} is not allowed on "
                         "a Kubernetes endpoint: a workspace environment (registry environments "
                         "are not supported there, MicrosoftDocs/azure-docs#110475)")
    return p


def _identities(s: StackSettings) -> list[Identity]:
    return [Identity(endpoint_identity_purpose(e.name), "onlineEndpoints")
            for e in s.online_endpoints if e.identity == "userAssigned"]


def _deployment(p: Platform, endpoint: EndpointSettings,
                d: DeploymentSettings) -> OnlineDeploymentSpec:
    """A deployment of ``endpoint`` whose local model, code and environment are registered."""
    assets = p.assets
    assert assets is not None, "an endpoint with deployments has an asset store"
    env = d.environment
    return OnlineDeploymentSpec(
        **d.arguments(DeploymentSpec),
        model_id=(assets.model(f"{endpoint.name}-model", d.model_folder).id
                  if d.model_folder else d.model),
        environment_id=(env.environment_id or assets.environment(
            f"{endpoint.name}-env", str(env.image), env.conda_file).id),
        code_id=assets.code(f"{endpoint.name}-code", d.code).id, depends_on=p.sample_reads)


def _build(p: Platform) -> None:
    p.endpoints = {e.name: OnlineEndpoint(f"endpoint-{e.name}", OnlineEndpointArgs(
        **e.arguments(EndpointSpec, but=("deployments",)), workspace=p.workspace.ref,
        endpoint_name=p.suffix.apply(partial(p.names.online_endpoint, e.name)),
        identity=p.identity(endpoint_identity_purpose(e.name)),
        public_network_access=e.public_network_access or p.public_access,
        compute=p.kubernetes.id if e.compute and p.kubernetes else None,
        deployments=[_deployment(p, e, d) for d in e.deployments],
        secrets_made_by=p.secrets_made, extra_pulls=p.pulls,
        allow_unlisted_vm_size=p.settings.allow_unlisted_vm_sizes, tags=p.tags))
        for e in p.settings.online_endpoints}


SECTION = Section(keys=("onlineEndpoints",),
                  rules=(_names, _closed_without_network, _sizes, _on_kubernetes),
                  identities=_identities, build=_build)
