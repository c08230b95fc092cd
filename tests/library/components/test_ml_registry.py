"""The Azure ML registry on its own: what a created one sends, that an existing one is only
granted on, who gets which role, and the arguments and asset ids it refuses."""

from __future__ import annotations

import pytest
from pulumi_azure_native import authorization

from components import MlRegistry, MlRegistryArgs, Principal
from components.arguments import ArgumentsError
from components.ml_registry import ML_REGISTRY, registry_asset_problem, registry_of

from ...conftest import grants
from .kit import GROUP, identity, run

EXISTING = f"{GROUP}/Microsoft.MachineLearningServices/registries/mlreg-shared"
PEOPLE = Principal("data-scientists", "33333333-aaaa-4bbb-8ccc-000000000003",
                   authorization.PrincipalType.GROUP)


def test_a_created_registry_is_system_assigned_with_private_blobs_in_every_region() -> None:
    r = run(lambda: MlRegistry("registry", MlRegistryArgs(
        registry_name="mlreg-shared", resource_group_name="rg-ml", location="westeurope",
        replication_locations=("northeurope",), storage_account_type="Standard_ZRS")))
    registry = r.one(ML_REGISTRY).inputs
    assert registry["identity"]["type"] == "SystemAssigned"
    assert [region["location"] for region in registry["regionDetails"]] == [
        "westeurope", "northeurope"]  # the primary region is one of the regions
    for region in registry["regionDetails"]:
        storage = region["storageAccountDetails"][0]["systemCreatedStorageAccount"]
        assert storage == {"storageAccountType": "Standard_ZRS", "allowBlobPublicAccess": False,
                           "storageAccountHnsEnabled": False}
        assert region["acrDetails"][0]["systemCreatedAcrAccount"] == {"acrAccountSku": "Premium"}
    assert registry["publicNetworkAccess"] == "Enabled"


def test_publishers_get_registry_user_and_consumers_reader_on_the_registry() -> None:
    def program() -> None:
        MlRegistry("registry", MlRegistryArgs(
            existing_id=EXISTING, publishers={"ci": identity("id-ci").principal},
            consumers={"people": PEOPLE},
            workload_consumers={"endpoint": identity("id-endpoint").principal}))
    r = run(program)
    assert r.of_type(ML_REGISTRY) == []  # an existing registry is only granted on
    assert grants(r) == {("id-ci", "AzureML Registry User", EXISTING),
                         (PEOPLE.id, "Reader", EXISTING),
                         ("id-endpoint", "Reader", EXISTING)}
    sources = {a.name: a for a in r.of_type("azure-native:authorization:RoleAssignment")}
    assert sources["registry-people-reader"].inputs["principalType"] == "Group"


def test_the_grants_on_a_created_registry_wait_for_it() -> None:
    r = run(lambda: MlRegistry("registry", MlRegistryArgs(
        registry_name="mlreg-shared", resource_group_name="rg-ml", location="westeurope",
        publishers={"people": PEOPLE})))
    registry = r.one(ML_REGISTRY)
    assignment = r.one("azure-native:authorization:RoleAssignment")
    assert registry.urn in assignment.dependencies
    assert assignment.inputs["scope"] == registry.id


def test_bad_arguments_are_refused_together_in_words() -> None:
    with pytest.raises(ArgumentsError) as refused:
        MlRegistryArgs(registry_name="-bad", location="westeurop",
                       replication_locations=("westeurope", "westeurope"),
                       publishers={"Ci": PEOPLE}, consumers={"people": PEOPLE},
                       workload_consumers={"people": PEOPLE})
    text = str(refused.value)
    for words in ("registry_name = '-bad'", "resource_group_name is missing",
                  "location = 'westeurop'", "did you mean westeurope",
                  "replication_locations[1] = 'westeurope'", "publishers.Ci = 'Ci'",
                  "workload_consumers.people = 'people'"):
        assert words in text


def test_an_existing_registry_takes_no_settings_of_a_created_one() -> None:
    with pytest.raises(ArgumentsError, match=r"location = 'westeurope' is not allowed with "
                                             r"existing_id: nothing"):
        MlRegistryArgs(existing_id=EXISTING, location="westeurope")
    with pytest.raises(ArgumentsError, match="a ml registry resource id") as wrong_id:
        MlRegistryArgs(existing_id=f"{GROUP}/Microsoft.ContainerRegistry/registries/crx")
    assert "location is missing" not in str(wrong_id.value)  # a registry to use, not to create


@pytest.mark.parametrize(("asset_id", "words"), [
    ("azureml://registries/mlreg-shared/models/score/versions/3", None),
    ("azureml://registries/mlreg-shared/models/score/versions/2024.06.1", None),
    ("azureml://registries/mlreg-shared/models/score", "a registry model id: azureml://"),
    ("azureml://registries/mlreg-shared/environments/score/versions/3", "it names environments"),
    ("azureml://registries/-x/models/score/versions/3", "its registry is not a registry name"),
    ("azureml://registries/mlreg-shared/models/score/versions/@latest",
     "its version is not a version"),
    ("azureml:score:3", "a registry model id"),
])
def test_registry_model_ids_are_checked_in_words(asset_id: str, words: str | None) -> None:
    problem = registry_asset_problem(asset_id, "models")
    assert (problem is None) if words is None else (words in str(problem))


def test_the_registry_of_an_asset_id() -> None:
    assert registry_of("azureml://registries/mlreg-shared/environments/e/versions/1") == \
        "mlreg-shared"
    assert registry_of("azureml:score:3") is None
