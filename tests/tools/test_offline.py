"""The offline preview (the README's main command) and the role helper's guards."""

from __future__ import annotations

import json

import pytest

from components.azure.roles import assignment_name, role_definition_id
from offline.__main__ import main
from offline.exits import USAGE
from offline.report import access_matrix, plan, shown

from ..conftest import PACK

RG = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-mlplat-dev"


def test_preview_prints_resources_access_and_outputs(capsys, tmp_path):
    out_file = tmp_path / "dev.json"
    assert main(["dev", "--json", str(out_file)]) == 0
    printed = capsys.readouterr().out
    for words in ("RESOURCES", "ACCESS", "OUTPUTS", "mlw-mlplat-dev-*****", "stmlplatdev*****",
                  "[waits for 6 role assignments]",
                  "STARTS AFTER",
                  "  endpoint-score-blue-ds2v2 (machinelearningservices:OnlineDeployment):\n"
                  "    AcrPull on container registry crmlplatdev***** "
                  "(id-mlplat-dev-endpoint-score)",
                  "id-mlplat-dev-endpoint-score  Key Vault Secrets User            key vault "
                  "kv-mlplat-dev-*****",
                  "scoringUri: (known after deploy)", "tenantId: (from your Azure login)"):
        assert words in printed
    written = json.loads(out_file.read_text())
    assert len(written["grants"]) == 13 and written["stack"] == "dev"


def test_preview_of_a_bad_stack_fails_in_words(capsys):
    assert main(["staging"]) == USAGE
    assert "no stack file Pulumi.staging.yaml; stacks: " in capsys.readouterr().err


def test_access_matrix_names_system_assigned_principals(dev):
    rows = access_matrix(dev)
    assert {"principal": "id-mlplat-dev-workspace", "role": "Contributor",
            "scope": "ml workspace mlw-mlplat-dev-*****",
            "principalType": "ServicePrincipal"} in rows


def test_plan_hides_what_azure_computes(dev):
    p = plan(dev, PACK)
    assert p["outputs"]["workspaceId"] == "(known after deploy)"
    assert {r["azureName"] for r in p["resources"] if r["type"].endswith("StorageAccount")} == {
        "stmlplatdev*****"}
    assert shown("plain", {}) == "plain"


def test_role_helper_refuses_privileged_roles_on_groups_and_subscriptions():
    for role in ("Owner", "Contributor", "User Access Administrator"):
        for scope in (RG, "/subscriptions/00000000-0000-4000-8000-000000000001"):
            with pytest.raises(ValueError, match=f"refusing to grant {role}"):
                assignment_name(scope, "p", role)
    assert assignment_name(RG + "/providers/Microsoft.Storage/storageAccounts/st1", "p",
                           "Contributor")


def test_assignment_names_differ_by_role_principal_and_scope():
    scope = RG + "/providers/Microsoft.Storage/storageAccounts/st1"
    names = {assignment_name(scope, "p", "AcrPull"), assignment_name(scope, "q", "AcrPull"),
             assignment_name(scope + "x", "p", "AcrPull"), assignment_name(scope, "p", "Reader")}
    assert len(names) == 4
    assert assignment_name(scope.upper(), "P", "AcrPull") == assignment_name(scope, "p", "AcrPull")


def test_role_definition_id_is_in_the_scope_subscription():
    assert role_definition_id(RG, "AcrPull") == (
        "/subscriptions/00000000-0000-4000-8000-000000000001/providers/Microsoft.Authorization/"
        "roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d")
    with pytest.raises(ValueError, match="not an Azure resource id under a subscription"):
        role_definition_id("st1", "AcrPull")
