"""The stacks send the resource logs of what they create to their Log Analytics workspace."""

from __future__ import annotations

from components.diagnostics import DIAGNOSTIC_SETTING
from components.testing.runner import StackRun

from ..conftest import one, shared_run


def targets(run: StackRun) -> dict[str, str]:
    """Each diagnostic setting's target: the name of the resource whose id it names."""
    by_id = {r.id: r.name for r in run.resources.values()}
    return {s.name: by_id[s.inputs["resourceUri"]] for s in run.of_type(DIAGNOSTIC_SETTING)}


def test_the_logs_of_every_resource_the_stack_makes_go_to_its_log_analytics(
        dev: StackRun, prod: StackRun) -> None:
    for run in (dev, prod):
        # and the vault of prod's customer-managed key: who used the key, and when
        key = {"diagnostics-encryption-key-vault": "encryption-key-vault"} \
            if run is prod else {}
        assert targets(run) == {
            "diagnostics-workspace": "workspace", "diagnostics-key-vault": "workspace-key-vault",
            "diagnostics-storage-blob": "workspace-blob-service",
            "diagnostics-registry": "registry", "diagnostics-endpoint-score": "endpoint-score",
            **key}
        logs = one(run, "operationalinsights:Workspace").id
        assert {s.inputs["workspaceId"] for s in run.of_type(DIAGNOSTIC_SETTING)} == {logs}


def test_a_kubernetes_endpoint_logs_through_its_cluster(aks: StackRun) -> None:
    # the endpoint's console, traffic and event logs are a managed endpoint's; AKS has its own
    assert set(targets(aks).values()) == {"workspace", "workspace-key-vault",
                                          "workspace-blob-service", "registry",
                                          "kubernetes-aks-aks"}


def test_what_the_stack_takes_by_id_is_another_owners_to_watch() -> None:
    run = shared_run("dev", {"existingRegistryId": "/subscriptions/00000000-0000-0000-0000-"
                             "000000000000/resourceGroups/rg-shared/providers/"
                             "Microsoft.ContainerRegistry/registries/crshared"})
    assert "diagnostics-registry" not in targets(run)


def test_diagnostics_off_makes_no_setting() -> None:
    assert targets(shared_run("dev", {"diagnostics": False})) == {}
