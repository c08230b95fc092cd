"""Shared runs of the real program: each stack runs once per test session under Pulumi mocks."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from components.azure.roles import ROLE_BY_GUID
from components.testing.mocks import RANDOM_SUFFIX, SUBSCRIPTION_ID
from components.testing.runner import Registration, StackRun, run_stack
from offline.analyzer import PolicyAnalyzer, running, stop_all
from offline.project import Project
from stack.config import ConfigError

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""This repository: the project whose stacks the tests run (pytest runs in it)."""
PACK = PROJECT_DIR / "policy"
"""Its policy pack."""
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"


# The sample scoring app as a deployment's config, and an endpoint with deployments.
IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1"
SAMPLE: dict[str, Any] = {"model": "samples/score/model", "code": "samples/score/code",
          "environment": {"image": IMAGE, "condaFile": "samples/score/environment/conda.yaml"}}


def endpoint(*deployments: dict[str, Any], **settings: Any) -> dict[str, Any]:
    """Config overrides for the endpoint ``score`` with ``deployments``."""
    return {"onlineEndpoints": [{"name": "score", **settings, "deployments": list(deployments)}]}


# Every identity scenario turned on at once (docs/guides/identities.md).
SHARED = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-shared/providers"
PRIVATE = f"{SHARED}/Microsoft.ContainerRegistry/registries/crbaseimages"
ALICE = "11111111-aaaa-4bbb-8ccc-000000000001"
TEAM = "22222222-aaaa-4bbb-8ccc-000000000002"
GITHUB = "https://token.actions.githubusercontent.com"
FULL: dict[str, Any] = {
    "workspaceIdentities": ["workspace", "workspace-cmk"],
    "privateRegistryId": PRIVATE,
    "dataStorage": {"create": True, "container": "training"},
    "dataUsers": [{"objectId": ALICE, "type": "User"}, {"objectId": TEAM, "type": "Group"}],
    "computeInstances": [{"name": "alice", "assignedUser": ALICE, "idleMinutesBeforeShutdown": 30}],
    "automationCredentials": [
        {"name": "github-main", "issuer": GITHUB, "subject": "repo:contoso/ml:ref:refs/heads/main"},
        {"name": "github-prod", "issuer": GITHUB, "subject": "repo:contoso/ml:environment:prod"}],
}


# A batch endpoint in prod's managed network, invoked by the CI identity, a person and a data user
# (docs/guides/batch-endpoints.md), beside every identity scenario.
BOB = "33333333-aaaa-4bbb-8ccc-000000000003"
BATCH_SAMPLE: dict[str, Any] = {
    "model": "samples/score/model", "code": "samples/batch/code",
    "scoringScript": "batch_driver.py",
    "environment": {"image": IMAGE, "condaFile": "samples/batch/environment/conda.yaml"}}


def batch_endpoint(*deployments: str, **settings: Any) -> dict[str, Any]:
    """Config overrides for dev's batch endpoint ``score-batch`` with ``deployments`` (names) of
    the batch sample on the cpu cluster."""
    return {"batchEndpoints": [{"name": "score-batch", **settings, "deployments": [
        {"name": name, "cluster": "cpu", **BATCH_SAMPLE} for name in deployments]}]}


BATCH_GREEN = batch_endpoint("green")
"""dev's batch endpoint with green instead of blue (blue, the default, retired)."""
BATCH: dict[str, Any] = {
    **FULL,
    "network": {"isolation": "AllowOnlyApprovedOutbound", "addressSpace": "10.40.0.0/24",
                "uploadsFromNetwork": True},
    "batchEndpoints": [{
        "name": "score-batch", "automationInvokes": True, "defaultDeployment": "green",
        "invokers": [{"objectId": BOB, "type": "User"}, {"objectId": TEAM, "type": "Group"}],
        "deployments": [{"name": "blue", "cluster": "cpu", **BATCH_SAMPLE},
                        {"name": "green", "cluster": "cpu", **BATCH_SAMPLE}]}],
}


_RUNS: dict[str, StackRun] = {}


def shared_run(stack: str, overrides: dict[str, Any] | None = None,
               suffix: str = RANDOM_SUFFIX) -> StackRun:
    """The run of this project's ``stack`` with ``overrides``, made once per test session and
    shared by every test that asks for the same one (tests read runs, never change them; a test
    that patches the program calls ``run_stack`` itself)."""
    key = json.dumps([stack, overrides, suffix], sort_keys=True)
    if key not in _RUNS:
        _RUNS[key] = run_stack(stack, overrides, PROJECT_DIR, suffix)
    return _RUNS[key]


@pytest.fixture
def tools_share_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tools' runs of this project's stacks are the shared runs: a test of what a command
    prints reads the run the command asks for, without running the program again (the command's
    own code is unchanged: ``Project.run`` only calls ``run_stack``)."""
    real = Project.run

    def run(self: Project, stack: str, overrides: Mapping[str, Any] | None = None,
            suffix: str = RANDOM_SUFFIX) -> StackRun:
        if self.dir.resolve() != PROJECT_DIR:
            return real(self, stack, overrides, suffix)
        return shared_run(stack, dict(overrides) if overrides else None, suffix)
    monkeypatch.setattr(Project, "run", run)


@pytest.fixture(scope="session")
def pack() -> Iterator[PolicyAnalyzer]:
    """The policy pack, started once per test session as the Pulumi CLI starts it and called over
    the Analyzer gRPC interface; ``offline.policy_check.check(run, PACK)`` uses the same process."""
    yield running(PACK)
    stop_all()


@pytest.fixture(scope="session")
def dev() -> StackRun:
    return shared_run("dev")


@pytest.fixture(scope="session")
def dev_again() -> StackRun:
    """A second, independent run of dev: what a re-run of `pulumi up` would register."""
    return run_stack("dev")


@pytest.fixture(scope="session")
def prod() -> StackRun:
    return shared_run("prod")


@pytest.fixture(scope="session")
def aks() -> StackRun:
    """The example stack that serves from AKS (Kubernetes online endpoints)."""
    return shared_run("aks")


@pytest.fixture(scope="session")
def everything() -> StackRun:
    """prod with every identity scenario on."""
    return shared_run("prod", FULL)


@pytest.fixture(params=["dev", "prod"])
def stack(request: pytest.FixtureRequest, dev: StackRun, prod: StackRun) -> StackRun:
    """Each real stack in turn."""
    return {"dev": dev, "prod": prod}[request.param]


def grants(run: StackRun) -> set[tuple[str, str, str]]:
    """Every role assignment as (holder's Azure name, role, scope's Azure name or raw id; a key
    vault secret as ``<vault>/secrets/<name>``).

    The holder is the resource whose principal id the assignment names: a user-assigned identity,
    or a workspace, cluster or endpoint for its own system-assigned identity.
    """
    found = set()
    for a in run.of_type(ROLE_ASSIGNMENT):
        principal: str = a.inputs["principalId"]
        holder = run.owner_of(principal)
        vault, secret, name = a.inputs["scope"].rpartition("/secrets/")
        scope = run.owner_of(vault if secret else a.inputs["scope"])
        scope_name: str = (scope and scope.azure_name) or a.inputs["scope"]
        found.add(((holder and holder.azure_name) or principal,
                   ROLE_BY_GUID[a.inputs["roleDefinitionId"].rsplit("/", 1)[1]],
                   f"{scope_name}/secrets/{name}" if secret and scope else scope_name))
    return found


def one(run: StackRun, type_suffix: str, name: str | None = None) -> Registration:
    """The one registered resource whose type ends with ``type_suffix`` (and Pulumi name
    ``name``)."""
    return run.one(type_suffix, name)


def owner(run: StackRun, value: Any) -> Registration:
    """The resource of ``run`` whose id, or whose identity's principal id, is ``value``."""
    found = run.owner_of(value)
    assert found is not None, f"no resource of {run.stack} has the id or principal {value!r}"
    return found


def registered_before(error: BaseException) -> dict[str, Registration]:
    """What the program had registered when ``error`` stopped it (``run_stack`` sets it)."""
    registrations: dict[str, Registration] = vars(error)["registrations"]
    return registrations


def assert_refused(override: dict[str, Any], words: list[str], stack: str = "dev") -> ConfigError:
    """Running ``stack`` with ``override`` fails with a ConfigError that contains every one of
    ``words`` (key, value, what is allowed), before any resource is registered; the error."""
    with pytest.raises(ConfigError) as caught:
        run_stack(stack, override)
    for word in words:
        assert word in str(caught.value), f"{word!r} not in:\n{caught.value}"
    assert registered_before(caught.value) == {}
    return caught.value
