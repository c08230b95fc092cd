"""Private networking: prod in a managed network with private endpoints, dev public and cheap,
and every combination that cannot work refused in words."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from components.azure.roles import BUILT_IN_ROLES
from components.catalog import AT_RISK, REFUSED
from components.managed_network import NETWORK_APPROVER, PACKAGE_FEEDS
from components.network import SUBNET_NAME, ZONES
from components.testing.mocks import registry_stack
from components.testing.runner import StackRun
from offline.day2.check import day2_plan
from offline.network_view import INTERNET
from offline.report import plan

from ..conftest import PACK, ROLE_ASSIGNMENT, assert_refused, grants, one, owner, shared_run

WORKSPACE = "machinelearningservices:Workspace"
ENDPOINT = "network:PrivateEndpoint"
ZONE = "privatedns:PrivateZone"
SUBSCRIPTION = "/subscriptions/00000000-0000-4000-8000-000000000001"
HUB = f"{SUBSCRIPTION}/resourceGroups/rg-hub/providers/Microsoft.Network"
HUB_SUBNET = f"{HUB}/virtualNetworks/vnet-hub/subnets/snet-ml"
HUB_ZONE = f"{HUB}/privateDnsZones/privatelink.api.azureml.ms"
SEARCH = f"{SUBSCRIPTION}/resourceGroups/rg-search/providers/Microsoft.Search/searchServices/s1"
ML_REGISTRY = registry_stack("organization/ml-registry/shared")["registryId"]
"""The Azure ML registry prod references (mlRegistry.stack), as the mocks answer it."""
PRIVATE: dict[str, Any] = {"network": {"uploadsFromNetwork": True}, "registrySku": "Premium"}
"""dev, private (it uploads the sample's model, code and data)."""


def private(**network: Any) -> StackRun:
    return shared_run("dev", {**PRIVATE, "network": {**PRIVATE["network"], **network}})


def test_prod_runs_compute_in_a_managed_network_provisioned_with_the_workspace(
        prod: StackRun) -> None:
    ws = one(prod, WORKSPACE)
    managed = ws.inputs["managedNetwork"]
    assert managed["isolationMode"] == "AllowOnlyApprovedOutbound"
    assert ws.inputs["provisionNetworkNow"] is True  # deployments can follow in the same up
    assert ws.inputs["publicNetworkAccess"] == "Disabled"
    feeds = {r["destination"] for r in managed["outboundRules"].values() if r["type"] == "FQDN"}
    assert feeds == set(PACKAGE_FEEDS) and managed["firewallSku"] == "Basic"
    data = one(prod, "storage:StorageAccount", "data-storage")
    assert managed["outboundRules"]["data-blob"]["destination"] == {
        "serviceResourceId": data.id, "subresourceTarget": "blob", "sparkEnabled": False}
    # the registry closed to public traffic cannot build images: the first cluster does
    assert ws.inputs["imageBuildCompute"] == "cpu"


def test_the_workspace_identity_approves_every_private_endpoint_before_the_workspace(
        prod: StackRun) -> None:
    ws = one(prod, WORKSPACE)
    approvals = {scope for holder, role, scope in grants(prod) if role == NETWORK_APPROVER
                 and holder == "id-mlplat-prod-workspace"}
    assert approvals == {one(prod, kind, name).azure_name for kind, name in (
        ("storage:StorageAccount", "workspace-storage"), ("storage:StorageAccount", "data-storage"),
        ("keyvault:Vault", "workspace-key-vault"), ("containerregistry:Registry", None))} | {
        ML_REGISTRY}
    approvers = {a.urn for a in prod.of_type(ROLE_ASSIGNMENT)
                 if a.inputs["roleDefinitionId"].endswith(BUILT_IN_ROLES[NETWORK_APPROVER])}
    assert len(approvers) == 5 and approvers <= set(ws.dependencies)


def test_the_managed_network_reaches_the_ml_registry_through_its_amlregistry_endpoint(
        prod: StackRun) -> None:
    rule = one(prod, WORKSPACE).inputs["managedNetwork"]["outboundRules"]["ml-registry"]
    assert rule["type"] == "PrivateEndpoint"
    assert rule["destination"] == {"serviceResourceId": ML_REGISTRY,
                                   "subresourceTarget": "amlregistry", "sparkEnabled": False}


def test_a_private_endpoint_rule_from_config_is_approved_too() -> None:
    target = f"{SUBSCRIPTION}/resourceGroups/rg-search/providers/Microsoft.Search/searchServices/s1"
    run = private(outboundRules=[{"name": "search", "privateEndpoint": target,
                                  "subresource": "searchService"}])
    ws = one(run, WORKSPACE)
    assert ws.inputs["managedNetwork"]["outboundRules"]["search"]["destination"][
        "serviceResourceId"] == target
    assert ("id-mlplat-dev-workspace", NETWORK_APPROVER, target) in grants(run)


def test_people_reach_the_workspace_and_its_resources_through_private_endpoints(
        prod: StackRun) -> None:
    vnet = one(prod, "network:VirtualNetwork")
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.40.0.0/24"]}
    subnet = f"{vnet.id}/subnets/{SUBNET_NAME}"
    targets = {(pe.inputs["subnet"]["id"], owner(prod, c["privateLinkServiceId"]).name,
                *c["groupIds"])
               for pe in prod.of_type(f"azure-native:{ENDPOINT}")
               for c in pe.inputs["privateLinkServiceConnections"]}
    assert targets == {(subnet, "workspace", "amlworkspace"),
                       (subnet, "workspace-storage", "blob"), (subnet, "workspace-storage", "file"),
                       (subnet, "workspace-key-vault", "vault"), (subnet, "registry", "registry"),
                       (subnet, "data-storage", "blob")}


def test_each_endpoint_is_named_in_its_zones_and_each_zone_is_linked_to_the_network(
        prod: StackRun) -> None:
    zones = {z.id: z.inputs["privateZoneName"] for z in prod.of_type(f"azure-native:{ZONE}")}
    assert set(zones.values()) == {zone for group in ZONES.values() for zone in group}
    for group in prod.of_type("azure-native:network:PrivateDnsZoneGroup"):
        pe = next(e for e in prod.of_type(f"azure-native:{ENDPOINT}")
                  if e.inputs["privateEndpointName"] == group.inputs["privateEndpointName"])
        kind = pe.inputs["privateLinkServiceConnections"][0]["groupIds"][0]
        assert {zones[c["privateDnsZoneId"]] for c in group.inputs["privateDnsZoneConfigs"]} == \
            set(ZONES[kind])
    links = prod.of_type("azure-native:privatedns:VirtualNetworkLink")
    vnet = one(prod, "network:VirtualNetwork")
    assert sorted(link.inputs["privateZoneName"] for link in links) == sorted(zones.values())
    assert all(link.inputs["virtualNetwork"] == {"id": vnet.id}
               and link.inputs["registrationEnabled"] is False for link in links)


def hub_zone(zone: str) -> str:
    return f"{HUB}/privateDnsZones/{zone}"


HUB_ZONES = {zone: hub_zone(zone) for zone in
             {z for zones in ZONES.values() for z in zones}}
"""Every zone the stack's endpoints use, as a hub network holds them."""


def test_an_existing_subnet_takes_the_hubs_zones_and_links_nothing() -> None:
    run = private(subnetId=HUB_SUBNET, dnsZoneIds=HUB_ZONES)
    assert run.of_type("azure-native:network:VirtualNetwork") == []
    assert {pe.inputs["subnet"]["id"] for pe in run.of_type(f"azure-native:{ENDPOINT}")} == {
        HUB_SUBNET}
    # a second zone of a name the hub's network is linked to already would be refused
    assert run.of_type(f"azure-native:{ZONE}") == []
    assert run.of_type("azure-native:privatedns:VirtualNetworkLink") == []
    workspace_dns = one(run, "network:PrivateDnsZoneGroup", "network-pe-workspace-dns")
    assert {c["privateDnsZoneId"] for c in workspace_dns.inputs["privateDnsZoneConfigs"]} == {
        HUB_ZONES["privatelink.api.azureml.ms"], HUB_ZONES["privatelink.notebooks.azure.net"]}


def test_a_hubs_zone_given_beside_a_created_network_is_used_not_made() -> None:
    zone = "privatelink.api.azureml.ms"
    run = private(dnsZoneIds={zone: HUB_ZONES[zone]})
    made = {z.inputs["privateZoneName"] for z in run.of_type(f"azure-native:{ZONE}")}
    assert zone not in made and "privatelink.notebooks.azure.net" in made


def test_nothing_of_prod_takes_public_traffic(prod: StackRun) -> None:
    assert one(prod, "storage:StorageAccount", "workspace-storage").inputs[
        "publicNetworkAccess"] == "Disabled"
    assert one(prod, "storage:StorageAccount", "data-storage").inputs[
        "publicNetworkAccess"] == "Disabled"
    for vault in ("workspace-key-vault", "encryption-key-vault"):  # trusted services only
        properties = one(prod, "keyvault:Vault", vault).inputs["properties"]
        assert properties["publicNetworkAccess"] == "disabled", vault
        assert properties["networkAcls"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
    registry = one(prod, "containerregistry:Registry")
    assert registry.inputs["publicNetworkAccess"] == "Disabled"
    assert registry.inputs["sku"] == {"name": "Premium"}
    assert one(prod, "machinelearningservices:OnlineEndpoint").inputs["properties"][
        "publicNetworkAccess"] == "Disabled"
    for cluster in prod.of_type("azure-native:machinelearningservices:Compute"):
        assert cluster.inputs["properties"]["properties"]["enableNodePublicIp"] is False


def test_dev_stays_public_and_cheap(dev: StackRun) -> None:
    assert "managedNetwork" not in one(dev, WORKSPACE).inputs
    assert not [r for r in dev.resources.values() if r.type.startswith(
        ("azure-native:network:", "azure-native:privatedns:"))]
    assert {c.inputs["properties"]["properties"]["enableNodePublicIp"]
            for c in dev.of_type("azure-native:machinelearningservices:Compute")} == {True}


def test_the_network_picture_says_what_is_reachable_from_where(dev: StackRun,
                                                               prod: StackRun) -> None:
    def picture(run: StackRun) -> set[tuple[str, str, str]]:
        return {(p["source"], p["target"], p["how"]) for p in plan(run, PACK)["network"]}

    from_internet = {target for source, target, _ in picture(prod) if source == INTERNET}
    # Application Insights keeps its public ingestion and query (Azure Monitor Private Link
    # Scope is not in the stack: docs/guides/private-networking.md)
    assert from_internet == {"application insights appi-mlplat-prod"}
    prod_paths = picture(prod)
    assert ("virtual network vnet-mlplat-prod", "ml workspace mlw-mlplat-prod-*****",
            "private endpoint pe-mlplat-prod-workspace (amlworkspace)") in prod_paths
    assert ("virtual network vnet-mlplat-prod", "online endpoint score-prod-*****",
            "scoring through private endpoint pe-mlplat-prod-workspace") in prod_paths
    assert ("managed network of ml workspace mlw-mlplat-prod-*****", "pypi.org",
            "FQDN rule feed-0") in prod_paths
    dev_public = {target.split(" ")[0] + " " + target.split(" ")[1]
                  for source, target, _ in picture(dev) if source == INTERNET}
    assert {"ml workspace", "storage account", "key vault", "container registry",
            "online endpoint"} <= dev_public


def test_isolation_cannot_be_turned_off_and_turning_it_on_is_at_risk(dev: StackRun,
                                                                     prod: StackRun) -> None:
    public = shared_run("prod", {"network": None})
    off = day2_plan(prod, public).step("workspace")
    assert (REFUSED, "managedNetwork.isolationMode") in {
        (f.verdict, f.message.split(":")[0]) for f in off.findings}
    internet = shared_run("prod", {"network": {"isolation": "AllowInternetOutbound",
                                               "addressSpace": "10.40.0.0/24"}})
    assert REFUSED in {f.verdict for f in day2_plan(prod, internet).step("workspace").findings}
    on = day2_plan(dev, private()).step("workspace")
    assert AT_RISK in {f.verdict for f in on.findings}


NETWORK_BAD = [
    ({"network": {"uploadsFromNetwork": True}},
     ["ml-platform:registrySku = 'Basic' is not allowed with ml-platform:network", "Premium"]),
    ({**PRIVATE, "workspaceIdentity": "systemAssigned"},
     ["ml-platform:workspaceIdentity = 'systemAssigned' is not allowed with ml-platform:network",
      "userAssigned", "approver role"]),
    ({**PRIVATE, "computeClusters": []},
     ["ml-platform:computeClusters = [] is not allowed with ml-platform:network",
      "cannot build images"]),
    ({**PRIVATE, "network": {"isolation": "AllowOnlyApprovedOutbound"}},
     ["ml-platform:network.uploadsFromNetwork = false is not allowed with local models",
      "run it inside the network"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "isolation": "AllowInternetOutbound",
                             "outboundRules": [{"name": "hf", "fqdn": "huggingface.co"}]}},
     ["ml-platform:network.outboundRules[0] = 'hf' is not allowed with isolation "
      "AllowInternetOutbound", "only in AllowOnlyApprovedOutbound"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "outboundRules": [
        {"name": "two", "fqdn": "huggingface.co", "serviceTag": "AzureActiveDirectory"}]}},
     ["ml-platform:network.outboundRules[0]", "exactly one of fqdn, serviceTag or "
      "privateEndpoint"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "outboundRules": [
        {"name": "search", "privateEndpoint": SEARCH}]}},
     ["ml-platform:network.outboundRules[0].subresource is missing on a private endpoint rule",
      "private link group"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "outboundRules": [
        {"name": "feed-0", "fqdn": "example.com"}]}},
     ["ml-platform:network.outboundRules[0].name = 'feed-0' is not allowed",
      "the names of the package feed rules"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "outboundRules": [
        {"name": "data-blob", "privateEndpoint": SEARCH, "subresource": "searchService"}]}},
     ["ml-platform:network.outboundRules[0].name = 'data-blob' is not allowed",
      "the stack's own rules to the data account and the Azure ML registry"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "outboundRules": [
        {"name": "a", "fqdn": "a.example.com"}, {"name": "a", "fqdn": "b.example.com"}]}},
     ["ml-platform:network.outboundRules", "'a'"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "isolation": "Disabled"}},
     ["ml-platform:network.isolation = 'Disabled'", "AllowOnlyApprovedOutbound",
      "AllowInternetOutbound"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "addressSpace": "10.0.0.0/8"}},
     ["ml-platform:network.addressSpace = '10.0.0.0/8'"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "subnetId": "snet-ml"}},
     ["ml-platform:network.subnetId = 'snet-ml'", "a subnet id"]),
    # a hub network comes with its zones: one created beside them would be refused by Azure
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "subnetId": HUB_SUBNET,
                             "dnsZoneIds": {"privatelink.api.azureml.ms": HUB_ZONE}}},
     ["ml-platform:network.dnsZoneIds is missing with subnetId: "
      "privatelink.azurecr.io, privatelink.blob.core.windows.net",
      "privatelink.notebooks.azure.net",
      "Azure refuses a second zone of the same name"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "dnsZoneIds": {
        "privatelink.database.windows.net": hub_zone("privatelink.database.windows.net")}}},
     ["ml-platform:network.dnsZoneIds.privatelink.database.windows.net = ", "is not allowed",
      "one of the private DNS zones the private endpoints are named in",
      "privatelink.api.azureml.ms"]),
    # a registry the stack does not create has no private endpoint of the stack's
    ({**PRIVATE, "existingRegistryId": f"{SUBSCRIPTION}/resourceGroups/rg-hub/providers/"
                                       "Microsoft.ContainerRegistry/registries/crhub",
      "network": {"uploadsFromNetwork": True, "dnsZoneIds": {
          "privatelink.azurecr.io": hub_zone("privatelink.azurecr.io")}}},
     ["ml-platform:network.dnsZoneIds.privatelink.azurecr.io is not allowed",
      "a zone the stack's private endpoints use"]),
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "dnsZoneIds": {
        "privatelink.api.azureml.ms": hub_zone("privatelink.notebooks.azure.net")}}},
     ["ml-platform:network.dnsZoneIds.privatelink.api.azureml.ms = ", "is not allowed",
      "the resource id of private DNS zone privatelink.api.azureml.ms"]),
    # the approver role covers a list of target types; Data Factory needs a custom role
    ({**PRIVATE, "network": {"uploadsFromNetwork": True, "outboundRules": [
        {"name": "adf", "subresource": "dataFactory", "privateEndpoint":
         f"{SUBSCRIPTION}/resourceGroups/rg-etl/providers/Microsoft.DataFactory/factories/adf1"}]}},
     ["ml-platform:network.outboundRules[0].privateEndpoint = ", "Microsoft.DataFactory",
      "Azure AI Enterprise Network Connection Approver", "Azure AI Search",
      "custom role"]),
]


@pytest.mark.parametrize("override,words", NETWORK_BAD,
                         ids=[str(i) for i in range(len(NETWORK_BAD))])
def test_network_combinations_that_cannot_work_are_refused_in_words(override: dict[str, Any],
                                                                    words: list[str]) -> None:
    assert_refused(override, words)


def test_turning_isolation_on_provisions_the_network_before_any_compute_or_deployment(
        dev: StackRun) -> None:
    on = private()
    provisioning = one(on, "machinelearningservices:ManagedNetworkProvisioning")
    workspace = one(on, WORKSPACE)
    assert provisioning.inputs == {"workspaceId": workspace.id,
                                   "isolationMode": "AllowOnlyApprovedOutbound"}
    assert provisioning.deleted_with == workspace.urn  # nothing to delete of its own
    waiting = [r for r in on.resources.values() if provisioning.urn in r.dependencies]
    assert {r.type.rsplit(":", 1)[1] for r in waiting} == {"Compute", "OnlineDeployment",
                                                             "BatchDeployment"}
    assert {r.name for r in waiting} >= {"cluster-cpu", "endpoint-score-blue-ds2v2",
                                         "batch-score-batch-blue"}
    # dev's batch endpoint: its jobs reach the storage's queue and table through the network
    rules = workspace.inputs["managedNetwork"]["outboundRules"]
    storage = one(on, "storage:StorageAccount", "workspace-storage").id
    assert {name: (rules[name]["destination"]["serviceResourceId"],
                   rules[name]["destination"]["subresourceTarget"])
            for name in ("batch-queue", "batch-table")} == {
        "batch-queue": (storage, "queue"), "batch-table": (storage, "table")}
    # on dev, already deployed, the plan provisions it (provisionNetworkNow does nothing on an
    # existing workspace) and replaces the cluster (no public IP) after it
    plan = day2_plan(dev, on)
    order = [(s.op, s.resource.name) for s in plan.steps]
    assert ("create", "workspace-managed-network") in order
    assert order.index(("create", "workspace-managed-network")) < order.index(
        ("replace", "cluster-cpu"))
    assert dev.of_type(provisioning.type) == []  # a public workspace provisions nothing


def test_the_provisioning_call_waits_for_azure_and_says_what_failed() -> None:
    from components import arm_rest
    from components import network_provisioning as np

    class Token:
        def get_token(self, *scopes: str, claims: str | None = None,
                      tenant_id: str | None = None, enable_cae: bool = False,
                      **kwargs: Any) -> AccessToken:
            return AccessToken("t", 0)

    workspace = ("/subscriptions/s/resourceGroups/g/providers/"
                 "Microsoft.MachineLearningServices/workspaces/w")
    sent: list[tuple[str, str]] = []
    slept: list[float] = []

    def answers(*replies: tuple[int, dict[str, str], bytes]) -> arm_rest.Send:
        def send(request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
            sent.append((request.get_method(), request.full_url))
            return replies[len(sent) - 1]
        return send

    monitor = "https://management.azure.com/operations/1"
    done = np.provision(workspace, Token(), answers(
        (202, {"Azure-AsyncOperation": monitor, "Retry-After": "5"}, b""),
        (200, {"Retry-After": "5"}, b'{"status": "InProgress"}'),
        (200, {}, b'{"status": "Succeeded"}')), slept.append)
    assert done == "Succeeded" and slept == [5.0, 5.0]
    assert sent[0] == ("POST", f"https://management.azure.com{workspace}/provisionManagedNetwork"
                               f"?api-version={arm_rest.API_VERSION}")
    assert sent[1:] == [("GET", monitor), ("GET", monitor)]
    sent.clear()
    with pytest.raises(RuntimeError, match="ended Failed"):
        np.provision(workspace, Token(), answers(
            (202, {"Location": monitor}, b""), (200, {}, b'{"status": "Failed"}')),
            lambda s: None)
    sent.clear()
    with pytest.raises(RuntimeError, match=r"was refused \(403\)"):
        np.provision(workspace, Token(), answers((403, {}, b'{"error": "AuthorizationFailed"}')))
