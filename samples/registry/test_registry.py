"""The registry's own stack under the testing kit: what it creates and exports, and that the
outputs are what the dev and prod stacks' stack reference reads."""

from pathlib import Path

from components.ml_registry import ML_REGISTRY
from components.testing import run_stack
from components.testing.mocks import registry_stack

PROJECT = Path(__file__).parent
ROLE = "azure-native:authorization:RoleAssignment"
REGISTRY_USER = "1823dd4f-9b8c-4ab6-ab4e-7397a3684615"


def test_the_stack_owns_a_protected_registry_and_exports_what_the_other_stacks_read() -> None:
    run = run_stack("shared", project=PROJECT)  # __main__.py with Pulumi.shared.yaml
    registry = run.one(ML_REGISTRY)
    assert registry.protect and registry.retain_on_delete
    assert [r["location"] for r in registry.inputs["regionDetails"]] == ["westeurope",
                                                                          "northeurope"]
    # what dev and prod read through organization/ml-registry/shared (the mocks answer so)
    assert run.outputs == registry_stack("organization/ml-registry/shared")
    assert run.outputs["assetUriPrefix"] == "azureml://registries/mlreg-shared"


def test_the_publisher_group_is_registry_user_on_the_registry_only() -> None:
    run = run_stack("shared", project=PROJECT)
    (assignment,) = run.of_type(ROLE)
    assert assignment.inputs["roleDefinitionId"].endswith(REGISTRY_USER)
    assert assignment.inputs["principalType"] == "Group"
    assert assignment.inputs["scope"] == run.one(ML_REGISTRY).id


def test_who_reads_or_writes_which_asset_goes_to_the_stacks_log_analytics() -> None:
    run = run_stack("shared", project=PROJECT)
    (setting,) = run.of_type("azure-native:monitor:DiagnosticSetting")
    logs = run.one("azure-native:operationalinsights:Workspace")
    assert (setting.inputs["resourceUri"], setting.inputs["workspaceId"]) == (
        run.one(ML_REGISTRY).id, logs.id)
    assert [log["category"] for log in setting.inputs["logs"]] == [
        "RegistryAssetReadEvent", "RegistryAssetWriteEvent"]
    assert logs.protect and logs.inputs["retentionInDays"] == 90
