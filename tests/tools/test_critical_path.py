"""The dependency graph the program declares holds only the edges Azure requires, so the longest
chain of a first `pulumi up` is the floor Azure imposes."""

from __future__ import annotations

import pytest

from components.testing.runner import StackRun
from offline.critical_path import edges, longest_path, report, seconds, why_required

from ..conftest import one


@pytest.fixture(params=["dev", "prod", "everything", "aks"])
def run(request: pytest.FixtureRequest, dev: StackRun, prod: StackRun, everything: StackRun,
        aks: StackRun) -> StackRun:
    return {"dev": dev, "prod": prod, "everything": everything, "aks": aks}[request.param]


def test_every_declared_edge_is_one_azure_requires(run: StackRun) -> None:
    assert [(e.dependent.name, e.dependency.name) for e in edges(run) if not e.reason] == []


def test_the_programs_chain_is_the_floor(run: StackRun) -> None:
    total, path = longest_path(run)
    floor, floor_path = longest_path(run, only_required=True)
    assert (total, [r.urn for r in path]) == (floor, [r.urn for r in floor_path])
    assert "the program's chain is the same" in report(run)


def test_dev_waits_only_for_resource_group_workspace_endpoint_deployment_and_traffic(
        dev: StackRun) -> None:
    _, path = longest_path(dev)
    kinds = [r.type.rsplit(":", 1)[1] for r in path]
    assert kinds[0] == "ResourceGroup" and kinds[-3:] == ["OnlineEndpoint", "OnlineDeployment",
                                                         "Deployment"]
    assert "Workspace" in kinds and "RoleAssignment" in kinds  # the workspace waits for its roles


def test_every_resource_has_a_typical_creation_time(everything: StackRun, dev: StackRun) -> None:
    for run in (everything, dev):
        for r in run.resources.values():
            if r.custom:
                assert seconds(r) >= 0


def test_an_edge_azure_does_not_need_is_reported(dev: StackRun) -> None:
    # e.g. an endpoint made to wait for the key vault: Azure has no such requirement
    endpoint = one(dev, "machinelearningservices:OnlineEndpoint")
    assert why_required(endpoint, one(dev, "keyvault:Vault")) is None
    assert why_required(endpoint, one(dev, "machinelearningservices:Workspace"))


def test_workloads_do_not_wait_for_the_workspace_to_learn_its_location(prod: StackRun) -> None:
    # the data account only needs the group: the workspace's location is an input, not an output
    account = one(prod, "storage:StorageAccount", "data-storage")
    workspace = one(prod, "machinelearningservices:Workspace")
    assert workspace.urn not in account.dependencies
