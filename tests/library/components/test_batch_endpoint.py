"""A batch endpoint on its own: its deployments on a cluster whose identity holds the batch data
roles, its invokers' roles, its default written after the deployments, and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_azure_native import authorization

from components import (
    BatchEndpoint,
    BatchEndpointArgs,
    BatchModelDeploymentSpec,
    ClusterRef,
    ComputeCluster,
    ComputeClusterArgs,
    ContainerRegistry,
    ContainerRegistryArgs,
    ManagedNetwork,
    OutboundRuleSpec,
    Principal,
    Workspace,
    WorkspaceArgs,
    WorkspaceRef,
)
from components.arguments import ArgumentsError
from components.azure import sources
from components.batch_endpoint import batch_endpoint_template

from ...conftest import grants
from .kit import GROUP, PLACE, STORAGE_ID, WORKSPACE_ID, existing, identity, run, waits_for

ALICE = "11111111-aaaa-4bbb-8ccc-000000000001"
MODEL = f"{GROUP}/Microsoft.MachineLearningServices/workspaces/mlw-team/models/m/versions/1"
ENV = "azureml://registries/shared/environments/batch/versions/1"
CODE = f"{GROUP}/Microsoft.MachineLearningServices/workspaces/mlw-team/codes/c/versions/1"


PLAIN = WorkspaceRef(id=WORKSPACE_ID, name="mlw-team", resource_group_name="rg-ml",
                     location="westeurope", storage_account_id=STORAGE_ID, key_vault_id="kv",
                     container_registry_id="cr")
"""A workspace given by its values (arguments are refused before any program runs)."""


def deployment(name: str, cluster: ClusterRef, **settings: Any) -> BatchModelDeploymentSpec:
    return BatchModelDeploymentSpec(name=name, model_id=MODEL, environment_id=ENV, code_id=CODE,
                                    cluster=cluster, **settings)


def spec(name: str, cluster: ClusterRef, **settings: Any) -> dict[str, Any]:
    """A deployment as the arguments take it unchecked (checked with the endpoint's)."""
    return {"name": name, "model_id": MODEL, "environment_id": ENV, "code_id": CODE,
            "cluster": cluster, **settings}


def program(default: str | None = None) -> None:
    cpu = ComputeCluster("cpu", ComputeClusterArgs(workspace=existing(), compute_name="cpu",
                                                   identity=identity(), batch_jobs=True))
    BatchEndpoint("score", BatchEndpointArgs(
        workspace=existing(), endpoint_name="score-batch", default_deployment=default,
        deployments=[deployment("blue", cpu.ref, mini_batch_size=5, output_action="SummaryOnly"),
                     deployment("green", cpu.ref)],
        invokers={"alice": Principal(ALICE, ALICE, authorization.PrincipalType.USER)}))


def test_jobs_run_as_the_cluster_identity_with_queue_and_table_roles_and_wait_for_them() -> None:
    r = run(program)
    assert {(who, role, scope.rsplit("/", 1)[1]) for who, role, scope in grants(r)} == {
        ("id-team", "AcrPull", "crmlw-team"),
        ("id-team", "Storage Blob Data Contributor", "stmlw-team"),
        ("id-team", "Storage Queue Data Contributor", "stmlw-team"),  # once for two deployments
        ("id-team", "Storage Table Data Contributor", "stmlw-team"),
        (ALICE, "AzureML Data Scientist", "mlw-team"),
        (ALICE, "Storage Blob Data Contributor", "stmlw-team")}
    assert {a.name for a in r.of_type("azure-native:authorization:RoleAssignment")
            if a.inputs["principalId"] == ALICE} == {
        "score-alice-workspace-azureml-data-scientist",
        "score-alice-storage-storage-blob-data-contributor"}
    for d in r.of_type("azure-native:machinelearningservices:BatchDeployment"):
        assert {r.resources[x].name for x in d.dependencies
                if r.resources[x].type.endswith("RoleAssignment")} == {
            "cpu-storage-storage-queue-data-contributor",
            "cpu-storage-storage-table-data-contributor"}
    assert waits_for(r, "machinelearningservices:Compute") >= {
        "cpu-storage-storage-queue-data-contributor"}


def test_the_endpoint_takes_entra_tokens_and_each_deployment_what_it_was_given() -> None:
    r = run(program)
    endpoint = r.one("machinelearningservices:BatchEndpoint")
    assert endpoint.inputs["properties"] == {"authMode": "AADToken"}
    blue = r.one("machinelearningservices:BatchDeployment", "score-blue").inputs
    cluster = r.one("machinelearningservices:Compute")
    assert blue["properties"]["compute"] == cluster.id
    assert blue["properties"]["model"] == {"assetId": MODEL, "referenceType": "Id"}
    assert blue["properties"]["codeConfiguration"] == {"codeId": CODE,
                                                      "scoringScript": "batch_driver.py"}
    assert {k: blue["properties"][k] for k in (
        "miniBatchSize", "outputAction", "retrySettings", "errorThreshold", "loggingLevel",
        "resources", "maxConcurrencyPerInstance")} == {
        "miniBatchSize": 5, "outputAction": "SummaryOnly",
        "retrySettings": {"maxRetries": 3, "timeout": "PT30S"}, "errorThreshold": -1,
        "loggingLevel": "Info", "resources": {"instanceCount": 1},
        "maxConcurrencyPerInstance": 1}
    green = r.one("machinelearningservices:BatchDeployment", "score-green").inputs
    assert green["properties"]["outputAction"] == "AppendRow"


@pytest.mark.parametrize(("default", "written"), [(None, "blue"), ("green", "green")])
def test_the_default_is_written_by_a_template_after_every_deployment(default: str | None,
                                                                    written: str) -> None:
    r = run(lambda: program(default))
    writer = r.one("resources:Deployment")
    assert writer.inputs["properties"]["parameters"]["defaultDeployment"] == {"value": written}
    assert {r.resources[d].name for d in writer.dependencies} >= {"score-blue", "score-green"}
    endpoint = r.one("machinelearningservices:BatchEndpoint")
    assert endpoint.ignore_changes == ["properties.authMode", "properties.defaults", "tags"]
    template = writer.inputs["properties"]["template"]
    assert template["resources"][0]["properties"] == {
        "authMode": "AADToken", "defaults": {"deploymentName": "[parameters('defaultDeployment')]"}}


def test_without_deployments_the_template_sets_no_default() -> None:
    assert "defaults" not in batch_endpoint_template(False)["resources"][0]["properties"]


def test_the_invoker_roles_cite_microsofts_pages() -> None:
    assert "Configure RBAC for batch endpoint invoke" in sources.BATCH_INVOKE
    assert "Parallel Run Step" in sources.BATCH_JOBS


def test_a_deployment_refuses_a_cluster_its_jobs_cannot_run_on_as_a_user_identity() -> None:
    system = ClusterRef("/x/computes/cpu", "cpu", user_assigned=False)
    unready = ClusterRef("/x/computes/gpu", "gpu", user_assigned=True)
    with pytest.raises(ArgumentsError) as refused:
        BatchEndpointArgs(workspace=PLAIN, endpoint_name="score-batch",
                          default_deployment="red",
                          deployments=[spec("blue", system), spec("blue", unready)])
    assert [p.words() for p in refused.value.problems] == [
        "deployments[1].name = 'blue' is not allowed: a value not used by another entry",
        "default_deployment = 'red' is not allowed: the name of one of deployments (blue)",
        "deployments[0].cluster = 'cpu' is not allowed: a cluster that runs as a user-assigned "
        "identity: batch jobs need the cluster to run as a user-assigned identity, the one "
        "Microsoft documents Storage Queue and Table Data Contributor for "
        "(how-to-disable-local-auth-storage, Parallel Run Step)",
        "deployments[1].cluster = 'gpu' is not allowed: a cluster made with batch_jobs=True, whose "
        "identity then holds Storage Queue and Table Data Contributor on the workspace storage"]


def test_wrong_values_are_refused_together_before_any_resource() -> None:
    ready = ClusterRef("/x/computes/cpu", "cpu", user_assigned=True, batch_grants=("g",))  # type: ignore[arg-type]
    with pytest.raises(ArgumentsError) as refused:
        BatchEndpointArgs(workspace=PLAIN, endpoint_name="b!", deployments=[
            spec("blue", ready, error_threshold=-2, output_action="Append", mini_batch_size=0)])
    assert [p.words().split(" is not allowed")[0] for p in refused.value.problems] == [
        "endpoint_name = 'b!'", "deployments[0].mini_batch_size = 0",
        "deployments[0].output_action = 'Append'", "deployments[0].error_threshold = -2"]


def test_a_cluster_refuses_batch_jobs_without_a_user_assigned_identity() -> None:
    with pytest.raises(ArgumentsError) as refused:
        ComputeClusterArgs(workspace=PLAIN, compute_name="cpu", batch_jobs=True)
    assert [p.words() for p in refused.value.problems] == [
        "batch_jobs = True is not allowed without identity: False: batch jobs need the cluster "
        "to run as a user-assigned identity, the one Microsoft documents Storage Queue and Table "
        "Data Contributor for (how-to-disable-local-auth-storage, Parallel Run Step)"]


def test_a_managed_network_for_batch_reaches_the_storage_queue_and_table_privately() -> None:
    def program() -> None:
        acr = ContainerRegistry("acr", ContainerRegistryArgs(registry_name="crteam", **PLACE))
        Workspace("ws", WorkspaceArgs(
            workspace_name="mlw-team", storage_account_name="stteam", key_vault_name="kv-team",
            application_insights_name="appi-team", log_analytics_name="log-team", registry=acr,
            identity=identity(), managed_network=ManagedNetwork(batch_storage=True), **PLACE))
    r = run(program)
    rules = r.one("machinelearningservices:Workspace").inputs["managedNetwork"]["outboundRules"]
    storage = r.one("storage:StorageAccount").id
    assert {name: (rule["destination"]["serviceResourceId"], rule["destination"][
        "subresourceTarget"]) for name, rule in rules.items() if name.startswith("batch-")} == {
        "batch-queue": (storage, "queue"), "batch-table": (storage, "table")}
    with pytest.raises(ArgumentsError) as refused:
        ManagedNetwork(batch_storage=True, outbound_rules=[
            OutboundRuleSpec(name="batch-queue", fqdn="example.com")])
    assert [p.words() for p in refused.value.problems] == [
        "outbound_rules[0].name = 'batch-queue' is not allowed: a name other than batch-queue, "
        "batch-table (the batch storage rules)"]
