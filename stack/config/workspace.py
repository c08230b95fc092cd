"""The workspace section: the workspace and what it is made of (storage, key vault, registry,
logs), the identities it runs as and its public network access."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components import ContainerRegistry, ContainerRegistryArgs, Workspace, WorkspaceArgs
from components.workspace import WorkspaceSpec

from .base import Keys, Problems, unique
from .encryption import registry_encrypted
from .network import managed_network
from .section import Identity, Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings



def _closed_without_network(s: StackSettings, k: Keys) -> Problems:
    if s.workspace_public_network_access == "Disabled" and s.network is None:
        return [f"{k('workspacePublicNetworkAccess')} = 'Disabled' is not allowed without "
                f"{k('network')}: a workspace closed to public access is reached only through "
                "a private endpoint, which network makes"]
    return []


def _system_identity_in_production(s: StackSettings, k: Keys) -> Problems:
    if s.workspace_identity == "systemAssigned" and s.protect_stateful_resources:
        return [f"{k('workspaceIdentity')} = 'systemAssigned' is not allowed where "
                f"{k('protectStatefulResources')} is true: Azure grants a system-assigned "
                "workspace identity Azure AI Administrator on the whole resource group "
                "(how-to-assign-roles), which no production workload holds; userAssigned gets "
                "only the roles Microsoft lists, each on its resource"]
    return []


def _user_identities(s: StackSettings, k: Keys) -> Problems:
    """The user-assigned identities' keys do nothing with a system-assigned workspace."""
    if s.workspace_identity != "systemAssigned":
        return []
    p = []
    if s.workspace_identities != ("workspace",):
        p.append(f"{k('workspaceIdentities')} = {list(s.workspace_identities)!r} is not "
                 "allowed: the default unless workspaceIdentity is userAssigned")
    if s.workspace_primary_identity is not None:
        p.append(f"{k('workspacePrimaryIdentity')} = {s.workspace_primary_identity!r} is not "
                 "allowed: nothing unless workspaceIdentity is userAssigned (a system-assigned "
                 "workspace runs as its own identity)")
    return p


def _primary(s: StackSettings, k: Keys) -> Problems:
    primary = s.workspace_primary_identity
    if s.workspace_identity == "userAssigned" and primary and \
            primary not in s.workspace_identities:
        return [f"{k('workspacePrimaryIdentity')} = {primary!r} is not allowed: one of "
                "workspaceIdentities: " + ", ".join(s.workspace_identities)]
    return []


def _identity_purposes(s: StackSettings, k: Keys) -> Problems:
    names = s.names
    return unique(k("workspaceIdentities"), s.workspace_identities, None) + [
        f"{k('workspaceIdentities')}[{i}]: {x} (shorten it)"
        for i, purpose in enumerate(s.workspace_identities)
        for x in names.identity_problems(purpose)]


def _identities(s: StackSettings) -> list[Identity]:
    """The primary identity first, then the others (none for a system-assigned workspace)."""
    if s.workspace_identity != "userAssigned":
        return []
    others = [p for p in s.workspace_identities if p != s.primary_identity]
    return [Identity(p, "workspaceIdentities") for p in [s.primary_identity, *others]]


def _build(p: Platform) -> None:
    s, names, suffix = p.settings, p.names, p.suffix
    net = s.network
    p.registry = ContainerRegistry("registry", ContainerRegistryArgs(
        registry_name=None if s.existing_registry_id else suffix.apply(names.container_registry),
        sku=s.registry_sku,
        existing_id=s.existing_registry_id, public_network_access=p.public_access,
        encryption=p.encryption.ref if p.encryption and registry_encrypted(s) else None,
        protect=p.protect, tags=p.tags, **p.place))
    p.workspace = Workspace("workspace", WorkspaceArgs(
        workspace_name=suffix.apply(names.workspace),
        storage_account_name=suffix.apply(names.storage_account),
        key_vault_name=suffix.apply(names.key_vault),
        application_insights_name=names.application_insights(),
        log_analytics_name=names.log_analytics(),
        registry=p.registry,
        identity=p.identity(s.primary_identity),
        additional_identities=[p.identities[purpose] for purpose, _ in _identities(s)[1:]],
        **s.arguments(WorkspaceSpec), storage_shared_key_access=s.workspace_storage_key_access,
        public_network_access=s.workspace_public_network_access or p.public_access,
        private_dependents=net is not None,
        managed_network=managed_network(net, p.data.account_id if p.data else None,
                                        p.ml_registry_id, batch=bool(s.batch_endpoints)),
        # the registry closed to public traffic cannot build: the first cluster does
        image_build_compute=s.compute_clusters[0].compute_name if net else None,
        encryption=p.encryption.ref if p.encryption else None,
        high_business_impact=s.workspace_high_business_impact,
        protect=p.protect, tags=p.tags, **p.place))


SECTION = Section(
    keys=("storageSku", "workspaceStorageKeyAccess", "storageSoftDeleteRetentionDays",
          "keyVaultPurgeProtection", "keyVaultSoftDeleteRetentionDays", "registrySku",
          "existingRegistryId", "workspaceIdentity", "workspacePublicNetworkAccess",
          "logRetentionDays", "workspaceIdentities", "workspacePrimaryIdentity"),
    rules=(_closed_without_network, _system_identity_in_production, _user_identities, _primary,
           _identity_purposes),
    identities=_identities, build=_build)
