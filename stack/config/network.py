"""The network section: the workspace's managed network (what compute and endpoints reach) and the
private way in (a virtual network, or a given subnet, with private endpoints to the workspace and
what it is made of)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
from pydantic import Field, StrictBool

from components import ManagedNetwork, PrivateNetwork, PrivateNetworkArgs
from components.managed_network import APPROVED_ONLY, ManagedNetworkSpec, OutboundRuleSpec
from components.ml_registry import SUBRESOURCE
from components.network import ZONES, PrivateNetworkSpec, zones_of

from .base import ConfigModel, Keys, Problems
from .section import Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings

DATA_RULE = "data-blob"
"""The stack's own private endpoint rule to the data account's blobs."""
DATA_APPROVAL = "data-storage"
"""The short name of the workspace identity's approval of the data account (its Pulumi name)."""
REGISTRY_RULE = "ml-registry"
"""The stack's own private endpoint rule to the Azure ML registry (mlRegistry), and the short name
of the workspace identity's approval of it."""

PRIVATE_ENDPOINTS = (("workspace", "amlworkspace"), ("storage-blob", "blob"),
                     ("storage-file", "file"), ("key-vault", "vault"), ("registry", "registry"))
"""The private endpoints the stack makes in its network (target, private link group); the
registry's only for a registry it creates, and ``data-blob`` (blob) for a data account it
creates."""


class OutboundRuleSettings(OutboundRuleSpec, ConfigModel):
    """One user-defined outbound rule of the managed network: exactly one of fqdn, serviceTag or
    privateEndpoint."""

    def rules(self, k: Keys) -> Problems:
        if self.name in (DATA_RULE, REGISTRY_RULE):
            return [f"{k('name')} = {self.name!r} is not allowed: a name other than {DATA_RULE} "
                    f"and {REGISTRY_RULE} (the stack's own rules to the data account and the "
                    "Azure ML registry)"]
        return []


class NetworkSettings(PrivateNetworkSpec, ManagedNetworkSpec, ConfigModel):
    """Network isolation: a managed network for compute and endpoints, private endpoints in."""

    outbound_rules: tuple[OutboundRuleSettings, ...] = Field((), description=(
        "More outbound rules."))
    uploads_from_network: StrictBool = Field(False, description=(
        "pulumi up runs inside the network (or a peered one), so it can upload models, code and "
        "data to the closed storage."))


def private_endpoint_groups(s: StackSettings) -> list[tuple[str, str]]:
    """The private endpoints ``s`` makes: (target, group)."""
    return [(target, group) for target, group in PRIVATE_ENDPOINTS
            if target != "registry" or s.existing_registry_id is None]


def _zones(s: StackSettings, k: Keys) -> Problems:
    """The private DNS zones given by id that the stack's endpoints do not use (a created
    registry's, with an existing registry), and those they use that an existing subnet's network
    lacks."""
    net = s.network
    if net is None:
        return []
    groups = [group for _, group in private_endpoint_groups(s)]
    needed = zones_of(groups)
    return [f"{k('network', 'dnsZoneIds', zone)} is not allowed: a zone the stack's private "
            f"endpoints use: {', '.join(sorted(needed))}"
            for zone in sorted(set(net.existing_zone_ids) & zones_of(ZONES) - needed)] + \
        net.words(net.missing_zones(groups), k.at("network"))


def _premium_registry(s: StackSettings, k: Keys) -> Problems:
    if s.network and s.existing_registry_id is None and s.registry_sku != "Premium":
        return [f"{k('registrySku')} = {s.registry_sku!r} is not allowed with {k('network')}: "
                "Premium (a registry takes private endpoints only in the Premium tier)"]
    return []


def _user_assigned_workspace(s: StackSettings, k: Keys) -> Problems:
    if s.network and s.workspace_identity != "userAssigned":
        return [f"{k('workspaceIdentity')} = {s.workspace_identity!r} is not allowed with "
                f"{k('network')}: userAssigned (the approver role on each private endpoint "
                "target must be held before the workspace exists; a system identity exists "
                "only with it)"]
    return []


def _image_builder(s: StackSettings, k: Keys) -> Problems:
    if s.network and not s.compute_clusters:
        return [f"{k('computeClusters')} = [] is not allowed with {k('network')}: at least "
                "one cluster (the registry, closed to public traffic, cannot build images: "
                "the first cluster builds them)"]
    return []


def _uploads(s: StackSettings, k: Keys) -> Problems:
    uploads = s.sample_data or any(e.deployments for e in s.online_endpoints) or any(
        e.deployments for e in s.batch_endpoints)
    if s.network and uploads and not s.network.uploads_from_network:
        return [f"{k('network', 'uploadsFromNetwork')} = false is not allowed with local "
                "models, code or sampleData: true (pulumi up uploads them to the workspace "
                "storage, which takes no public traffic: run it inside the network), or "
                "register them elsewhere and name their azureml:// ids"]
    return []


def _feeds_for_conda(s: StackSettings, k: Keys) -> Problems:
    """An environment built from a conda file installs its packages from a feed, inside the
    managed network (its image is built there, on the first cluster)."""
    net = s.network
    if net is None or net.isolation_mode != APPROVED_ONLY or net.fqdn_rules:
        return []
    environments = [(("onlineEndpoints", i, "deployments", j), d.environment)
                    for i, e in enumerate(s.online_endpoints) for j, d in enumerate(e.deployments)]
    environments += [(("batchEndpoints", i, "deployments", j), d.environment)
                     for i, e in enumerate(s.batch_endpoints) for j, d in enumerate(e.deployments)]
    conda = [k(*at, "environment", "condaFile") for at, env in environments
             if env.conda_file and not env.environment_id]
    if not conda:
        return []
    return [f"{k('network', 'packageFeeds')} = false is not allowed with an environment built "
            f"from a conda file ({', '.join(conda)}) in AllowOnlyApprovedOutbound: true, or an "
            "fqdn outbound rule to the feed its packages come from (the build reaches no other "
            "host; how-to-managed-network, \"Scenario: Access public machine learning "
            "packages\")"]


def managed_network(net: NetworkSettings | None, data_account_id: pulumi.Input[str] | None = None,
                    registry_id: pulumi.Input[str] | None = None,
                    batch: bool = False) -> ManagedNetwork | None:
    """The workspace's managed network from the settings: the configured rules, a private
    endpoint rule to the data account's blobs (compute reads the data as itself, and in
    AllowOnlyApprovedOutbound storage is reachable only so), one to the Azure ML registry
    (how-to-managed-network, Private endpoints: "Azure Machine Learning registries"; private link
    group ``amlregistry``), and with ``batch`` (batch endpoints) the rules to the workspace
    storage's queue and table."""
    if net is None:
        return None
    own = [(DATA_RULE, DATA_APPROVAL, data_account_id, "blob"),
           (REGISTRY_RULE, REGISTRY_RULE, registry_id, SUBRESOURCE)]
    rules = tuple(OutboundRuleSpec(name=name, private_endpoint=target, subresource=group)
                  for name, _, target, group in own if target is not None)
    return ManagedNetwork(**net.arguments(ManagedNetworkSpec, but=("outbound_rules",)),
                          outbound_rules=(*rules, *net.outbound_rules),
                          approval_names={name: short for name, short, target, _ in own
                                          if target is not None},
                          batch_storage=batch)


def _build(p: Platform) -> None:
    """The private way in: a virtual network (or the given subnet) with private endpoints to the
    workspace, its storage, key vault and a created registry, named in their zones."""
    net = p.settings.network
    if net is None:
        return
    names, ws = p.names, p.workspace
    p.network = private = PrivateNetwork("network", PrivateNetworkArgs(
        **net.arguments(PrivateNetworkSpec), virtual_network_name=names.virtual_network(),
        tags=p.tags, **p.place))
    ids: dict[str, pulumi.Input[str]] = {
        "workspace": ws.id, "storage-blob": ws.storage_account_id,
        "storage-file": ws.storage_account_id, "key-vault": ws.key_vault_id,
        "registry": p.registry.id}
    for target, group in private_endpoint_groups(p.settings):
        # the studio reaches the closed storage through these as the workspace identity too
        readers = [ws.principal] if target.startswith("storage-") else []
        private.endpoint(target, names.private_endpoint(target), ids[target], group, readers)


SECTION = Section(keys=("network",), rules=(_zones, _premium_registry, _user_assigned_workspace,
                                            _image_builder, _uploads, _feeds_for_conda),
                  build=_build)
