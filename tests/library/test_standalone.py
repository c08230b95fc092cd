"""A component used on its own from another program: an endpoint against an existing workspace."""

from __future__ import annotations

import pytest

from components import WorkspaceRef
from components.blob_upload import ENTRA_BLOB
from components.testing.runner import StackRun, run_stack

from ..conftest import PROJECT_DIR, grants, one

CONSUMER = PROJECT_DIR / "samples" / "consumer"  # another team's project, as the docs show it
SHARED = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-ml-shared/providers"


@pytest.fixture(scope="module")
def run() -> StackRun:
    return run_stack("dev", project=CONSUMER)


def test_only_the_identity_the_endpoint_its_writer_and_its_grants_are_created(run: StackRun
                                                                              ) -> None:
    assert sorted(r.type for r in run.resources.values() if r.custom) == sorted(
        ["azure-native:managedidentity:UserAssignedIdentity",
         "azure-native:machinelearningservices:OnlineEndpoint",
         "azure-native:resources:Deployment"]  # writes its settings and (empty) traffic
        + ["azure-native:authorization:RoleAssignment"] * 4)


def test_endpoint_joins_the_existing_workspace(run: StackRun) -> None:
    endpoint = one(run, "machinelearningservices:OnlineEndpoint").inputs
    assert (endpoint["workspaceName"], endpoint["resourceGroupName"], endpoint["location"]) == (
        "mlw-shared", "rg-ml-shared", "westeurope")


def test_endpoint_identity_is_granted_on_the_workspace_dependents(run: StackRun) -> None:
    assert grants(run) == {
        ("id-scoring-team", "AcrPull",
         f"{SHARED}/Microsoft.ContainerRegistry/registries/crmlw-shared"),
        ("id-scoring-team", "Storage Blob Data Contributor",  # the stricter of two pages
         f"{SHARED}/Microsoft.Storage/storageAccounts/stmlw-shared"),
        ("id-scoring-team", "Key Vault Secrets User",  # the one secret its code reads
         f"{SHARED}/Microsoft.KeyVault/vaults/kv-mlw-shared/secrets/fraud-api-key"),
        ("id-scoring-team", "AzureML Metrics Writer (preview)",
         f"{SHARED}/Microsoft.MachineLearningServices/workspaces/mlw-shared"),
    }
    identity = one(run, "UserAssignedIdentity").outputs
    assert run.outputs == {"scoringUri": "https://fraud-scoring-7q2.westeurope.inference.ml.azure.com/score",
                           "clientId": identity["clientId"]}


def test_a_malformed_workspace_id_is_refused_in_words() -> None:
    with pytest.raises(ValueError, match=r"is not a Microsoft\.MachineLearningServices/workspaces "
                                         r"resource id; expected /subscriptions/"):
        WorkspaceRef.existing("mlw-shared")


def test_a_deployment_in_an_existing_workspace_finds_its_vault_and_storage() -> None:
    run = run_stack("test", project=PROJECT_DIR / "tests" / "programs" / "deployment_only")
    deployment = one(run, "machinelearningservices:OnlineDeployment")
    props = deployment.inputs["properties"]
    assert props["environmentVariables"] == {
        "AZURE_CLIENT_ID": one(run, "UserAssignedIdentity").outputs["clientId"],
        "KEY_VAULT_URL": "https://kv-mlw-shared.vault.azure.net/",
        "STORAGE_BLOB_URL": "https://stmlw-shared.blob.core.windows.net/"}
    assert props["model"] == "azureml://registries/fraud-models/models/fraud/versions/12"
    assert (props["instanceType"], deployment.inputs["sku"]["capacity"]) == ("Standard_F4s_v2", 2)
    code = one(run, "machinelearningservices:CodeVersion").inputs
    assert code["workspaceName"] == "mlw-shared"
    assert code["properties"]["codeUri"].startswith(
        "https://stmlw-shared.blob.core.windows.net/ml-assets/codes/fraud-code/")
    assert ({b.inputs["accountUrl"] for b in run.of_type(ENTRA_BLOB)}
            == {"https://stmlw-shared.blob.core.windows.net/"})
    assert run.outputs["traffic"] == {"main-f4sv2": 100}
