"""The offline preview (the quick start's main command) and the role helper's guards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.azure.roles import assignment_name, role_definition_id
from components.azure.sources import WORKSPACE_IDENTITY
from components.testing.runner import StackRun
from offline.__main__ import main
from offline.columns import WIDTH
from offline.exits import USAGE
from offline.report import access_matrix, markdown, plan, shown, text

from ..conftest import PACK, ROLE_ASSIGNMENT, shared_run

S = "*****"
SYSTEM_ASSIGNED = {"workspaceIdentity": "systemAssigned",
                   "computeClusters": [{"name": "cpu", "identity": "systemAssigned"}],
                   "onlineEndpoints": [{"name": "score", "identity": "systemAssigned"}],
                   "batchEndpoints": []}  # a batch cluster runs as a user-assigned identity

RG = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-mlplat-dev"


@pytest.mark.usefixtures("tools_share_runs")
def test_preview_prints_resources_access_and_outputs(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    out_file = tmp_path / "dev.json"
    assert main(["dev", "--json", str(out_file)]) == 0
    printed = capsys.readouterr().out
    for words in ("RESOURCES", "ACCESS", "OUTPUTS", "mlw-mlplat-dev-*****", "stmlplatdev*****",
                  "    machinelearningservices:Workspace  workspace -> mlw-mlplat-dev-*****\n"
                  "        waits for 6 role assignments; sku: Basic; public network: Enabled",
                  "STARTS AFTER",
                  "  endpoint-score-blue-ds2v2 (machinelearningservices:OnlineDeployment):\n"
                  "    AcrPull on container registry crmlplatdev***** "
                  "(id-mlplat-dev-endpoint-score)",
                  "  id-mlplat-dev-endpoint-score\n    AcrPull                           "
                  "container registry crmlplatdev*****\n",
                  "scoringUri: (known after deploy)", "tenantId: (from your Azure login)",
                  "    machinelearningservices:BatchEndpoint  batch-score-batch -> "
                  "score-batch-dev-*****\n        auth: AADToken",
                  "  batch-score-batch-blue (machinelearningservices:BatchDeployment):\n"
                  "    Storage Queue Data Contributor on storage account stmlplatdev***** "
                  "(id-mlplat-dev-cluster-cpu)"):
        assert words in printed
    assert max(len(line) for line in printed.splitlines()) <= WIDTH
    written = json.loads(out_file.read_text())
    # 14, dev's cluster and endpoint on the shared Azure ML registry, the batch cluster's two
    assert len(written["grants"]) == 14 + 2 + 2 and written["stack"] == "dev"


def test_preview_of_a_bad_stack_fails_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-stack"]) == USAGE
    assert "no stack file Pulumi.no-such-stack.yaml; stacks: " in capsys.readouterr().err


def test_access_matrix_names_system_assigned_principals(dev: StackRun) -> None:
    rows = access_matrix(dev)
    assert {"principal": "id-mlplat-dev-workspace", "role": "Contributor",
            "scope": "ml workspace mlw-mlplat-dev-*****",
            "principalType": "ServicePrincipal", "grantedBy": "stack",
            "source": WORKSPACE_IDENTITY} in rows


def test_plan_hides_what_azure_computes(dev: StackRun) -> None:
    p = plan(dev, PACK)
    assert p["outputs"]["workspaceId"] == "(known after deploy)"
    assert {r["azureName"] for r in p["resources"] if r["type"].endswith("StorageAccount")} == {
        "stmlplatdev*****"}
    assert shown("plain", {}) == "plain"


def test_role_helper_refuses_privileged_roles_on_groups_and_subscriptions() -> None:
    for role in ("Owner", "Contributor", "User Access Administrator"):
        for scope in (RG, "/subscriptions/00000000-0000-4000-8000-000000000001"):
            with pytest.raises(ValueError, match=f"refusing to grant {role}"):
                assignment_name(scope, "p", role)
    assert assignment_name(RG + "/providers/Microsoft.Storage/storageAccounts/st1", "p",
                           "Contributor")


def test_assignment_names_differ_by_role_principal_and_scope() -> None:
    scope = RG + "/providers/Microsoft.Storage/storageAccounts/st1"
    names = {assignment_name(scope, "p", "AcrPull"), assignment_name(scope, "q", "AcrPull"),
             assignment_name(scope + "x", "p", "AcrPull"), assignment_name(scope, "p", "Reader")}
    assert len(names) == 4
    assert assignment_name(scope.upper(), "P", "AcrPull") == assignment_name(scope, "p", "AcrPull")


def test_role_definition_id_is_in_the_scope_subscription() -> None:
    assert role_definition_id(RG, "AcrPull") == (
        "/subscriptions/00000000-0000-4000-8000-000000000001/providers/Microsoft.Authorization/"
        "roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d")
    with pytest.raises(ValueError, match="not an Azure resource id under a subscription"):
        role_definition_id("st1", "AcrPull")


def test_preview_shows_what_each_resource_costs_and_opens(dev: StackRun) -> None:
    by_name = {r["name"]: r["settings"] for r in plan(dev, PACK)["resources"]}
    assert by_name["registry"] == {"sku": "Basic", "admin user": "false", "anonymous pull": "false",
                                   "public network": "Enabled", "zone redundancy": "Disabled"}
    assert by_name["workspace-storage"]["shared keys"] == "false"
    # left out by the program: Azure's default shows, marked, so an open default is not missed
    assert by_name["workspace-key-vault"]["purge protection"] == "false (Azure's default)"
    assert by_name["cluster-cpu"].items() >= {"vm size": "Standard_DS3_v2",
                                              "priority": "LowPriority", "max nodes": "2"}.items()
    assert by_name["endpoint-score"] == {"auth": "AADToken", "public network": "Enabled"}
    assert by_name["endpoint-score-blue-ds2v2"] == {"instance type": "Standard_DS2_v2",
                                                    "instances": "1"}


def test_roles_azure_grants_itself_are_shown_and_labelled() -> None:
    run = shared_run("dev", SYSTEM_ASSIGNED)
    p = plan(run, PACK)
    azure = {(g["principal"], g["role"], g["scope"]) for g in p["grants"]
             if g["grantedBy"] == "Azure"}
    endpoint, cluster = f"score-dev-{S} (online endpoint, system-assigned)", \
        "cpu (compute cluster, system-assigned)"
    assert azure == {
        (endpoint, "AcrPull", f"container registry crmlplatdev{S}"),
        (endpoint, "Storage Blob Data Contributor", f"storage account stmlplatdev{S}"),
        (endpoint, "AzureML Metrics Writer (preview)", f"ml workspace mlw-mlplat-dev-{S}"),
        (cluster, "AcrPull", f"container registry crmlplatdev{S}"),
        (f"mlw-mlplat-dev-{S} (ml workspace, system-assigned)", "Azure AI Administrator",
         "resource group rg-mlplat-dev")}
    # none of them is a role assignment of the stack (Azure would refuse the duplicate: 409)
    assert len(p["grants"]) - len(azure) == len(run.of_type(ROLE_ASSIGNMENT))
    printed = text(p)
    assert "    Azure AI Administrator            resource group rg-mlplat-dev (Azure's own)" \
        in printed
    # the cluster's data role, the deployer's upload role, and the cluster's and the endpoint's
    # roles on the shared Azure ML registry
    assert "4 role assignments.\nAzure grants the system-assigned identities 5 more roles" \
        in printed
    assert "AcrPull (Azure's own)" in markdown(p)
