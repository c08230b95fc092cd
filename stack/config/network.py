"""The network section: the workspace's managed network (what compute and endpoints reach) and the
private way in (a virtual network, or a given subnet, with private endpoints to the workspace and
what it is made of)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, StrictBool

from components import ManagedNetwork, PrivateNetwork, PrivateNetworkArgs
from components.azure.resource_ids import parse_resource_id, provider_type
from components.azure.roles import NETWORK_APPROVER_TARGETS
from components.network import zones_of
from components.workspace import NETWORK_APPROVER, OutboundRule

from .base import ConfigModel, Keys, Problems, unique
from .section import Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings

Isolation = Literal["AllowOnlyApprovedOutbound", "AllowInternetOutbound"]
APPROVED_ONLY: Isolation = "AllowOnlyApprovedOutbound"

PACKAGE_FEEDS = ("pypi.org", "files.pythonhosted.org", "conda.anaconda.org", "*.anaconda.org",
                 "repo.anaconda.com", "mcr.microsoft.com", "*.data.mcr.microsoft.com")
"""What an environment build reaches: the Python and conda package feeds and Microsoft's image
registry (how-to-managed-network, "Scenario: Access public machine learning packages" and
"Scenario: Use Docker images managed by Azure ML")."""
DATA_RULE = "data-blob"
"""The stack's own private endpoint rule to the data account's blobs."""
STACK_RULES = re.compile(rf"^(feed-\d+|{DATA_RULE})$")
"""Names of the outbound rules the stack writes itself (package feeds, data)."""
_APPROVABLE = {kind.lower() for kind in NETWORK_APPROVER_TARGETS}

PRIVATE_ENDPOINTS = (("workspace", "amlworkspace"), ("storage-blob", "blob"),
                     ("storage-file", "file"), ("key-vault", "vault"), ("registry", "registry"))
"""The private endpoints the stack makes in its network (target, private link group); the
registry's only for a registry it creates, and ``data-blob`` (blob) for a data account it
creates."""

_ARM_ID = r"(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[^/]+(/[^/]+/[^/]+)+$"
_SUBNET_ID = (r"(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/"
              r"virtualNetworks/[^/]+/subnets/[^/]+$")


class OutboundRuleSettings(ConfigModel):
    """One user-defined outbound rule of the managed network: exactly one of fqdn, serviceTag or
    privateEndpoint."""

    name: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$", description="Rule name.")
    fqdn: str | None = Field(None, pattern=r"^(\*\.)?[a-zA-Z0-9.-]{1,253}$", description=(
        "A host, or *.domain, reached on ports 80 and 443 (AllowOnlyApprovedOutbound; an Azure "
        "Firewall carries FQDN rules)."))
    service_tag: str | None = Field(None, pattern=r"^[A-Za-z][A-Za-z0-9.]{1,80}$", description=(
        "An Azure service tag, e.g. AzureActiveDirectory (AllowOnlyApprovedOutbound)."))
    protocol: Literal["TCP", "UDP", "ICMP", "*"] = Field("TCP", description=(
        "Protocol of a service tag rule."))
    port_ranges: str = Field("443", pattern=r"^(\*|\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*)$",
                             description="Ports of a service tag rule, e.g. 443 or 80,443.")
    private_endpoint: str | None = Field(None, pattern=_ARM_ID, description=(
        "Resource id of a target reached by a private endpoint (the workspace identity gets the "
        "approver role on it)."), json_schema_extra={"allowed": "an Azure resource id"})
    subresource: str | None = Field(None, pattern=r"^[a-zA-Z]{2,40}$", description=(
        "The target's private link group, e.g. blob, vault, registry, amlworkspace."))

    @property
    def kind(self) -> str | None:
        """fqdn, serviceTag or privateEndpoint: the one the rule sets (None: not exactly one)."""
        kinds = [name for name, value in (("fqdn", self.fqdn), ("serviceTag", self.service_tag),
                                          ("privateEndpoint", self.private_endpoint)) if value]
        return kinds[0] if len(kinds) == 1 else None

    def rules(self, k: Keys) -> Problems:
        p = []
        if self.kind is None:
            p.append(f"{k()} = {self.model_dump(by_alias=True, exclude_defaults=True)!r} is "
                     "not allowed: exactly one of fqdn, serviceTag or privateEndpoint")
        if STACK_RULES.match(self.name):
            p.append(f"{k('name')} = {self.name!r} is not allowed: a name other than feed-<n> "
                     f"and {DATA_RULE} (the stack's own rules)")
        if self.private_endpoint and not self.subresource:
            p.append(f"{k('subresource')} is missing: the target's private link group, e.g. blob, "
                     "vault, registry")
        kind = provider_type(self.private_endpoint or "")
        if self.private_endpoint and (kind or "").lower() not in _APPROVABLE:
            p.append(f"{k('privateEndpoint')} = {self.private_endpoint!r} is not allowed: a "
                     f"resource the workspace identity can approve a private endpoint to with "
                     f"{NETWORK_APPROVER} (how-to-managed-network): "
                     + ", ".join(NETWORK_APPROVER_TARGETS.values()) + "; others need a custom "
                     "role this stack does not grant")
        return p + self._ignored(k)

    def _ignored(self, k: Keys) -> Problems:
        """Keys of another kind of rule, which this one would silently leave out."""
        if self.kind is None:
            return []
        fields = type(self).model_fields
        return [f"{k(fields[name].alias or name)} = {getattr(self, name)!r} is not allowed on "
                f"{'an' if self.kind == 'fqdn' else 'a'} {self.kind} rule: nothing (a "
                f"{owner} rule's; {_REACHES[self.kind]})"
                for name, owner in (("protocol", "serviceTag"), ("port_ranges", "serviceTag"),
                                    ("subresource", "privateEndpoint"))
                if name in self.model_fields_set and owner != self.kind]


_REACHES = {
    "fqdn": "an FQDN rule reaches its host on ports 80 and 443 only (\"FQDN outbound rules only "
            "support ports 80 and 443\", how-to-managed-network)",
    "serviceTag": "a service tag rule reaches the tag's addresses on its protocol and ports",
    "privateEndpoint": "a private endpoint rule reaches its target through its private link "
                       "group"}
"""How each kind of outbound rule reaches its destination."""


def _default_outbound() -> tuple[OutboundRuleSettings, ...]:
    return ()


class NetworkSettings(ConfigModel):
    """Network isolation: a managed network for compute and endpoints, private endpoints in."""

    isolation: Isolation = Field(
        "AllowOnlyApprovedOutbound", description=(
            "What compute and endpoints reach: only the outbound rules, or the internet too "
            "(fixed once on: Azure cannot turn isolation off)."))
    package_feeds: StrictBool = Field(True, description=(
        "Outbound FQDN rules for the Python and conda feeds and Microsoft's image registry, so "
        "environments build (AllowOnlyApprovedOutbound)."))
    outbound_rules: tuple[OutboundRuleSettings, ...] = Field(
        default_factory=_default_outbound, description="More outbound rules.")
    firewall_sku: Literal["Basic", "Standard"] = Field("Basic", description=(
        "The Azure Firewall that FQDN rules run on."))
    address_space: str = Field("10.40.0.0/24", pattern=(
        r"^(\d{1,3}\.){3}\d{1,3}/(1[6-9]|2[0-8])$"), description=(
        "Address space of the virtual network the stack creates for private endpoints "
        "(/16 to /28)."))
    subnet_id: str | None = Field(None, pattern=_SUBNET_ID, description=(
        "An existing subnet for the private endpoints instead of a new network."),
        json_schema_extra={"allowed": "a subnet id: /subscriptions/<id>/resourceGroups/<group>/"
                                      "providers/Microsoft.Network/virtualNetworks/<v>/subnets/<s>"})
    dns_zone_ids: dict[str, str] = Field({}, description=(
        "Existing private DNS zone ids by zone name (e.g. a hub's privatelink.api.azureml.ms); "
        "the stack creates and links the others."))
    uploads_from_network: StrictBool = Field(False, description=(
        "pulumi up runs inside the network (or a peered one), so it can upload models, code and "
        "data to the closed storage."))

    @property
    def feeds(self) -> bool:
        """Whether the stack writes the package feed rules."""
        return self.package_feeds and self.isolation == APPROVED_ONLY

    @property
    def fqdn_rules(self) -> bool:
        """Whether the managed network has FQDN rules, and so an Azure Firewall ("FQDN rules use
        Azure Firewall", how-to-managed-network)."""
        return self.isolation == APPROVED_ONLY and (
            self.package_feeds or any(rule.fqdn for rule in self.outbound_rules))

    def rules(self, k: Keys) -> Problems:
        p = [f"{k('outboundRules', i)} = {rule.name!r} is not allowed with isolation "
             f"{self.isolation}: FQDN and service tag rules exist only in "
             "AllowOnlyApprovedOutbound (the internet is open already)"
             for i, rule in enumerate(self.outbound_rules)
             if (rule.fqdn or rule.service_tag) and self.isolation != APPROVED_ONLY]
        p += unique(k("outboundRules"), [r.name for r in self.outbound_rules])
        given = self.model_fields_set
        if "package_feeds" in given and self.isolation != APPROVED_ONLY:
            p.append(f"{k('packageFeeds')} = {str(self.package_feeds).lower()} is not allowed "
                     f"with isolation {self.isolation}: nothing (the feed rules exist only in "
                     "AllowOnlyApprovedOutbound; with the internet open the feeds are reached "
                     "already)")
        if "firewall_sku" in given and not self.fqdn_rules:
            p.append(f"{k('firewallSku')} = {self.firewall_sku!r} is not allowed without FQDN "
                     "rules: nothing (the firewall exists only for FQDN rules: packageFeeds or an "
                     "fqdn outbound rule, in AllowOnlyApprovedOutbound)")
        if "address_space" in given and self.subnet_id:
            p.append(f"{k('addressSpace')} = {self.address_space!r} is not allowed with "
                     f"{k('subnetId')}: nothing (the private endpoints go into that subnet; the "
                     "stack creates no virtual network)")
        return p


def private_endpoint_groups(s: StackSettings) -> list[tuple[str, str]]:
    """The private endpoints ``s`` makes: (target, group)."""
    return [(target, group) for target, group in PRIVATE_ENDPOINTS
            if target != "registry" or s.existing_registry_id is None]


def _zones(s: StackSettings, k: Keys) -> Problems:
    """The private DNS zones given by id: zones the stack's endpoints use, each a private DNS
    zone of that name, and all of them with an existing subnet ("a virtual network cannot be
    linked to multiple zones with overlapping namespaces": a hub network is linked to its zones
    already, and the stack would link another of the same name)."""
    net = s.network
    if net is None:
        return []
    needed = zones_of(group for _, group in private_endpoint_groups(s))
    p = [f"{k('network', 'dnsZoneIds', zone)} is not allowed: a zone the stack's private "
         f"endpoints use: {', '.join(sorted(needed))}" for zone in sorted(set(net.dns_zone_ids)
                                                                          - needed)]
    for zone, zone_id in sorted(net.dns_zone_ids.items()):
        try:
            found = parse_resource_id(zone_id, "Microsoft.Network/privateDnsZones").name
        except ValueError:
            found = None
        if found is None or found.lower() != zone.lower():
            p.append(f"{k('network', 'dnsZoneIds', zone)} = {zone_id!r} is not allowed: the "
                     f"resource id of private DNS zone {zone} (/subscriptions/<id>/"
                     f"resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/{zone})")
    missing = sorted(needed - set(net.dns_zone_ids))
    if net.subnet_id and missing:
        p.append(f"{k('network', 'dnsZoneIds')} is missing {', '.join(missing)}: with "
                 f"{k('network', 'subnetId')} every zone the private endpoints use is the "
                 "network's own (Azure refuses a second zone of the same name linked to it)")
    return p


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
    uploads = s.sample_data or any(e.deployments for e in s.online_endpoints)
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
    if net is None or net.isolation != APPROVED_ONLY or net.package_feeds or \
            any(rule.fqdn for rule in net.outbound_rules):
        return []
    conda = [k("onlineEndpoints", i, "deployments", j, "environment", "condaFile")
             for i, e in enumerate(s.online_endpoints) for j, d in enumerate(e.deployments)
             if d.environment.conda_file and not d.environment.environment_id]
    if not conda:
        return []
    return [f"{k('network', 'packageFeeds')} = false is not allowed with an environment built "
            f"from a conda file ({', '.join(conda)}) in AllowOnlyApprovedOutbound: true, or an "
            "fqdn outbound rule to the feed its packages come from (the build reaches no other "
            "host; how-to-managed-network, \"Scenario: Access public machine learning "
            "packages\")"]


def _private_endpoint_rule(target_id: pulumi.Input[str], subresource: str
                           ) -> ml.PrivateEndpointOutboundRuleArgs:
    return ml.PrivateEndpointOutboundRuleArgs(
        type="PrivateEndpoint", category=ml.RuleCategory.USER_DEFINED,
        destination=ml.PrivateEndpointDestinationArgs(
            service_resource_id=target_id, subresource_target=subresource, spark_enabled=False))


def managed_network(net: NetworkSettings | None, data_account_id: pulumi.Input[str] | None = None
                    ) -> ManagedNetwork | None:
    """The workspace's managed network from the settings: the package feeds (when asked for, in
    AllowOnlyApprovedOutbound), a private endpoint to the data account's blobs (compute reads
    the data as itself, and in AllowOnlyApprovedOutbound storage is reachable only so), and the
    configured rules; a firewall only for FQDN rules."""
    if net is None:
        return None
    rules: dict[str, OutboundRule] = {}
    approve: dict[str, pulumi.Input[str]] = {}
    if data_account_id is not None:
        rules[DATA_RULE] = _private_endpoint_rule(data_account_id, "blob")
        approve["data-storage"] = data_account_id
    if net.feeds:
        rules |= {f"feed-{i}": ml.FqdnOutboundRuleArgs(type="FQDN", destination=fqdn,
                                                       category=ml.RuleCategory.USER_DEFINED)
                  for i, fqdn in enumerate(PACKAGE_FEEDS)}
    for rule in net.outbound_rules:
        if rule.fqdn:
            rules[rule.name] = ml.FqdnOutboundRuleArgs(type="FQDN", destination=rule.fqdn,
                                                       category=ml.RuleCategory.USER_DEFINED)
        elif rule.service_tag:
            rules[rule.name] = ml.ServiceTagOutboundRuleArgs(
                type="ServiceTag", category=ml.RuleCategory.USER_DEFINED,
                destination=ml.ServiceTagDestinationArgs(
                    service_tag=rule.service_tag, protocol=rule.protocol,
                    port_ranges=rule.port_ranges, action=ml.RuleAction.ALLOW))
        elif rule.private_endpoint and rule.subresource:
            rules[rule.name] = _private_endpoint_rule(rule.private_endpoint, rule.subresource)
            approve[f"rule-{rule.name}"] = rule.private_endpoint
    fqdn = any(isinstance(r, ml.FqdnOutboundRuleArgs) for r in rules.values())
    return ManagedNetwork(isolation_mode=net.isolation, outbound_rules=rules,
                          firewall_sku=net.firewall_sku if fqdn else None, approve_on=approve)


def _build(p: Platform) -> None:
    """The private way in: a virtual network (or the given subnet) with private endpoints to the
    workspace, its storage, key vault and a created registry, named in their zones."""
    net = p.settings.network
    if net is None:
        return
    names, ws = p.names, p.workspace
    p.network = private = PrivateNetwork("network", PrivateNetworkArgs(
        virtual_network_name=names.virtual_network(), address_space=net.address_space,
        existing_subnet_id=net.subnet_id, existing_zone_ids=net.dns_zone_ids,
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
