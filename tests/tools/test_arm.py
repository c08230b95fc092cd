"""The ARM rendering scanners read: ARM's types, names and property names, nothing the URL
carries, extension resources at their scope, and the API version azure-native sends."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.testing.runner import StackRun
from offline.arm import api_version, main, template

from ..conftest import PROJECT_DIR, one


def _by(template_: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r for r in template_["resources"] if r["type"] == type_]


def test_prod_renders_as_arm_resources_with_arms_own_property_names(prod: StackRun) -> None:
    arm = template(prod)
    account = next(r for r in _by(arm, "Microsoft.Storage/storageAccounts")
                   if r["name"] == one(prod, "storage:StorageAccount", "workspace-storage")
                   .azure_name)
    assert account["properties"]["supportsHttpsTrafficOnly"] is True
    assert account["properties"]["networkAcls"] == {"defaultAction": "Deny",
                                                    "bypass": "AzureServices"}
    assert account["sku"] == {"name": "Standard_ZRS"} and account["location"] == "westeurope"
    assert not {"accountName", "resourceGroupName", "networkRuleSet"} & set(account["properties"])
    assert account["apiVersion"] == api_version("azure-native:storage:StorageAccount")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(-preview)?", account["apiVersion"])
    computes = {r["name"]: r for r in _by(arm, "Microsoft.MachineLearningServices/workspaces/"
                                                "computes")}
    assert set(computes) == {"mlw-mlplat-prod-k3x9q/cpu", "mlw-mlplat-prod-k3x9q/gpu"}
    assert computes["mlw-mlplat-prod-k3x9q/cpu"]["properties"]["computeType"] == "AmlCompute"


def test_role_assignments_are_extension_resources_at_their_scope(prod: StackRun) -> None:
    arm = template(prod)
    assignments = _by(arm, "Microsoft.Authorization/roleAssignments")
    assert len(assignments) == len(prod.of_type("azure-native:authorization:RoleAssignment"))
    vault = one(prod, "keyvault:Vault", "workspace-key-vault")
    on_vault = [a for a in assignments if a.get("scope") == vault.id]
    assert on_vault and all("scope" not in a["properties"] for a in on_vault)


@pytest.mark.usefixtures("tools_share_runs")
def test_the_command_writes_the_template(tmp_path: Path) -> None:
    out = tmp_path / "prod.json"
    assert main(["prod", "--out", str(out), "--project", str(PROJECT_DIR)]) == 0
    assert json.loads(out.read_text())["resources"]


def test_every_check_checkov_skips_is_named_in_the_docs() -> None:
    config = yaml.safe_load((PROJECT_DIR / "policy" / "checkov.yaml").read_text())
    guide = (PROJECT_DIR / "docs" / "guides" / "private-networking.md").read_text()
    assert config["framework"] == ["arm"] and config["skip-check"]
    assert [check for check in config["skip-check"] if check not in guide] == []
