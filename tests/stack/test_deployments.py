"""Online deployments: registered assets, what a deployment waits for and is given, and traffic."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from components.assets import folder_digest
from components.blob_upload import ENTRA_BLOB
from components.endpoint import endpoint_template
from components.testing.mocks import SUBSCRIPTION_ID
from components.testing.runner import StackRun, run_stack

from ..conftest import (
    DEPLOYMENT,
    IMAGE,
    PROJECT_DIR,
    ROLE_ASSIGNMENT,
    SAMPLE,
    assert_refused,
    endpoint,
    one,
    shared_run,
)

ML = "azure-native:machinelearningservices:"
BLOB = ENTRA_BLOB


def params(run: StackRun, name: str = "endpoint-score-traffic") -> dict[str, Any]:
    inputs = one(run, "resources:Deployment", name).inputs["properties"]
    return {key: value["value"] for key, value in inputs["parameters"].items()}


ONLINE_ONLY: dict[str, Any] = {"batchEndpoints": []}
"""dev without its batch endpoint, whose assets and deployment are its own
(tests/library/components/test_batch_endpoint.py, tests/stack/test_day2.py)."""


@pytest.fixture(scope="module")
def dev() -> StackRun:
    """The dev stack's online endpoint alone."""
    return shared_run("dev", ONLINE_ONLY)


@pytest.fixture(scope="module")
def blue_green(tmp_path_factory: pytest.TempPathFactory) -> StackRun:
    """Two deployments with different models (green's has one changed weight), split 90/10."""
    green_model = tmp_path_factory.mktemp("green") / "model"
    shutil.copytree(PROJECT_DIR / SAMPLE["model"], green_model)
    (green_model / "model.json").write_text(
        (green_model / "model.json").read_text().replace("0.8", "0.9"))
    return shared_run("dev", {**ONLINE_ONLY, **endpoint(
        {"name": "blue", **SAMPLE, "traffic": 90},
        {"name": "green", **SAMPLE, "model": str(green_model), "traffic": 10})})


# --- registered assets ---

def test_the_model_folder_is_uploaded_and_registered_as_a_version_named_by_its_content(
        dev: StackRun) -> None:
    model = one(dev, "machinelearningservices:ModelVersion")
    version = folder_digest(PROJECT_DIR / "samples/score/model")
    assert (model.inputs["name"], model.inputs["version"]) == ("score-model", version)
    ws = one(dev, "machinelearningservices:Workspace").outputs["name"]
    assert model.inputs["properties"]["modelUri"] == (
        f"azureml://subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-mlplat-dev/workspaces/{ws}"
        f"/datastores/mlassets/paths/models/score-model/{version}")
    uploads = [b for b in dev.of_type(BLOB) if b.urn in model.dependencies]
    assert {b.inputs["blobName"] for b in uploads} == {f"models/score-model/{version}/model.json"}
    assert {b.inputs["container"] for b in uploads} == {"ml-assets"}


def test_the_datastore_holds_no_credentials_and_points_at_the_workspace_storage(
        dev: StackRun) -> None:
    store = one(dev, "machinelearningservices:Datastore").inputs
    assert store["name"] == "mlassets"
    assert store["properties"]["credentials"] == {"credentialsType": "None"}
    assert (store["properties"]["accountName"]
            == one(dev, "storage:StorageAccount", "workspace-storage").outputs["name"])
    assert store["properties"]["containerName"] == one(dev, "storage:BlobContainer").outputs["name"]
    assert one(dev, "storage:BlobContainer").inputs["publicAccess"] == "None"


def test_the_code_folder_is_registered_by_its_blob_url(dev: StackRun) -> None:
    code = one(dev, "machinelearningservices:CodeVersion")
    version = folder_digest(PROJECT_DIR / "samples/score/code")
    account = one(dev, "storage:StorageAccount", "workspace-storage").outputs["name"]
    assert code.inputs["properties"]["codeUri"] == (
        f"https://{account}.blob.core.windows.net/ml-assets/codes/score-code/{version}")
    uploads = {b.inputs["blobName"] for b in dev.of_type(BLOB) if b.urn in code.dependencies}
    assert uploads == {f"codes/score-code/{version}/score.py"}


def test_the_environment_is_the_base_image_plus_the_conda_file(dev: StackRun) -> None:
    env = one(dev, "machinelearningservices:EnvironmentVersion").inputs
    assert env["properties"]["image"] == IMAGE
    assert env["properties"]["condaFile"] == (
        PROJECT_DIR / "samples/score/environment/conda.yaml").read_text()
    assert env["properties"]["osType"] == "Linux"


def test_a_version_changes_exactly_when_the_content_does(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(PROJECT_DIR / "samples/score/model", folder)
    assert folder_digest(folder) == folder_digest(PROJECT_DIR / "samples/score/model")
    (folder / "model.json").write_text("{}")
    assert folder_digest(folder) != folder_digest(PROJECT_DIR / "samples/score/model")


# --- the deployment ---

def test_the_deployment_serves_the_registered_versions_on_the_endpoint(dev: StackRun) -> None:
    deployment = one(dev, "machinelearningservices:OnlineDeployment").inputs
    props = deployment["properties"]
    assert (deployment["endpointName"]
            == one(dev, "machinelearningservices:OnlineEndpoint").outputs["name"])
    assert props["endpointComputeType"] == "Managed"
    assert props["model"] == one(dev, "machinelearningservices:ModelVersion").id
    assert props["environmentId"] == one(dev, "machinelearningservices:EnvironmentVersion").id
    assert props["codeConfiguration"] == {
        "codeId": one(dev, "machinelearningservices:CodeVersion").id, "scoringScript": "score.py"}
    assert props["instanceType"] == "Standard_DS2_v2"
    assert deployment["sku"] == {"name": "Default", "capacity": 1}


def test_the_deployment_waits_for_every_grant_of_the_endpoint_identity(dev: StackRun) -> None:
    deployment = one(dev, "machinelearningservices:OnlineDeployment")
    grants = {r.urn for r in dev.of_type(ROLE_ASSIGNMENT) if r.name.startswith("endpoint-score-")}
    assert len(grants) == 4 and grants <= set(deployment.dependencies)


def test_the_deployment_waits_for_the_secret_and_blob_its_code_reads(dev: StackRun) -> None:
    deployment = one(dev, "machinelearningservices:OnlineDeployment")
    reads = {one(dev, "resources:Deployment", "sample-secret").urn,
             next(b.urn for b in dev.of_type(BLOB)
                  if b.inputs["blobName"] == "samples/score/labels.json")}
    assert reads <= set(deployment.dependencies)


def test_the_code_finds_its_identity_vault_and_storage_in_its_environment(dev: StackRun) -> None:
    variables = one(dev, "machinelearningservices:OnlineDeployment").inputs["properties"][
        "environmentVariables"]
    identity = one(dev, "UserAssignedIdentity", "endpoint-score-identity").outputs
    vault = one(dev, "keyvault:Vault").outputs
    account = one(dev, "storage:StorageAccount", "workspace-storage").outputs
    assert variables == {
        "AZURE_CLIENT_ID": identity["clientId"],
        "KEY_VAULT_URL": vault["properties"]["vaultUri"],
        "STORAGE_BLOB_URL": account["primaryEndpoints"]["blob"],
        "SECRET_NAME": one(dev, "resources:Deployment", "sample-secret").inputs["properties"][
            "parameters"]["secretName"]["value"],
        "BLOB_PATH": "ml-assets/samples/score/labels.json"}
    assert any(b.inputs["blobName"] == "samples/score/labels.json" for b in dev.of_type(BLOB))


def test_a_system_assigned_endpoint_gets_no_client_id_and_waits_for_its_one_grant() -> None:
    run = shared_run("dev", endpoint({"name": "blue", **SAMPLE, "traffic": 100},
                                    identity="systemAssigned", secrets=["sample-secret"]))
    deployment = one(run, "machinelearningservices:OnlineDeployment")
    assert "AZURE_CLIENT_ID" not in deployment.inputs["properties"]["environmentVariables"]
    grant = one(run, "authorization:RoleAssignment",
                "endpoint-score-secret-sample-secret-key-vault-secrets-user")
    assert grant.urn in deployment.dependencies
    # on the one secret, created after the template that puts it (a secret scope must exist)
    assert grant.inputs["scope"].endswith("/secrets/sample-secret")
    assert one(run, "resources:Deployment", "sample-secret").urn in grant.dependencies
    assert "identityId" not in params(run)
    template = one(run, "resources:Deployment", "endpoint-score-traffic").inputs["properties"][
        "template"]
    assert template["resources"][0]["identity"] == {"type": "SystemAssigned"}


def test_the_endpoint_is_deleted_with_its_deployments_not_after_them(dev: StackRun) -> None:
    endpoint_urn = one(dev, "machinelearningservices:OnlineEndpoint").urn
    assert one(dev, "machinelearningservices:OnlineDeployment").deleted_with == endpoint_urn
    assert one(dev, "resources:Deployment", "endpoint-score-traffic").deleted_with == endpoint_urn


# --- traffic ---

def test_traffic_is_applied_after_every_deployment_exists(blue_green: StackRun) -> None:
    traffic = one(blue_green, "resources:Deployment", "endpoint-score-traffic")
    deployments = {d.urn for d in blue_green.of_type(DEPLOYMENT)}
    assert len(deployments) == 2 and deployments <= set(traffic.dependencies)
    split = {"blue-ds2v2": 90, "green-ds2v2": 10}  # Azure names carry the instance type
    assert params(blue_green)["traffic"] == split
    assert blue_green.outputs["onlineEndpoints"]["score"]["traffic"] == split
    assert blue_green.outputs["onlineEndpoints"]["score"]["deployments"] == list(split)


def test_the_traffic_template_puts_the_same_endpoint_with_its_identity_and_settings(
        dev: StackRun) -> None:
    endpoint = one(dev, "machinelearningservices:OnlineEndpoint")
    p = params(dev)
    assert (p["workspaceName"], p["endpointName"], p["location"]) == (
        endpoint.inputs["workspaceName"], endpoint.outputs["name"], endpoint.inputs["location"])
    assert (p["authMode"], p["publicNetworkAccess"], p["tags"]) == (
        endpoint.inputs["properties"]["authMode"],
        endpoint.inputs["properties"]["publicNetworkAccess"],
        endpoint.inputs["tags"])
    assert [p["identityId"]] == endpoint.inputs["identity"]["userAssignedIdentities"]
    deployment = one(dev, "resources:Deployment", "endpoint-score-traffic").inputs["properties"]
    assert deployment["mode"] == "Incremental"
    assert deployment["template"] == endpoint_template(user_assigned=True)
    resource = deployment["template"]["resources"][0]
    assert resource["type"] == "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
    assert resource["properties"]["traffic"] == "[parameters('traffic')]"
    # What the template sets, the endpoint resource sets at creation too, except traffic; after
    # that the endpoint resource changes none of them, so an update cannot PUT stale or no
    # traffic; what is fixed at creation replaces it.
    assert set(resource["properties"]) - {"traffic"} == set(endpoint.inputs["properties"])
    # ... and traffic, which a refresh brings into its state (azure-native Read)
    assert {p.removeprefix("properties.") for p in endpoint.ignore_changes} == set(
        endpoint.inputs["properties"]) | {"tags", "traffic", "mirrorTraffic"}
    assert (endpoint.replace_on_changes, endpoint.delete_before_replace) == (
        ["identity", "properties.compute"], True)


def test_models_of_two_deployments_are_two_versions_of_one_model(blue_green: StackRun) -> None:
    models = blue_green.of_type(ML + "ModelVersion")
    assert {m.inputs["name"] for m in models} == {"score-model"} and len(models) == 2
    by_deployment = {d.inputs["deploymentName"]: d.inputs["properties"]["model"]
                     for d in blue_green.of_type(DEPLOYMENT)}
    assert by_deployment["blue-ds2v2"] != by_deployment["green-ds2v2"]
    assert set(by_deployment.values()) == {m.id for m in models}
    # identical code and environment are registered once and shared
    assert len(blue_green.of_type(ML + "CodeVersion")) == 1
    assert len(blue_green.of_type(ML + "EnvironmentVersion")) == 1


def test_an_endpoint_without_deployments_still_works(prod: StackRun) -> None:
    assert prod.of_type(DEPLOYMENT) == []
    assert params(prod)["traffic"] == {}  # the one writer of settings and traffic is still there
    assert prod.of_type(ML + "ModelVersion") == []
    assert len(prod.of_type(ML + "OnlineEndpoint")) == 1
    score = prod.outputs["onlineEndpoints"]["score"]
    assert (score["deployments"], score["traffic"]) == ([], {})
    assert score["scoringUri"].endswith("/score")


def test_a_registered_model_and_environment_are_used_as_given() -> None:
    model = "azureml://registries/azureml/models/sample-model/versions/3"
    env = "azureml://registries/azureml/environments/sklearn-1.5/versions/1"
    run = shared_run("dev", {**ONLINE_ONLY, **endpoint(
        {"name": "blue", **SAMPLE, "model": model, "environment": env, "traffic": 100})})
    props = one(run, "machinelearningservices:OnlineDeployment").inputs["properties"]
    assert (props["model"], props["environmentId"]) == (model, env)
    assert run.of_type(ML + "ModelVersion") == [] and run.of_type(ML + "EnvironmentVersion") == []


def test_all_zero_traffic_is_allowed() -> None:
    run = shared_run("dev", endpoint({"name": "blue", **SAMPLE}, {"name": "green", **SAMPLE}))
    # the writer names only deployments that get traffic: none here
    assert params(run)["traffic"] == {}
    assert run.outputs["onlineEndpoints"]["score"]["traffic"] == {"blue-ds2v2": 0,
                                                                 "green-ds2v2": 0}


BAD = [
    (endpoint({"name": "blue", **SAMPLE, "traffic": 60},
              {"name": "green", **SAMPLE, "traffic": 30}),
     ["ml-platform:onlineEndpoints[0].deployments", "'blue=60, green=30'", "sum to 100",
      "these sum to 90"]),
    (endpoint({"name": "blue", **SAMPLE, "traffic": 100},
              {"name": "green", **SAMPLE, "traffic": 10}),
     ["'blue=100, green=10'", "these sum to 110"]),
    (endpoint({"name": "blue", **SAMPLE, "traffic": -10}),
     ["ml-platform:onlineEndpoints[0].deployments[0].traffic", "-10", "from 0 to 100"]),
    (endpoint({"name": "blue", **SAMPLE, "traffic": 150}),
     ["deployments[0].traffic", "150", "from 0 to 100"]),
    (endpoint({"name": "blue", **SAMPLE, "traffic": "all"}),
     ["deployments[0].traffic", "'all'", "a whole number from 0 to 100"]),
    (endpoint({"name": "blue", **SAMPLE, "traffic": 50}, {"name": "Blue", **SAMPLE, "traffic": 50}),
     ["deployments[1].name", "'Blue'", "not used by another entry"]),
    (endpoint({"name": "b", **SAMPLE, "traffic": 100}),
     ["deployments[0].name", "'b'", "3-32 characters"]),
    (endpoint({"name": "blue", **SAMPLE, "model": "samples/score/missing", "traffic": 100}),
     ["deployments[0].model", "'samples/score/missing'", "a folder of the project",
      "azureml:// URI"]),
    (endpoint({"name": "blue", **SAMPLE, "scoringScript": "main.py", "traffic": 100}),
     ["deployments[0].scoringScript", "'main.py'", "exists in samples/score/code"]),
    (endpoint({"name": "blue", **SAMPLE, "environment": {"image": "python:latest"},
               "traffic": 100}),
     ["deployments[0].environment.image", "'python:latest'", "registry and tag"]),
    (endpoint({"name": "blue", **SAMPLE, "traffic": 100,
               "environmentVariables": {"AZURE_CLIENT_ID": "x"}}),
     ["deployments[0].environmentVariables.AZURE_CLIENT_ID", "the endpoint sets"]),
    (endpoint({"name": "blue", **SAMPLE, "traffic": 100, "instanceCount": 0}),
     ["deployments[0].instanceCount", "from 1 to 100"]),
    (endpoint({"name": "blue", **SAMPLE, "traffic": 100, "replicas": 2}),
     ["deployments[0].replicas", "is not a setting", "instanceCount"]),
]


@pytest.mark.parametrize("override,words", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_deployments_are_refused_in_words_before_any_resource(override: dict[str, Any],
                                                                  words: list[str]) -> None:
    assert_refused(override, words)


def test_model_paths_are_the_projects_not_the_callers(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # the CLI runs the program in the project directory; so does the runner
    monkeypatch.chdir(tmp_path)
    assert len(run_stack("dev", project=PROJECT_DIR).of_type(DEPLOYMENT)) == 1
    assert Path.cwd() == tmp_path
