"""Microsoft's other identity scenarios, each turned on by config alone (one shared run with all
of them on): private base-image registry, identity-based data, compute instances, external
workload identity, CI without secrets, several workspace identities."""

from __future__ import annotations

from typing import Any

import pytest

from components.testing.mocks import SUBSCRIPTION_ID, TENANT_ID, registry_stack
from components.testing.runner import Registration, StackRun

from ..conftest import (
    ALICE,
    FULL,
    GITHUB,
    PRIVATE,
    ROLE_ASSIGNMENT,
    SHARED,
    TEAM,
    assert_refused,
    grants,
    one,
    shared_run,
)


@pytest.fixture(scope="module")
def full() -> StackRun:
    return shared_run("dev", FULL)


def identity(run: StackRun, purpose: str) -> Registration:
    return one(run, "UserAssignedIdentity", f"{purpose}-identity")


def held_by(run: StackRun, holder: str) -> set[tuple[str, str]]:
    return {(role, scope) for who, role, scope in grants(run) if who == holder}


# --- private base-image registry ---

def test_the_pull_identity_may_pull_and_the_workspace_may_hand_it_to_image_builds(
        full: StackRun) -> None:
    assert held_by(full, "id-mlplat-dev-registry-pull") == {("AcrPull", PRIVATE)}
    assert ("Managed Identity Operator", "id-mlplat-dev-registry-pull") in held_by(
        full, "id-mlplat-dev-workspace")


def test_the_connection_names_the_registry_and_the_pull_identity(full: StackRun) -> None:
    connection = one(full, "machinelearningservices:WorkspaceConnection")
    pull = identity(full, "registry-pull").outputs
    assert connection.inputs["properties"] == {
        "authType": "ManagedIdentity", "category": "ContainerRegistry",
        "target": "https://crbaseimages.azurecr.io",
        "credentials": {"clientId": pull["clientId"],
                        "resourceId": identity(full, "registry-pull").id}}
    assert connection.inputs["workspaceName"] == "mlw-mlplat-dev-k3x9q"
    needed = {r.urn for r in full.of_type(ROLE_ASSIGNMENT)
              if r.name.startswith("private-registry-")}
    assert len(needed) == 2 and needed <= set(connection.dependencies)
    assert full.outputs["privateRegistry"]["loginServer"] == "crbaseimages.azurecr.io"


def test_clusters_pull_base_images_from_the_private_registry_as_themselves(full: StackRun) -> None:
    assert ("AcrPull", PRIVATE) in held_by(full, "id-mlplat-dev-cluster-cpu")
    cluster = one(full, "machinelearningservices:Compute", "cluster-cpu")
    grant = one(full, "authorization:RoleAssignment", "cluster-cpu-private-registry-acrpull")
    assert grant.urn in cluster.dependencies


# --- identity-based data ---

def test_the_data_account_takes_no_keys_and_its_datastore_holds_no_credentials(
        full: StackRun) -> None:
    account = one(full, "storage:StorageAccount", "data-storage")
    assert account.inputs["allowSharedKeyAccess"] is False
    assert account.inputs["allowBlobPublicAccess"] is False
    assert account.outputs["name"] == "stmlplatdevdatak3x9q"
    store = one(full, "machinelearningservices:Datastore", "data-datastore").inputs
    assert store["properties"]["credentials"] == {"credentialsType": "None"}
    assert (store["properties"]["accountName"], store["properties"]["containerName"]) == (
        account.outputs["name"], "training")
    assert one(full, "storage:BlobContainer", "data-container").urn in one(
        full, "machinelearningservices:Datastore", "data-datastore").dependencies


def test_compute_reads_the_data_container_and_waits_for_it(full: StackRun) -> None:
    container = "training"  # the container's Azure name, the scope of every data grant
    for holder, workload in (("id-mlplat-dev-cluster-cpu", "cluster-cpu"),
                             ("id-mlplat-dev-instance-alice", "instance-alice")):
        assert ("Storage Blob Data Reader", container) in held_by(full, holder)
        grant = one(full, "authorization:RoleAssignment",
                    f"{workload}-data-storage-blob-data-reader")
        assert grant.inputs["scope"] == one(full, "storage:BlobContainer", "data-container").id
        assert grant.urn in one(full, "machinelearningservices:Compute", workload).dependencies


def test_users_and_groups_read_the_data_and_work_in_the_workspace_as_themselves(
        full: StackRun) -> None:
    workspace_storage = {("Storage Blob Data Contributor", "stmlplatdevk3x9q"),
                         ("Storage File Data Privileged Contributor", "stmlplatdevk3x9q")}
    for object_id, kind in ((ALICE, "User"), (TEAM, "Group")):
        # the data, the workspace, and what code, notebooks and the studio need on its storage
        assert held_by(full, object_id) - {("AzureML Compute Operator", "alice-k3x9q")} == {
            ("Storage Blob Data Reader", "training"),
            ("AzureML Data Scientist", "mlw-mlplat-dev-k3x9q"), *workspace_storage}
        assert {a.inputs["principalType"] for a in full.of_type(ROLE_ASSIGNMENT)
                if a.inputs["principalId"] == object_id} == {kind}


def test_an_existing_data_account_is_used_in_place() -> None:
    existing = f"{SHARED}/Microsoft.Storage/storageAccounts/stlake01"
    run = shared_run("dev", {"dataStorage": {"existingId": existing, "container": "curated"},
                            "dataUsers": [{"objectId": TEAM}]})
    assert ([a.name for a in run.of_type("azure-native:storage:StorageAccount")]
            == ["workspace-storage"])
    store = one(run, "machinelearningservices:Datastore", "data-datastore").inputs["properties"]
    assert (store["accountName"], store["resourceGroup"], store["subscriptionId"]) == (
        "stlake01", "rg-shared", SUBSCRIPTION_ID)
    scope = f"{existing}/blobServices/default/containers/curated"
    assert ("Storage Blob Data Reader", scope) in held_by(run, "id-mlplat-dev-cluster-cpu")
    assert ("Storage Blob Data Reader", scope) in held_by(run, TEAM)


def test_prod_creates_its_training_data_account_protected(prod: StackRun) -> None:
    account = one(prod, "storage:StorageAccount", "data-storage")
    assert account.protect and account.retain_on_delete
    assert ("Storage Blob Data Reader", "training") in held_by(prod, "id-mlplat-prod-cluster-gpu")


# --- compute instance ---

def test_the_instance_belongs_to_one_user_runs_as_its_identity_and_shuts_down_when_idle(
        full: StackRun) -> None:
    instance = one(full, "machinelearningservices:Compute", "instance-alice")
    props = instance.inputs["properties"]
    assert props["computeType"] == "ComputeInstance" and props["disableLocalAuth"] is True
    inner = props["properties"]
    assert inner["personalComputeInstanceSettings"] == {
        "assignedUser": {"objectId": ALICE, "tenantId": TENANT_ID}}
    assert inner["sshSettings"] == {"sshPublicAccess": "Disabled"}
    assert inner["idleTimeBeforeShutdown"] == "PT30M"
    assert instance.inputs["computeName"] == "alice-k3x9q"
    assert (instance.inputs["identity"]["userAssignedIdentities"]
            == [identity(full, "instance-alice").id])


def test_the_instance_identity_holds_what_idle_shutdown_images_and_data_need(
        full: StackRun) -> None:
    assert held_by(full, "id-mlplat-dev-instance-alice") == {
        ("AcrPull", "crmlplatdevk3x9q"), ("AcrPull", PRIVATE),
        ("Storage Blob Data Contributor", "stmlplatdevk3x9q"),
        ("Storage File Data Privileged Contributor", "stmlplatdevk3x9q"),  # mounts the share
        ("Storage Blob Data Reader", "training"), ("Contributor", "mlw-mlplat-dev-k3x9q")}
    instance = one(full, "machinelearningservices:Compute", "instance-alice")
    mine = {r.urn for r in full.of_type(ROLE_ASSIGNMENT) if r.name.startswith("instance-alice-")
            and r.inputs["principalType"] == "ServicePrincipal"}
    assert len(mine) == 6 and mine <= set(instance.dependencies)


def test_the_instance_owner_starts_stops_and_opens_only_their_instance(full: StackRun) -> None:
    owner = {(r.inputs["roleDefinitionId"], r.inputs["scope"]) for r in full.of_type(
        ROLE_ASSIGNMENT) if r.name.startswith("instance-alice-") and r.inputs["principalId"] ==
        ALICE}
    instance = one(full, "machinelearningservices:Compute", "instance-alice")
    # on the instance itself; the storage roles come from the data grants (alice is a data user),
    # never twice: the same role, principal and scope twice would be one assignment in Azure
    assert [scope for _, scope in owner] == [instance.id]
    assert ("AzureML Compute Operator", "alice-k3x9q") in held_by(full, ALICE)
    alone = shared_run("dev", {"computeInstances": FULL["computeInstances"]})
    assert held_by(alone, ALICE) == {("AzureML Compute Operator", "alice-k3x9q"),
                                     ("Storage Blob Data Contributor", "stmlplatdevk3x9q"),
                                     ("Storage File Data Privileged Contributor",
                                      "stmlplatdevk3x9q")}


# --- external workload identity ---

def test_every_identity_has_one_block_of_what_an_external_service_needs(full: StackRun) -> None:
    created = {r.name.removesuffix("-identity"): r for r in full.of_type(
        "azure-native:managedidentity:UserAssignedIdentity")}
    assert set(full.outputs["identities"]) == set(created) >= {
        "workspace", "workspace-cmk", "registry-pull", "instance-alice", "automation",
        "cluster-cpu", "endpoint-score"}
    for purpose, block in full.outputs["identities"].items():
        r = created[purpose]
        assert block == {"clientId": r.outputs["clientId"], "principalId": r.outputs["principalId"],
                         "tenantId": TENANT_ID, "resourceId": r.id}


# --- deployment automation without secrets ---

def test_the_automation_identity_trusts_exactly_the_configured_ci_subjects_one_at_a_time(
        full: StackRun) -> None:
    credentials = full.of_type("azure-native:managedidentity:FederatedIdentityCredential")
    assert {(c.inputs["issuer"], c.inputs["subject"], tuple(c.inputs["audiences"]))
            for c in credentials} == {
        (GITHUB, "repo:contoso/ml:ref:refs/heads/main", ("api://AzureADTokenExchange",)),
        (GITHUB, "repo:contoso/ml:environment:prod", ("api://AzureADTokenExchange",))}
    assert {c.inputs["resourceName"] for c in credentials} == {"id-mlplat-dev-automation"}
    first, second = sorted(credentials, key=lambda c: c.name)
    assert first.urn in second.dependencies  # Entra ID refuses concurrent writes on one identity


def test_the_automation_identity_holds_only_what_shipping_models_needs(full: StackRun) -> None:
    assert held_by(full, "id-mlplat-dev-automation") == {
        ("AzureML Data Scientist", "mlw-mlplat-dev-k3x9q"),
        ("Storage Blob Data Contributor", "stmlplatdevk3x9q"),
        ("Managed Identity Operator", "id-mlplat-dev-endpoint-score"),
        # dev publishes into the shared Azure ML registry (mlRegistry.publish)
        ("AzureML Registry User", registry_stack("organization/ml-registry/shared")["registryId"])}


def test_the_ci_login_step_finds_its_ids_in_the_outputs(full: StackRun, dev: StackRun) -> None:
    assert full.outputs["automation"] == {
        "clientId": identity(full, "automation").outputs["clientId"], "tenantId": TENANT_ID,
        "subscriptionId": SUBSCRIPTION_ID}
    assert "automation" not in dev.outputs  # off unless credentials are configured


# --- several workspace identities ---

def test_the_workspace_holds_every_identity_and_the_primary_holds_the_roles(full: StackRun) -> None:
    ws = one(full, "machinelearningservices:Workspace").inputs
    primary, cmk = identity(full, "workspace"), identity(full, "workspace-cmk")
    assert ws["identity"]["userAssignedIdentities"] == [primary.id, cmk.id]
    assert ws["primaryUserAssignedIdentity"] == primary.id
    assert held_by(full, "id-mlplat-dev-workspace-cmk") == set()


def test_the_primary_can_be_any_listed_identity() -> None:
    run = shared_run("dev", {"workspaceIdentities": ["workspace", "workspace-cmk"],
                            "workspacePrimaryIdentity": "workspace-cmk"})
    ws = one(run, "machinelearningservices:Workspace").inputs
    assert ws["primaryUserAssignedIdentity"] == identity(run, "workspace-cmk").id
    assert (("Key Vault Administrator", "kv-mlplat-dev-k3x9q")
            in held_by(run, "id-mlplat-dev-workspace-cmk"))
    assert held_by(run, "id-mlplat-dev-workspace") == set()


# --- bad input ---

BAD = [
    ({"workspaceIdentities": ["workspace", "cmk"], "workspacePrimaryIdentity": "kms"},
     ["ml-platform:workspacePrimaryIdentity", "'kms'",
      "one of workspaceIdentities: workspace, cmk"]),
    ({"workspaceIdentities": ["workspace", "workspace"]},
     ["ml-platform:workspaceIdentities[1]", "'workspace'", "not used by another entry"]),
    ({"workspaceIdentities": ["workspace", "cluster-cpu"]},
     ["ml-platform:computeClusters", "'cluster-cpu'", "rename one of them"]),
    ({"workspaceIdentity": "systemAssigned", "workspaceIdentities": ["workspace", "cmk"]},
     ["ml-platform:workspaceIdentities", "unless workspaceIdentity is userAssigned"]),
    ({"dataStorage": {"create": True}, "dataUsers": [{"objectId": "alice@contoso.com"}]},
     ["ml-platform:dataUsers[0].objectId", "'alice@contoso.com'", "an Entra ID object id"]),
    ({"dataStorage": {"create": True},
      "dataUsers": [{"objectId": ALICE, "type": "ServicePrincipal"}]},
     ["ml-platform:dataUsers[0].type", "'ServicePrincipal'", "User, Group"]),
    ({"dataUsers": [{"objectId": ALICE}]},
     ["ml-platform:dataUsers", "nothing unless dataStorage is on"]),
    ({"dataStorage": {"existingId": "stlake01"}},
     ["ml-platform:dataStorage.existingId", "'stlake01'", "Microsoft.Storage/storageAccounts"]),
    ({"dataStorage": {"create": True,
                      "existingId": f"{SHARED}/Microsoft.Storage/storageAccounts/st01"}},
     ["ml-platform:dataStorage", "either create: true or existingId"]),
    ({"dataStorage": {"create": True, "container": "Training_Data"}},
     ["ml-platform:dataStorage.container", "'Training_Data'", "lowercase letters"]),
    ({"privateRegistryId": "/subscriptions/x/resourceGroups/rg/providers/"
                           "Microsoft.Storage/storageAccounts/a"},
     ["ml-platform:privateRegistryId", "Microsoft.ContainerRegistry/registries"]),
    ({"computeInstances": [{"name": "alice", "assignedUser": "alice"}]},
     ["ml-platform:computeInstances[0].assignedUser", "'alice'", "an Entra ID object id"]),
    ({"computeInstances": [{"name": "a-very-long-instance-name", "assignedUser": ALICE}]},
     ["ml-platform:computeInstances[0].name", "3-24"]),
    ({"computeInstances": [{"name": "alice", "assignedUser": ALICE,
                            "idleMinutesBeforeShutdown": 5}]},
     ["ml-platform:computeInstances[0].idleMinutesBeforeShutdown", "from 15 to 4320"]),
    ({"automationCredentials": [{"name": "github", "issuer": "http://token.example",
                                 "subject": "x"}]},
     ["ml-platform:automationCredentials[0].issuer", "'http://token.example'", "https URL"]),
    ({"automationCredentials": [{"name": "github", "issuer": GITHUB, "subject": "repo:contoso/*"}]},
     ["ml-platform:automationCredentials[0].subject", "without spaces or wildcards"]),
    ({"automationCredentials": [{"name": "gh", "issuer": GITHUB, "subject": "repo:a/b:ref:main"}]},
     ["ml-platform:automationCredentials[0].name", "'gh'", "3-120"]),
]


@pytest.mark.parametrize("override,words", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_scenario_config_is_refused_in_words_before_any_resource(override: dict[str, Any],
                                                                     words: list[str]) -> None:
    assert_refused(override, words)
