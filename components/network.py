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
from typing import Annotated

import pulumi
from pulumi_azure_native import keyvault, network, privatedns, storage
from pydantic import Field

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, Grant, Principal, grant
from .arguments import (
    MISSING,
    Arguments,
    ArgumentsError,
    Placed,
    Problem,
    StrInput,
    azure_name,
)
from .azure import sources
from .azure.names import RULES
from .azure.resource_ids import parse_resource_id

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


ADDRESS_SPACE = r"^(\d{1,3}\.){3}\d{1,3}/(1[6-9]|2[0-8])$"
"""An IPv4 address space of /16 to /28 (``10.40.0.0/24``)."""
SUBNET_ID = (r"(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/"
             r"virtualNetworks/[^/]+/subnets/[^/]+$")
_ZONE_ID = "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/"
_SECOND_ZONE = ("an existing subnet's network is linked to its own zones, and Azure refuses a "
                "second zone of the same name linked to it")


class PrivateNetworkSpec(Arguments):
    """The private way in: a virtual network to create, or an existing subnet, and the private
    DNS zones the endpoints are named in."""

    address_space: str = Field("10.40.0.0/24", pattern=ADDRESS_SPACE)
    """Address space of the virtual network created for the private endpoints (/16 to /28); its
    one subnet takes all of it."""
    existing_subnet_id: str | None = Field(None, pattern=SUBNET_ID, json_schema_extra={
        "allowed": "a subnet id: /subscriptions/<id>/resourceGroups/<group>/providers/"
                   "Microsoft.Network/virtualNetworks/<v>/subnets/<s>"})
    """An existing subnet for the private endpoints instead of a new network (then nothing is
    created but the endpoints): every zone the endpoints use must be in existing zone ids."""
    existing_zone_ids: Mapping[str, str] = {}
    """Existing private DNS zone ids by zone name (e.g. a hub's privatelink.api.azureml.ms); the
    others are created and linked to the created network."""

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks()
        if "address_space" in self.model_fields_set and self.existing_subnet_id is not None:
            found.append(Problem(("address_space",), self.address_space, "nothing (the private "
                                 "endpoints go into that subnet; no virtual network is created)",
                                 when="with {existing_subnet_id}"))
        known = zones_of(ZONES)
        for zone, zone_id in self.existing_zone_ids.items():
            if zone not in known:
                found.append(Problem(("existing_zone_ids", zone), zone_id, "one of the private DNS "
                                     "zones the private endpoints are named in: "
                                     + ", ".join(sorted(known))))
            elif _zone_name(zone_id) != zone.lower():
                found.append(Problem(("existing_zone_ids", zone), zone_id, "the resource id of "
                                     f"private DNS zone {zone} ({_ZONE_ID}{zone})"))
        return found

    def missing_zones(self, groups: Iterable[str]) -> list[Problem]:
        """The zones the endpoints of ``groups`` (keys of :data:`ZONES`) use that an existing
        subnet's network lacks in ``existing_zone_ids``."""
        missing = sorted(zones_of(groups) - set(self.existing_zone_ids))
        if self.existing_subnet_id is None or not missing:
            return []
        return [Problem(("existing_zone_ids",), MISSING, f"{', '.join(missing)} ({_SECOND_ZONE})",
                        when="with {existing_subnet_id}")]


def _zone_name(zone_id: str) -> str | None:
    """The name of the private DNS zone ``zone_id``, lowercase (None: not a zone id)."""
    try:
        return parse_resource_id(zone_id, "Microsoft.Network/privateDnsZones").name.lower()
    except ValueError:
        return None


class PrivateNetworkArgs(PrivateNetworkSpec, Placed):
    """Arguments of :class:`PrivateNetwork`: a virtual network to create, or an existing subnet."""

    virtual_network_name: Annotated[StrInput, azure_name("virtual network")]
    """Azure name of the virtual network created (and of its links to the zones created)."""
    tags: Mapping[str, str] = {}


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
        identity, on the endpoints of a storage the studio reaches through them); a zone of an
        existing subnet's network that ``existing_zone_ids`` lacks is refused before the
        endpoint."""
        missing = self._args.missing_zones([group])
        if missing:
            raise ArgumentsError(type(self._args).__name__, missing)
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
