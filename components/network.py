"""The private way into a workspace: a virtual network, private endpoints and their DNS.

Azure ML "Configure a private endpoint for a workspace" and "Secure the workspace resources":
clients reach a workspace closed to public traffic through a private endpoint of group
``amlworkspace``, named in the zones ``privatelink.api.azureml.ms`` and
``privatelink.notebooks.azure.net``; its storage (``blob``, ``file``), key vault (``vault``) and
registry (``registry``, Premium only) through their own endpoints and zones. Each endpoint gets a
zone group (its A records) in the zones of its group; zones the stack creates are linked to the
virtual network, zones given as ids (a hub's) are used as they are, linked already.

An existing subnet (a hub-and-spoke network) comes with every zone it needs: the component
creates no zone there, since "a virtual network cannot be linked to multiple zones with
overlapping namespaces" (Azure "Private DNS zone" troubleshooting,
CreateOrUpdateVirtualNetworkLinkFailed), and the hub's network is linked to its own zones already.

The studio, running in a client's browser, reaches a closed workspace storage through the
endpoints made here, and the workspace identity must be Reader on those of the storage
(how-to-managed-network, "Azure Machine Learning studio": "ensure the private endpoint created in
the client virtual network is granted the Reader role to your workspace managed identity. This
applies to both blob and file storage private endpoints"): :meth:`PrivateNetwork.endpoint` grants
``readers`` that role on the endpoint it makes.

:class:`PrivateNetwork` makes the virtual network with one subnet for the endpoints, or uses an
existing subnet, and makes each endpoint with :meth:`PrivateNetwork.endpoint`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import keyvault, network, privatedns, storage

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, Grant, Principal, grant
from .azure import sources
from .azure.names import RULES

VIRTUAL_NETWORK = catalog.register(catalog.ResourceType(
    "azure-native:network:VirtualNetwork", "virtual network",
    created_in=catalog.Seconds(10, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.Network/virtualNetworks/{virtualNetworkName}"),
    name="virtualNetworkName", name_rule=RULES["virtual network"], replaced_on=("location",),
    shown=(catalog.Shown("address space", "addressSpace.addressPrefixes.0"),)))
PRIVATE_ENDPOINT = catalog.register(catalog.ResourceType(
    "azure-native:network:PrivateEndpoint", "private endpoint",
    created_in=catalog.Seconds(60, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.Network/privateEndpoints/{privateEndpointName}"),
    name="privateEndpointName", name_rule=RULES["private endpoint"],
    replaced_on=("location", "subnet"),  # it cannot move to another subnet
    requires={VIRTUAL_NETWORK: "a private endpoint lives in its subnet"},
    shown=(catalog.Shown("group", "privateLinkServiceConnections.0.groupIds.0"),)))
LINK_TARGET = "a private endpoint connects to its target"
"""Why a private endpoint needs a resource first: each type that can be a target says so
(``catalog.require(PRIVATE_ENDPOINT, {TYPE: LINK_TARGET})``)."""
catalog.require(ROLE_ASSIGNMENT, {PRIVATE_ENDPOINT: PRINCIPAL_OR_SCOPE})
PRIVATE_ZONE = catalog.register(catalog.ResourceType(
    "azure-native:privatedns:PrivateZone", "private dns zone",
    created_in=catalog.Seconds(30, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.Network/privateDnsZones/{privateZoneName}"),
    name="privateZoneName"))
ZONE_LINK = catalog.register(catalog.ResourceType(
    "azure-native:privatedns:VirtualNetworkLink", "private dns zone link",
    created_in=catalog.Seconds(30, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.Network/privateDnsZones/{privateZoneName}/"
                                 "virtualNetworkLinks/{virtualNetworkLinkName}"),
    name="virtualNetworkLinkName",
    replaced_on=("virtualNetwork",),  # a link cannot name another network
    requires={PRIVATE_ZONE: "a link belongs to its zone",
              VIRTUAL_NETWORK: "a link names its network"}))
ZONE_GROUP = catalog.register(catalog.ResourceType(
    "azure-native:network:PrivateDnsZoneGroup", "private dns zone group",
    created_in=catalog.Seconds(10, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.Network/privateEndpoints/{privateEndpointName}/"
                                 "privateDnsZoneGroups/{privateDnsZoneGroupName}"),
    name="privateDnsZoneGroupName",
    requires={PRIVATE_ENDPOINT: "a zone group names its endpoint's addresses",
              PRIVATE_ZONE: "a zone group writes into its zones"}))

ZONES: dict[str, tuple[str, ...]] = {
    "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
    "blob": ("privatelink.blob.core.windows.net",),
    "file": ("privatelink.file.core.windows.net",),
    "vault": ("privatelink.vaultcore.azure.net",),
    "registry": ("privatelink.azurecr.io",),
}
"""The private DNS zones of each private endpoint group (Azure "Private endpoint DNS
configuration": Machine Learning, Storage, Key Vault, Container Registry)."""
SUBNET_NAME = "snet-private-endpoints"


def zones_of(groups: Iterable[str]) -> set[str]:
    """The private DNS zones that endpoints of ``groups`` (keys of :data:`ZONES`) are named in."""
    return {zone for group in groups for zone in ZONES[group]}


def closed_storage_rules() -> storage.NetworkRuleSetArgs:
    """The firewall of a storage account reached through private endpoints: nothing else, but
    the trusted Azure services ("Secure the workspace resources": "Allow Azure services on the
    trusted services list to access this storage account")."""
    return storage.NetworkRuleSetArgs(default_action=storage.DefaultAction.DENY,
                                      bypass=storage.Bypass.AZURE_SERVICES)


def closed_vault_rules() -> keyvault.NetworkRuleSetArgs:
    """The firewall of a key vault reached through private endpoints: nothing else, but the
    trusted Microsoft services ("Secure the workspace resources": "Allow trusted Microsoft
    services to bypass this firewall")."""
    return keyvault.NetworkRuleSetArgs(default_action=keyvault.NetworkRuleAction.DENY,
                                       bypass=keyvault.NetworkRuleBypassOptions.AZURE_SERVICES)


@dataclass
class PrivateNetworkArgs:
    """Arguments of :class:`PrivateNetwork`: a virtual network to create, or an existing subnet."""

    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    virtual_network_name: str
    allow_unlisted_location: bool = False
    """Take a location this package does not list yet (checked by the workspace's arguments)."""
    address_space: str = "10.40.0.0/24"
    """The created network's address space; its one subnet takes all of it."""
    existing_subnet_id: str | None = None
    """An existing subnet for the endpoints (then nothing is created but the endpoints): every
    zone the endpoints need must be in ``existing_zone_ids``."""
    existing_zone_ids: Mapping[str, str] = field(default_factory=dict)
    """Private DNS zone ids by zone name, e.g. a hub's ``privatelink.api.azureml.ms``; the others
    are created and linked to the created network."""
    tags: Mapping[str, str] = field(default_factory=dict)


class PrivateNetwork(pulumi.ComponentResource):
    """A subnet for private endpoints, the DNS zones they are named in, and the endpoints."""

    subnet_id: pulumi.Output[str]
    virtual_network_id: pulumi.Output[str]
    endpoints: dict[str, network.PrivateEndpoint]
    """The private endpoints by target name."""
    grants: list[Grant]
    """The Reader roles granted on the endpoints (:meth:`endpoint`'s ``readers``)."""

    def __init__(self, name: str, args: PrivateNetworkArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:network:PrivateNetwork", name, {}, opts)
        unknown = sorted(set(args.existing_zone_ids) - zones_of(ZONES))
        if unknown:
            raise ValueError(f"PrivateNetworkArgs.existing_zone_ids: {', '.join(unknown)} are not "
                             "private DNS zones of the endpoints this component makes: "
                             + ", ".join(sorted(zones_of(ZONES))))
        self._name, self._args = name, args
        self.grants = []
        self._zones: dict[str, pulumi.Output[str]] = {
            zone: pulumi.Output.from_input(zone_id)
            for zone, zone_id in args.existing_zone_ids.items()}
        if args.existing_subnet_id:
            self.subnet_id = pulumi.Output.from_input(args.existing_subnet_id)
            self.virtual_network_id = self.subnet_id.apply(
                lambda s: s.split("/subnets/")[0])
        else:
            vnet = network.VirtualNetwork(
                f"{name}-vnet", virtual_network_name=args.virtual_network_name,
                resource_group_name=args.resource_group_name, location=args.location,
                address_space=network.AddressSpaceArgs(address_prefixes=[args.address_space]),
                subnets=[network.SubnetArgs(
                    name=SUBNET_NAME, address_prefix=args.address_space,
                    private_endpoint_network_policies="Disabled")],
                tags=dict(args.tags), opts=pulumi.ResourceOptions(parent=self))
            self.virtual_network_id = vnet.id
            self.subnet_id = vnet.id.apply(lambda v: f"{v}/subnets/{SUBNET_NAME}")
        self.endpoints = {}
        self.register_outputs({"subnet_id": self.subnet_id})

    def _zone(self, zone: str) -> pulumi.Output[str]:
        if zone not in self._zones and self._args.existing_subnet_id:
            raise ValueError(f"PrivateNetworkArgs.existing_zone_ids has no {zone}: an existing "
                             "subnet takes the zone ids its network is linked to (another zone "
                             "of the same name linked to it is refused by Azure)")
        if zone not in self._zones:
            key = zone.removeprefix("privatelink.").split(".")[0]
            made = privatedns.PrivateZone(
                f"{self._name}-zone-{key}", private_zone_name=zone, location="global",
                resource_group_name=self._args.resource_group_name, tags=dict(self._args.tags),
                opts=pulumi.ResourceOptions(parent=self))
            privatedns.VirtualNetworkLink(
                f"{self._name}-zone-{key}-link", private_zone_name=made.name, location="global",
                resource_group_name=self._args.resource_group_name,
                virtual_network_link_name=self._args.virtual_network_name,
                virtual_network=privatedns.SubResourceArgs(id=self.virtual_network_id),
                registration_enabled=False, tags=dict(self._args.tags),
                opts=pulumi.ResourceOptions(parent=self))
            self._zones[zone] = made.id
        return self._zones[zone]

    def endpoint(self, target: str, endpoint_name: str, target_id: pulumi.Input[str],
                 group: str, readers: Sequence[Principal] = ()) -> network.PrivateEndpoint:
        """A private endpoint of ``group`` (a key of :data:`ZONES`) to ``target_id``, with its
        zone group, as ``<name>-pe-<target>``; ``readers`` get Reader on it (the workspace
        identity, on the endpoints of a storage the studio reaches through them)."""
        pe = network.PrivateEndpoint(
            f"{self._name}-pe-{target}", private_endpoint_name=endpoint_name,
            resource_group_name=self._args.resource_group_name, location=self._args.location,
            subnet=network.SubnetArgs(id=self.subnet_id),
            private_link_service_connections=[network.PrivateLinkServiceConnectionArgs(
                name=endpoint_name, private_link_service_id=target_id, group_ids=[group])],
            tags=dict(self._args.tags), opts=pulumi.ResourceOptions(parent=self))
        network.PrivateDnsZoneGroup(
            f"{self._name}-pe-{target}-dns", private_endpoint_name=pe.name,
            resource_group_name=self._args.resource_group_name,
            private_dns_zone_group_name="default",
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name=zone.replace(".", "-"),
                                                 private_dns_zone_id=self._zone(zone))
                for zone in ZONES[group]],
            opts=pulumi.ResourceOptions(parent=self))
        self.endpoints[target] = pe
        self.grants += [grant(self, f"{self._name}-pe-{target}", reader, "Reader", pe.id,
                              sources.STUDIO_PRIVATE_ENDPOINT) for reader in readers]
        return pe
