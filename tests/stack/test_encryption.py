"""The stack's customer-managed key: prod encrypts its workspace and storage with it and keeps
Microsoft's keys on its registry (a closed vault); a public stack with a Premium registry
encrypts the registry too; dev has no key; the high business impact flag follows the key unless
set."""

from __future__ import annotations

from components.testing.runner import StackRun

from ..conftest import one, shared_run


def _encrypted(run: StackRun) -> dict[str, bool]:
    return {name: "encryption" in one(run, kind, name).inputs for kind, name in (
        ("machinelearningservices:Workspace", "workspace"),
        ("storage:StorageAccount", "workspace-storage"),
        ("containerregistry:Registry", "registry"))}


def test_prod_encrypts_workspace_and_storage_and_keeps_microsofts_keys_on_its_registry(
        prod: StackRun, dev: StackRun) -> None:
    assert _encrypted(prod) == {"workspace": True, "workspace-storage": True, "registry": False}
    assert one(prod, "machinelearningservices:Workspace").inputs["hbiWorkspace"] is True
    # the training data account is its own, with Microsoft's keys
    assert "encryption" not in one(prod, "storage:StorageAccount", "data-storage").inputs
    assert _encrypted(dev) == dict.fromkeys(("workspace", "workspace-storage", "registry"), False)
    assert dev.of_type("azure-native:keyvault:Key") == []
    assert "hbiWorkspace" not in one(dev, "machinelearningservices:Workspace").inputs


def test_a_public_stack_encrypts_a_premium_registry_and_can_leave_the_flag_off() -> None:
    public = shared_run("dev", {"customerManagedKey": True, "registrySku": "Premium",
                                "workspaceHighBusinessImpact": False})
    assert _encrypted(public) == dict.fromkeys(("workspace", "workspace-storage", "registry"),
                                               True)
    assert "hbiWorkspace" not in one(public, "machinelearningservices:Workspace").inputs
    # a Basic registry keeps Microsoft's keys: "available in the Premium ... service tier"
    basic = shared_run("dev", {"customerManagedKey": True})
    assert _encrypted(basic)["registry"] is False
