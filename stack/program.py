"""The wiring of one environment: which components exist, as which identities, joined to what.

:class:`Platform` walks the sections of the configuration (:data:`stack.config.SECTIONS`), the
same list validation walks: for each, it creates the user-assigned identities the section reports,
then lets the section build its part (the resource group, the workspace, each workload the
settings ask for, ...). Each workload runs as its own user-assigned identity unless the settings
say system-assigned.
"""

from __future__ import annotations

from typing import Protocol, TypedDict

import pulumi
from pulumi_azure_native import authorization

from components import (
    AssetStore,
    AutomationIdentity,
    AzureGrant,
    BatchEndpoint,
    ComputeCluster,
    ComputeInstance,
    ContainerRegistry,
    DataStorage,
    EncryptionKey,
    Grant,
    KubernetesCompute,
    ManagedIdentity,
    ManagedIdentityArgs,
    MlRegistry,
    OnlineEndpoint,
    Principal,
    PrivateNetwork,
    PrivateRegistryAccess,
    Workspace,
)

from .config import SECTIONS, StackSettings, resource_tags
from .names import StackNames


class Place(TypedDict):
    """Where every resource of the stack goes (what :class:`components.arguments.Placed`
    takes)."""

    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    allow_unlisted_location: bool


class HasGrants(Protocol):
    grants: list[Grant]


class HasAzureGrants(Protocol):
    azure_grants: list[AzureGrant]


class Platform:
    """Everything one stack creates, by part; each part is set by the section that builds it."""

    settings: StackSettings
    names: StackNames
    tags: dict[str, str]
    identities: dict[str, ManagedIdentity]
    """Every user-assigned identity of the stack, by purpose."""
    suffix: pulumi.Output[str]
    """The tail of the names Azure wants unique, drawn once and kept in state."""
    resource_group_name: pulumi.Output[str]
    place: Place
    client: authorization.AwaitableGetClientConfigResult | pulumi.Output[
        authorization.GetClientConfigResult]
    registry: ContainerRegistry
    data: DataStorage | None = None
    encryption: EncryptionKey | None = None
    """The customer-managed key (customerManagedKey)."""
    workspace: Workspace
    network: PrivateNetwork | None = None
    private_registry: PrivateRegistryAccess | None = None
    sample_secret: pulumi.CustomResource | None = None
    clusters: dict[str, ComputeCluster]
    instances: dict[str, ComputeInstance]
    kubernetes: KubernetesCompute | None = None
    deployer: Principal
    """Whoever runs pulumi up: it uploads the files, as itself, once granted the data role."""
    assets: AssetStore | None = None
    sample_reads: list[pulumi.Resource]
    """What a deployment of the sample scoring app reads at start, made before it."""
    endpoints: dict[str, OnlineEndpoint]
    automation: AutomationIdentity | None = None
    ml_registry_id: pulumi.Input[str] | None = None
    """The Azure ML registry another stack owns, by resource id (mlRegistry)."""
    ml_registry: MlRegistry | None = None
    batch_endpoints: dict[str, BatchEndpoint]

    def __init__(self, settings: StackSettings):
        self.settings = settings
        self.names = settings.names
        self.tags = resource_tags(settings)
        self.identities = {}
        for section in SECTIONS:
            for purpose, _ in section.identities(settings):
                self.identities[purpose] = ManagedIdentity(
                    f"{purpose}-identity", ManagedIdentityArgs(
                        identity_name=self.names.identity(purpose), tags=self.tags, **self.place))
            section.build(self)

    def identity(self, purpose: str) -> ManagedIdentity | None:
        """The user-assigned identity a section reported for ``purpose``; None where the workload
        runs as its own system-assigned identity (the section reported none)."""
        return self.identities.get(purpose)

    @property
    def protect(self) -> bool:
        """Whether stateful resources are protected from deletion (production)."""
        return self.settings.protect_stateful_resources

    @property
    def public_access(self) -> str:
        """Public network access where the settings leave it unset: closed in a private network."""
        return "Disabled" if self.settings.network else "Enabled"

    @property
    def pulls(self) -> dict[str, pulumi.Input[str]]:
        """The registries every workload pulls images from besides the workspace's."""
        registry = self.settings.private_registry_id
        return {"private-registry": registry} if registry else {}

    @property
    def reads(self) -> dict[str, pulumi.Input[str]]:
        """The data every workload reads as itself."""
        return {"data": self.data.container_id} if self.data else {}

    @property
    def secrets_made(self) -> list[pulumi.Resource]:
        """The secrets the stack makes, which a grant on them waits for."""
        return [self.sample_secret] if self.sample_secret else []

    @property
    def grants(self) -> list[Grant]:
        """Every role the stack grants, component by component."""
        parts: list[HasGrants] = [self.workspace, *self.clusters.values(),
                                  *self.instances.values(), *self.endpoints.values(),
                                  *self.batch_endpoints.values()]
        parts += [p for p in (self.encryption, self.private_registry, self.data, self.automation,
                              self.kubernetes, self.network, self.assets, self.ml_registry)
                  if p is not None]
        return [g for part in parts for g in part.grants]

    @property
    def azure_grants(self) -> list[AzureGrant]:
        """Every role Azure itself grants a system-assigned identity of the stack."""
        parts: list[HasAzureGrants] = [self.workspace, *self.clusters.values(),
                                       *self.endpoints.values()]
        return [g for part in parts for g in part.azure_grants]
