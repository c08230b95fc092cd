"""The network components on their own: the managed network's rules (outbound rules, feeds,
approvals) and the private way in (a created network or an existing subnet and its zones), each
mistake refused in words from Python and from the stack file, before any resource."""

from __future__ import annotations

import json

import pytest

from components.arguments import ArgumentsError
from components.testing import run_program
from stack.config import ConfigError, parse_settings

from ...conftest import registered_before
from .kit import existing

# --- the network: the managed network's rules and the private way in ---

SUBSCRIPTION = "/subscriptions/00000000-0000-4000-8000-000000000001"
SEARCH = f"{SUBSCRIPTION}/resourceGroups/rg-search/providers/Microsoft.Search/searchServices/s1"
FACTORY = f"{SUBSCRIPTION}/resourceGroups/rg-etl/providers/Microsoft.DataFactory/factories/adf1"
APPROVER = ("the resource id of a resource the workspace identity can approve a private endpoint "
            "to with Azure AI Enterprise Network Connection Approver (how-to-managed-network): "
            "Azure Application Gateway, Azure Monitor, Azure AI Search, Event Hubs, Azure SQL "
            "Database, Azure Storage, Azure Machine Learning workspace, Azure Machine Learning "
            "registry, Microsoft Foundry, Foundry Tools, Azure Key Vault, Azure Cosmos DB, Azure "
            "Database for MySQL, Azure Database for PostgreSQL, Azure Managed Redis, Container "
            "Registry, API Management; others need a custom role this package does not grant")
FQDN_PORTS = ("nothing (a service tag rule's; an FQDN rule reaches its host on ports 80 and 443 "
              "only (\"FQDN outbound rules only support ports 80 and 443\", "
              "how-to-managed-network))")
NETWORK_MISTAKES = [  # (Python name, config key, value)
    ("isolation_mode", "isolation", "AllowInternetOutbound"),
    ("package_feeds", "packageFeeds", True),
    ("firewall_sku", "firewallSku", "Premium"),
    ("outbound_rules", "outboundRules", [
        {("name", "name"): "hf", ("fqdn", "fqdn"): "huggingface.co",
         ("port_ranges", "portRanges"): "8080"},
        {("name", "name"): "adf", ("private_endpoint", "privateEndpoint"): FACTORY,
         ("subresource", "subresource"): "dataFactory"},
        {("name", "name"): "HF", ("private_endpoint", "privateEndpoint"): SEARCH}]),
]
"""A managed network with a mistake of every kind: a SKU that does not exist, keys that do
nothing where they are set (package feeds with the internet open, ports of an FQDN rule), an FQDN
rule where the internet is open, a target the workspace identity cannot approve, a private
endpoint without its group, and a name used twice (as Azure compares names)."""


def _named(value: object, by: int) -> object:
    """``value`` of :data:`NETWORK_MISTAKES` with its keys as Python (0) or the config (1) names
    them."""
    if isinstance(value, list):
        return [{key[by]: item for key, item in entry.items()} for entry in value]
    return value


def test_a_network_with_every_mistake_is_refused_in_python_and_in_the_stack_file() -> None:
    from components import ManagedNetwork

    with pytest.raises(ArgumentsError) as refused:
        ManagedNetwork(**{name: _named(value, 0) for name, _, value in NETWORK_MISTAKES})
    assert [p.words() for p in refused.value.problems] == [
        "firewall_sku = 'Premium' is not allowed: one of Basic, Standard",
        "outbound_rules[0] = 'hf' is not allowed with isolation_mode AllowInternetOutbound: FQDN "
        "and service tag rules exist only in AllowOnlyApprovedOutbound (the internet is open "
        "already)",
        "outbound_rules[2].name = 'HF' is not allowed: a value not used by another entry",
        "package_feeds = True is not allowed with isolation_mode AllowInternetOutbound: nothing "
        "(the feed rules exist only in AllowOnlyApprovedOutbound; with the internet open the "
        "feeds are reached already)",
        f"outbound_rules[0].port_ranges = '8080' is not allowed on an FQDN rule: {FQDN_PORTS}",
        f"outbound_rules[1].private_endpoint = {FACTORY!r} is not allowed: {APPROVER}",
        "outbound_rules[2].subresource is missing on a private endpoint rule: the target's "
        "private link group, e.g. blob, vault, registry"]

    network = {key: _named(value, 1) for _, key, value in NETWORK_MISTAKES}
    with pytest.raises(ConfigError) as config:
        parse_settings("ml-platform", {"network": json.dumps(network), "registrySku": "Premium"},
                       "dev")
    key = "ml-platform:network"
    assert sorted(config.value.problems) == sorted([  # each once, under its config key
        f"{key}.firewallSku = 'Premium' is not allowed: one of Basic, Standard",
        f"{key}.outboundRules[0] = 'hf' is not allowed with isolation AllowInternetOutbound: FQDN "
        "and service tag rules exist only in AllowOnlyApprovedOutbound (the internet is open "
        "already)",
        f"{key}.outboundRules[2].name = 'HF' is not allowed: a value not used by another entry",
        f"{key}.packageFeeds = True is not allowed with isolation AllowInternetOutbound: nothing "
        "(the feed rules exist only in AllowOnlyApprovedOutbound; with the internet open the "
        "feeds are reached already)",
        f"{key}.outboundRules[0].portRanges = '8080' is not allowed on an FQDN rule: {FQDN_PORTS}",
        f"{key}.outboundRules[1].privateEndpoint = {FACTORY!r} is not allowed: {APPROVER}",
        f"{key}.outboundRules[2].subresource is missing on a private endpoint rule: the target's "
        "private link group, e.g. blob, vault, registry"])


def test_the_workspace_identity_approves_each_private_endpoint_rules_target() -> None:
    from components import ManagedNetwork, OutboundRuleSpec

    search = OutboundRuleSpec(name="search", private_endpoint=SEARCH, subresource="searchService")
    lake = OutboundRuleSpec(name="lake", private_endpoint=SEARCH.replace(
        "Microsoft.Search/searchServices/s1", "Microsoft.Storage/storageAccounts/stlake"),
        subresource="blob")
    hf = OutboundRuleSpec(name="hf", fqdn="huggingface.co")
    network = ManagedNetwork(outbound_rules=[search, lake, hf], approval_names={"lake": "data"})
    assert network.approvals() == {"rule-search": SEARCH, "data": lake.private_endpoint}
    with pytest.raises(ArgumentsError) as refused:
        ManagedNetwork(outbound_rules=[search, lake, hf],
                       approval_names={"hf": "hub", "lake": "storage"})
    assert [p.words() for p in refused.value.problems] == [  # an FQDN rule approves nothing
        "approval_names.hf = 'hub' is not allowed: the name of a private endpoint rule of "
        "outbound_rules",  # and the workspace storage's approval would be lost
        "approval_names.lake = 'storage' is not allowed: a name no other approval has "
        "(storage, key-vault, registry are the workspace's own)"]


HUB = f"{SUBSCRIPTION}/resourceGroups/rg-hub/providers/Microsoft.Network"


def test_a_private_network_refuses_its_zones_in_words_before_any_resource() -> None:
    from components import PrivateNetworkArgs

    with pytest.raises(ArgumentsError) as refused:
        PrivateNetworkArgs(
            resource_group_name="rg-ml", location="westeurope", virtual_network_name="vnet_ml!",
            address_space="10.1.0.0/24", existing_subnet_id=f"{HUB}/virtualNetworks/v/subnets/s",
            existing_zone_ids={
                "privatelink.database.windows.net": f"{HUB}/privateDnsZones/x",
                "privatelink.api.azureml.ms": f"{HUB}/privateDnsZones/privatelink.azurecr.io"})
    assert [p.words() for p in refused.value.problems][1:] == [
        "address_space = '10.1.0.0/24' is not allowed with existing_subnet_id: nothing (the "
        "private endpoints go into that subnet; no virtual network is created)",
        f"existing_zone_ids.privatelink.database.windows.net = '{HUB}/privateDnsZones/x' is not "
        "allowed: one of the private DNS zones the private endpoints are named in: "
        "privatelink.api.azureml.ms, privatelink.azurecr.io, privatelink.blob.core.windows.net, "
        "privatelink.file.core.windows.net, privatelink.notebooks.azure.net, "
        "privatelink.vaultcore.azure.net",
        f"existing_zone_ids.privatelink.api.azureml.ms = '{HUB}/privateDnsZones/"
        "privatelink.azurecr.io' is not allowed: the resource id of private DNS zone "
        "privatelink.api.azureml.ms (/subscriptions/<id>/resourceGroups/<group>/providers/"
        "Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms)"]
    assert refused.value.problems[0].argument == ("virtual_network_name",)


def test_an_existing_subnets_endpoint_without_its_zones_is_refused_before_the_endpoint() -> None:
    from components import PrivateNetwork, PrivateNetworkArgs

    def program() -> None:
        hub = PrivateNetwork("network", PrivateNetworkArgs(
            resource_group_name="rg-ml", location="westeurope", virtual_network_name="vnet-ml",
            existing_subnet_id=f"{HUB}/virtualNetworks/v/subnets/s", existing_zone_ids={
                "privatelink.api.azureml.ms": f"{HUB}/privateDnsZones/privatelink.api.azureml.ms"}))
        hub.endpoint("workspace", "pe-ws", existing().id, "amlworkspace")

    with pytest.raises(ArgumentsError) as refused:
        run_program(program, "library", "test", {})
    assert [p.words() for p in refused.value.problems] == [
        "existing_zone_ids is missing with existing_subnet_id: privatelink.notebooks.azure.net "
        "(an existing subnet's network is linked to its own zones, and Azure refuses a second "
        "zone of the same name linked to it)"]
    assert not [r for r in registered_before(refused.value).values()
                if r.type.startswith("azure-native:")]


