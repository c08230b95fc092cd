"""The Azure ML registry section: the registry another stack owns (examples/registry), taken by
resource id or through a stack reference to that stack, and who of this stack publishes into it or
uses it.

Two parts, as the program needs them: the registry's id first (:data:`REFERENCE`, before the
workspace, whose managed network gets a private endpoint rule to it), the grants last
(:data:`ACCESS`, once the clusters, endpoints and automation identity exist).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import pulumi
from pulumi_azure_native import authorization
from pydantic import Field, StrictBool

from components import MlRegistry, MlRegistryArgs, Principal, catalog
from components.data import DataUser
from components.ml_registry import (
    EXISTING_ML_REGISTRY,
    REGISTRY_ID_OUTPUT,
    registry_asset_problem,
    registry_of,
)

from ..names import AUTOMATION_PURPOSE
from .base import ConfigModel, Keys, Problems, unique
from .section import Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings

STACK_REFERENCE = catalog.register(catalog.ResourceType(
    "pulumi:pulumi:StackReference", "stack reference",
    created_in=catalog.Seconds(0, "read from the Pulumi backend by the engine"),
    provider_id=lambda inputs: str(inputs["name"]),  # the engine's id of it: the stack's name
    replaced_on=("name",),  # another stack is another reference
    required_by_all="its outputs are values in the inputs of what reads them"))
"""Another stack's outputs, which the engine reads (no Azure resource)."""
SYSTEM_REGISTRY = "azureml"
"""Microsoft's registry of curated environments and models, which every workspace reads without a
role (resource-curated-environments: ``azureml://registries/azureml/environments/...``)."""
RULE = "ml-registry"
"""The managed network's private endpoint rule to the registry."""


class RegistryPersonSettings(DataUser, ConfigModel):
    """An Entra ID user or group."""


class MlRegistrySettings(ConfigModel):
    """The Azure ML registry the stack takes models and environments from (and publishes to)."""

    id: Annotated[str, EXISTING_ML_REGISTRY] | None = Field(None, description=(
        "Resource id of the registry (its own stack's registryId output)."))
    stack: str | None = Field(None, pattern=r"^[\w.-]+/[\w.-]+/[\w.-]+$", description=(
        "The stack that owns the registry, <organization>/<project>/<stack>: its registryId "
        "output is read (deploy that stack first)."),
        json_schema_extra={"allowed": "a fully qualified stack name, "
                                      "<organization>/<project>/<stack>"})
    publish: StrictBool = Field(False, description=(
        "This stack publishes into the registry: its automation identity and clusters get "
        "AzureML Registry User; unset: they only use its assets (Reader)."))
    publishers: tuple[RegistryPersonSettings, ...] = Field((), description=(
        "Users and groups who create assets in the registry (AzureML Registry User)."))
    consumers: tuple[RegistryPersonSettings, ...] = Field((), description=(
        "Users and groups who use its assets (Reader)."))

    def rules(self, k: Keys) -> Problems:
        p = []
        if (self.id is None) == (self.stack is None):
            p.append(f"{k()} = {self.model_dump(by_alias=True, exclude_defaults=True)!r} is not "
                     "allowed: exactly one of id (the registry's resource id) or stack (the "
                     "stack that owns it, <organization>/<project>/<stack>)")
        p += unique(k("publishers"), [u.object_id for u in self.publishers], "objectId")
        p += unique(k("consumers"), [u.object_id for u in self.consumers], "objectId")
        both = {u.object_id for u in self.publishers} & {u.object_id for u in self.consumers}
        p += [f"{k('consumers')} = {sorted(both)!r} is not allowed: people who are publishers "
              "already (AzureML Registry User reads the registry too)"] if both else []
        return p

    @property
    def name(self) -> str | None:
        """The registry's name, where the settings say it (by id)."""
        return self.id.rsplit("/", 1)[1] if self.id else None


def _asset_problem(asset: str, kind: str, registry: MlRegistrySettings | None,
                   k: Keys) -> str | None:
    """What is wrong with a deployment's registry ``asset`` of ``kind``, in words."""
    problem = registry_asset_problem(asset, kind)
    name = registry_of(asset)
    if problem or name is None or name == SYSTEM_REGISTRY:
        return problem
    if registry is None:
        return (f"nothing without {k('mlRegistry')} (the registry's id or stack), so that the "
                "stack's identities get the roles to use it")
    if registry.name is not None and name.lower() != registry.name.lower():
        return (f"an asset of {k('mlRegistry', 'id')} ({registry.name}), the registry the "
                "stack's identities have roles on")
    return None


def _assets(s: StackSettings, k: Keys) -> Problems:
    """The deployments' registry models and environments: well formed, of a registry the stack
    has roles on."""
    p: Problems = []
    for i, e in enumerate(s.online_endpoints):
        for j, d in enumerate(e.deployments):
            where = k.at("onlineEndpoints", i, "deployments", j)
            for key, kind, asset in (("model", "models", d.model),
                                     ("environment", "environments",
                                      d.environment.environment_id or "")):
                if asset.startswith("azureml://registries/") and \
                        (problem := _asset_problem(asset, kind, s.ml_registry, k)):
                    p.append(f"{where(key)} = {asset!r} is not allowed: {problem}")
    return p


def registry_id(s: StackSettings) -> pulumi.Input[str] | None:
    """The registry's resource id: as configured, or the owning stack's ``registryId`` output."""
    registry = s.ml_registry
    if registry is None:
        return None
    if registry.id is not None:
        return registry.id
    slug = re.sub(r"[^a-z0-9]+", "-", str(registry.stack).lower())
    reference = pulumi.StackReference(f"ml-registry-{slug}", stack_name=registry.stack)
    return reference.require_output(REGISTRY_ID_OUTPUT)


def _reference(p: Platform) -> None:
    p.ml_registry_id = registry_id(p.settings)


def _people(people: tuple[RegistryPersonSettings, ...]) -> dict[str, Principal]:
    return {u.object_id: Principal(
        u.object_id, u.object_id, authorization.PrincipalType(u.type)) for u in people}


def _build(p: Platform) -> None:
    registry = p.settings.ml_registry
    if registry is None or p.ml_registry_id is None:
        return
    workloads = {**{f"cluster-{n}": c.principal for n, c in p.clusters.items()},
                 **{f"endpoint-{n}": e.principal for n, e in p.endpoints.items()}}
    automation = {"automation": p.identities[AUTOMATION_PURPOSE].principal} \
        if p.automation else {}
    publishing = registry.publish
    p.ml_registry = MlRegistry("ml-registry", MlRegistryArgs(
        existing_id=p.ml_registry_id,
        publishers={**_people(registry.publishers),
                    **(automation if publishing else {}),
                    **({k: v for k, v in workloads.items() if k.startswith("cluster-")}
                       if publishing else {})},
        consumers={**_people(registry.consumers), **({} if publishing else automation)},
        workload_consumers={k: v for k, v in workloads.items()
                            if not (publishing and k.startswith("cluster-"))}))


REFERENCE = Section(keys=("mlRegistry",), rules=(_assets,), build=_reference)
"""The registry's id, before the workspace whose managed network reaches it."""
ACCESS = Section(keys=(), build=_build)
"""The grants on the registry, once every identity that uses it exists."""
