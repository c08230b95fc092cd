"""Each component on its own, in a program of a few lines, with the testing kit: what it creates,
the roles its identity gets on which scope, and what waits for them."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pytest

from components import (
    AssetStore,
    AssetStoreArgs,
    AutomationIdentity,
    AutomationIdentityArgs,
    ComputeCluster,
    ComputeClusterArgs,
    ComputeInstance,
    ComputeInstanceArgs,
    ContainerRegistry,
    ContainerRegistryArgs,
    DataStorage,
    DataStorageArgs,
    DataUser,
    FederatedCredential,
    ManagedIdentity,
    ManagedIdentityArgs,
    Principal,
    PrivateRegistryAccess,
    PrivateRegistryAccessArgs,
    Workspace,
    WorkspaceArgs,
    WorkspaceRef,
    grant,
    vault_secret,
)
from components.blob_upload import ENTRA_BLOB
from components.propagation import ROLE_PROPAGATION_HOOK
from components.testing import StackRun, run_program
from components.testing.mocks import SUBSCRIPTION_ID

from ..conftest import PROJECT_DIR, grants

GROUP = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ml/providers"
WORKSPACE_ID = f"{GROUP}/Microsoft.MachineLearningServices/workspaces/mlw-team"
STORAGE_ID = f"{GROUP}/Microsoft.Storage/storageAccounts/stmlw-team"
PLACE = {"resource_group_name": "rg-ml", "location": "westeurope"}


def run(program: Callable[[], object]) -> StackRun:
    return run_program(program, "library", "test", {})


def identity(name: str = "id-team") -> ManagedIdentity:
    return ManagedIdentity(name, ManagedIdentityArgs(identity_name=name, **PLACE))


def existing() -> WorkspaceRef:
    return WorkspaceRef.existing(WORKSPACE_ID)


def waits_for(run_: StackRun, resource_type: str) -> set[str]:
    """Roles (by assignment name) the one resource of ``resource_type`` is created after."""
    r = run_.one(resource_type)
    assert r.error_hooks == [ROLE_PROPAGATION_HOOK]  # and retries while they take effect
    return {run_.resources[d].name for d in r.dependencies
            if run_.resources[d].type.endswith("RoleAssignment")}


def test_an_identity_is_a_principal_role_assignments_can_name() -> None:
    def program() -> None:
        me = identity()
        assert isinstance(me.principal, Principal)
        grant(me, "me-vault", me.principal, "Key Vault Secrets User",
              f"{GROUP}/Microsoft.KeyVault/vaults/kv")
    r = run(program)
    assignment = r.one("RoleAssignment").inputs
    assert assignment["principalId"] == r.one("UserAssignedIdentity").outputs["principalId"]
    assert assignment["principalType"] == "ServicePrincipal"


def test_grant_refuses_unknown_and_privileged_group_roles() -> None:
    with pytest.raises(ValueError, match="unknown built-in role 'Superuser'"):
        run(lambda: grant(identity(), "x", identity("id-b").principal, "Superuser", GROUP))
    with pytest.raises(ValueError, match="refusing to grant Owner"):
        run(lambda: grant(identity(), "x", identity("id-b").principal, "Owner",
                          f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ml"))


def test_a_registry_has_no_admin_user_and_an_existing_one_is_only_referenced() -> None:
    created = run(lambda: ContainerRegistry("acr", ContainerRegistryArgs(registry_name="crteam",
                                                                          **PLACE)))
    acr = created.one("containerregistry:Registry").inputs
    assert (acr["adminUserEnabled"], acr["anonymousPullEnabled"]) == (False, False)
    referenced = run(lambda: ContainerRegistry("acr", ContainerRegistryArgs(
        existing_id=f"{GROUP}/Microsoft.ContainerRegistry/registries/crshared", **PLACE)))
    assert referenced.of_type("azure-native:containerregistry:Registry") == []


def workspace(user: bool, protect: bool = False) -> Callable[[], object]:
    def program() -> None:
        acr = ContainerRegistry("acr", ContainerRegistryArgs(registry_name="crteam", **PLACE))
        Workspace("ws", WorkspaceArgs(
            workspace_name="mlw-team", storage_account_name="stteam", key_vault_name="kv-team",
            application_insights_name="appi-team", log_analytics_name="log-team", registry=acr,
            identity=identity() if user else None, protect=protect, **PLACE))
    return program


def test_a_workspace_identity_holds_microsofts_table_and_the_workspace_waits_for_it() -> None:
    r = run(workspace(user=True))
    assert grants(r) == {("id-team", role, scope) for role, scope in (
        ("Contributor", "mlw-team"), ("Contributor", "stteam"),
        ("Storage Blob Data Contributor", "stteam"), ("Contributor", "kv-team"),
        ("Key Vault Administrator", "kv-team"), ("Contributor", "crteam"),
        ("Contributor", "appi-team"))}
    assert waits_for(r, "machinelearningservices:Workspace") == {
        "ws-storage-contributor", "ws-storage-storage-blob-data-contributor",
        "ws-key-vault-contributor", "ws-key-vault-key-vault-administrator",
        "ws-registry-contributor", "ws-insights-contributor"}


def test_a_system_assigned_workspace_is_granted_nothing_and_protect_keeps_its_data() -> None:
    r = run(workspace(user=False, protect=True))
    assert grants(r) == set()
    kept = {x.name for x in r.resources.values() if x.protect and x.retain_on_delete}
    assert kept == {"ws", "ws-storage", "ws-blob-service", "ws-key-vault", "ws-logs"}


def test_a_cluster_alone_pulls_and_reads_as_its_identity_and_is_replaced_on_its_size() -> None:
    r = run(lambda: ComputeCluster("train", ComputeClusterArgs(
        workspace=existing(), compute_name="train", identity=identity())))
    assert {(role, scope.rsplit("/", 1)[1]) for _, role, scope in grants(r)} == {
        ("AcrPull", "crmlw-team"), ("Storage Blob Data Contributor", "stmlw-team")}
    assert waits_for(r, "machinelearningservices:Compute") == {
        "train-registry-acrpull", "train-storage-storage-blob-data-contributor"}
    compute = r.one("machinelearningservices:Compute")
    assert (compute.replace_on_changes, compute.delete_before_replace) == (
        ["properties.properties.vmSize", "properties.properties.vmPriority",
         "properties.properties.enableNodePublicIp"], True)


def test_a_system_assigned_cluster_gets_only_the_data_role_azure_does_not_grant() -> None:
    r = run(lambda: ComputeCluster("train", ComputeClusterArgs(workspace=existing(),
                                                               compute_name="train")))
    assert [(role) for _, role, _ in grants(r)] == ["Storage Blob Data Contributor"]


def test_an_instance_belongs_to_one_user_and_its_identity_can_shut_it_down() -> None:
    r = run(lambda: ComputeInstance("alice", ComputeInstanceArgs(
        workspace=existing(), compute_name="alice-x1", identity=identity(),
        assigned_user_object_id="11111111-aaaa-4bbb-8ccc-000000000001",
        assigned_user_tenant_id="t")))
    alice = "11111111-aaaa-4bbb-8ccc-000000000001"
    assert grants(r) == {
        ("id-team", "AcrPull", f"{GROUP}/Microsoft.ContainerRegistry/registries/crmlw-team"),
        ("id-team", "Storage Blob Data Contributor", STORAGE_ID),
        ("id-team", "Contributor", WORKSPACE_ID),  # idle shutdown acts as the identity
        # it mounts the file share as itself (keyless page, Limitations)
        ("id-team", "Storage File Data Privileged Contributor", STORAGE_ID),
        # the owner starts, stops and opens this instance only, and works on the storage as self
        (alice, "AzureML Compute Operator", "alice-x1"),
        (alice, "Storage Blob Data Contributor", STORAGE_ID),
        (alice, "Storage File Data Privileged Contributor", STORAGE_ID)}
    assert {a.inputs["principalType"] for a in r.of_type(
        "azure-native:authorization:RoleAssignment") if a.inputs["principalId"] == alice} == {
        "User"}
    props = r.one("machinelearningservices:Compute").inputs["properties"]["properties"]
    assert props["computeInstanceAuthorizationType"] == "personal"
    assert props["sshSettings"] == {"sshPublicAccess": "Disabled"}
    assert len(waits_for(r, "machinelearningservices:Compute")) == 4


def test_assets_are_versions_named_by_content_and_never_updated() -> None:
    def program() -> None:
        store = AssetStore("assets", AssetStoreArgs(workspace=existing()))
        store.model("m", PROJECT_DIR / "samples/score/model")
        store.model("m", PROJECT_DIR / "samples/score/model")  # the same content: registered once
    r = run(program)
    model = r.one("machinelearningservices:ModelVersion")
    assert model.ignore_changes == ["properties.tags", "properties.description"]
    assert r.one("machinelearningservices:Datastore").inputs["properties"]["credentials"] == {
        "credentialsType": "None"}


def test_data_storage_takes_no_keys_and_users_read_the_container_as_themselves() -> None:
    def program() -> None:
        ws = existing()
        DataStorage("data", DataStorageArgs(
            resource_group_name=ws.resource_group_name, location=ws.location,
            account_name="stdata", container_name="training")).attach(
            ws, [DataUser(object_id="22222222-aaaa-4bbb-8ccc-000000000002", type="Group")])
    r = run(program)
    assert r.one("storage:StorageAccount").inputs["allowSharedKeyAccess"] is False
    roles = {(a.inputs["principalType"], a.name) for a in r.of_type(
        "azure-native:authorization:RoleAssignment")}
    group = "data-group-22222222-aaaa-4bbb-8ccc-000000000002"
    assert roles == {("Group", f"{group}-data-storage-blob-data-reader"),
                     ("Group", f"{group}-workspace-azureml-data-scientist"),
                     # submitting code and notebooks on a workspace whose storage takes no keys
                     ("Group", f"{group}-workspace-storage-storage-blob-data-contributor"),
                     ("Group", f"{group}-workspace-storage-storage-file-data-privileged-"
                               "contributor")}


def test_a_private_registry_connection_waits_for_the_pull_and_the_assign_grants() -> None:
    def program() -> None:
        ws_identity = identity("id-ws")
        PrivateRegistryAccess("private", PrivateRegistryAccessArgs(
            workspace=existing(), workspace_principal=ws_identity.principal,
            registry_id=f"{GROUP}/Microsoft.ContainerRegistry/registries/crbase",
            identity=identity("id-pull")))
    r = run(program)
    assert {(who, role) for who, role, _ in grants(r)} == {
        ("id-pull", "AcrPull"), ("id-ws", "Managed Identity Operator")}
    assert len(waits_for(r, "machinelearningservices:WorkspaceConnection")) == 2


def test_federated_credentials_are_written_one_at_a_time() -> None:
    r = run(lambda: AutomationIdentity("ci", AutomationIdentityArgs(
        workspace=existing(), identity=identity("id-ci"), credentials=[
            FederatedCredential(name="abc", issuer="https://token.actions.githubusercontent.com",
                                subject="repo:o/r:ref:x"),
            FederatedCredential(name="bcd", issuer="https://token.actions.githubusercontent.com",
                                subject="repo:o/r:ref:y")])))
    first, second = r.of_type("azure-native:managedidentity:FederatedIdentityCredential")
    assert first.urn in second.dependencies


def test_a_secret_is_put_through_arm_with_its_value_kept_out_of_the_history() -> None:
    def program() -> None:
        vault_secret("s", key_vault_id=f"{GROUP}/Microsoft.KeyVault/vaults/kv-team",
                     secret_name="api-key", value=pulumi.Output.secret("not-real"))
    props = run(program).one("resources:Deployment").inputs["properties"]
    assert props["template"]["parameters"]["value"] == {"type": "secureString"}
    assert props["template"]["resources"][0]["type"] == "Microsoft.KeyVault/vaults/secrets"
    assert props["parameters"]["vaultName"] == {"value": "kv-team"}


def test_a_registry_in_another_subscription_is_read_in_its_own() -> None:
    other = ("/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-images/"
             "providers/Microsoft.ContainerRegistry/registries/crimages")
    r = run(lambda: ContainerRegistry("registry", ContainerRegistryArgs(
        resource_group_name="rg-ml", location="westeurope", existing_id=other)))
    provider = r.one("pulumi:providers:azure-native")
    assert provider.inputs["subscriptionId"] == "22222222-2222-4222-8222-222222222222"
    assert r.of_type("azure-native:containerregistry:Registry") == []


def test_uploads_go_in_with_entra_id_and_an_earlier_key_based_blob_is_replaced_first() -> None:
    r = run(lambda: AssetStore("assets", AssetStoreArgs(workspace=existing(), protect=True))
            .upload_file("data/labels.json", PROJECT_DIR / "samples/score/data/labels.json"))
    [blob] = r.of_type(ENTRA_BLOB)
    assert blob.inputs["accountUrl"] == "https://stmlw-team.blob.core.windows.net/"
    assert (blob.inputs["container"], blob.inputs["blobName"]) == ("ml-assets", "data/labels.json")
    assert len(blob.inputs["sha256"]) == 64
    assert blob.aliases == [blob.urn.replace(ENTRA_BLOB, "azure-native:storage:Blob")]
    assert blob.delete_before_replace and blob.retain_on_delete  # protect: kept with its data
    assert blob.deleted_with == r.one("storage:BlobContainer").urn
    assert blob.error_hooks == [ROLE_PROPAGATION_HOOK]  # a fresh data role is waited for
