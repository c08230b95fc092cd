"""Role-assignment propagation: the retry decision against the texts Azure returns, and every
workload that starts right after its grants carries the retry."""

from __future__ import annotations

import asyncio

import pulumi
import pytest
import yaml

import components.propagation as propagation
from components.propagation import (
    MAX_ATTEMPTS,
    MINIMUM_PULUMI_CLI,
    ROLE_PROPAGATION_HOOK,
    retry_delay,
)
from components.testing.runner import StackRun, run_program
from offline.day2.check import day2_plan

from ..conftest import PROJECT_DIR

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

# What Azure answers while a grant has not taken effect, as the documents quote it, in the form
# azure-native gives a refused request: Status=<code> Code="<code>" Message="<message>"
# (provider/pkg/azure/client_azcore.go, PulumiAzcoreResponseError).
PROPAGATING = [
    # ARM AuthorizationFailed, e.g. the workspace identity setting up its storage
    "Status=403 Code=\"AuthorizationFailed\" Message=\"The client '1c2d...' with object id "
    "'1c2d...' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/"
    "listKeys/action' over scope '/subscriptions/.../storageAccounts/stmlplatdevk3x9q' or the "
    "scope is invalid. If access was recently granted, please refresh your credentials.\"",
    # ARM, for an identity or scope the request links to
    "Status=403 Code=\"LinkedAuthorizationFailed\" Message=\"The client has permission to "
    "perform action 'Microsoft.MachineLearningServices/workspaces/write' on scope '...', "
    "however it does not have permission to perform action 'Microsoft.ManagedIdentity/"
    "userAssignedIdentities/assign/action' on the linked scope(s) '...'\"",
    # Key Vault RBAC
    "(Forbidden) Caller is not authorized to perform action on resource.\nIf role assignments, "
    "deny assignments or role definitions were changed recently, please observe propagation "
    "time.\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\nCode: ForbiddenByRbac",
    # Azure Storage data plane, as the uploader reports it
    "uploading to https://st.blob.core.windows.net/ml-assets/m.json was refused "
    "(AuthorizationPermissionMismatch): the identity running pulumi up lacks Storage Blob Data "
    "Contributor, or was granted it minutes ago",
    # Azure ML online endpoint troubleshooting, ERROR: BadArgument (a failed operation)
    "Status=200 Code=\"BadArgument\" Message=\"Startup task failed due to authorization error. "
    "Please see troubleshooting guide: https://aka.ms/oe-tsg#error-badargument\"",
    # how-to-attach-kubernetes-to-workspace, without Kubernetes Extension Contributor
    "Status=200 Code=\"BadRequest\" Message=\"Compute attach failed: extension not installed\"",
]
OTHER = [
    "Status=409 Code=\"Conflict\" Message=\"cannot create already existing resource\"",
    "Code=\"SubscriptionIsOverQuotaForSku\" Message=\"Quota exceeded for Standard_DS2_v2\"",
    "Code=\"InvalidTemplate\" Message=\"Deployment template validation failed\"",
    "Code=\"ResourceNotFound\" Message=\"The Resource 'Microsoft.MachineLearningServices/"
    "workspaces/mlw' was not found.\"",
    # only a role assignment's create meets it, and none carries the hook
    "Status=400 Code=\"PrincipalNotFound\" Message=\"Principal 5ab5 does not exist in the "
    "directory 72f9. ... this error might be related to a replication delay.\"",
    # a storage firewall: waiting does not help
    "uploading to https://st.blob.core.windows.net/ml-assets/m.json was refused "
    "(AuthorizationFailure): the storage account's network rules do not admit this machine",
    # the attach without AKS Cluster Admin: an internal server error is not retried blindly
    "Status=500 Code=\"InternalServerError\" Message=\"An internal server error occurred.\"",
]


def accepted_then_failed(error: str) -> str:
    """``error`` as the engine hands it to the hook when Azure accepted the request and its
    operation failed: azure-native's partial failure, turned into plugin.InitError, whose text is
    go-multierror's list (pulumi/pulumi pkg/resource/plugin/provider_plugin.go)."""
    return f"1 error occurred:\n\t* {error}\n\n"


@pytest.mark.parametrize("operation", ["create", "update"])
@pytest.mark.parametrize("error", PROPAGATING)
def test_a_refused_request_is_retried_with_growing_waits(error: str, operation: str) -> None:
    delays = [retry_delay(operation, [error] * n) for n in range(1, MAX_ATTEMPTS)]
    assert delays == [30, 60, 120, 120, 120, 120, 120]
    assert sum(d for d in delays if d is not None) >= 600  # "up to 10 minutes"


@pytest.mark.parametrize("error", PROPAGATING)
def test_a_create_azure_accepted_is_left_in_the_state_not_retried(error: str) -> None:
    # retrying it would run Create again: "cannot create already existing resource", and the
    # engine would drop the half-made resource from the state (step.go, CreateStep)
    assert retry_delay("create", [accepted_then_failed(error)]) is None
    # an update sends the same PUT again: safe
    assert retry_delay("update", [accepted_then_failed(error)]) == 30


@pytest.mark.parametrize("operation", ["delete", "read", ""])
def test_no_other_operation_is_retried(operation: str) -> None:
    assert retry_delay(operation, [PROPAGATING[0]]) is None


@pytest.mark.parametrize("error", OTHER)
def test_other_errors_fail_at_once(error: str) -> None:
    assert retry_delay("create", [error]) is None
    assert retry_delay("update", [accepted_then_failed(error)]) is None


def test_the_retries_are_bounded_and_judge_the_newest_error() -> None:
    assert retry_delay("create", [PROPAGATING[0]] * MAX_ATTEMPTS) is None
    assert retry_delay("create", []) is None
    assert retry_delay("create", [OTHER[0], PROPAGATING[1]]) is None  # it stopped being one
    assert retry_delay("create", [PROPAGATING[1], OTHER[0]]) == 60


def _args(operation: str, errors: list[str]) -> pulumi.ErrorHookArgs:
    return pulumi.ErrorHookArgs(urn="urn:pulumi:dev::p::t::workspace", id="", name="workspace",
                                type="t", failed_operation=operation, errors=errors)


def test_the_hook_decides_each_operation_kind_and_waits_before_a_retry(
        monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []

    async def wait(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr("components.propagation.asyncio.sleep", wait)
    decide = [("create", [PROPAGATING[0]]), ("update", [PROPAGATING[2]] * 2),
              ("update", [accepted_then_failed(PROPAGATING[4])]),
              ("create", [accepted_then_failed(PROPAGATING[4])]), ("delete", [PROPAGATING[0]]),
              ("create", [OTHER[1]])]
    answers = [asyncio.run(propagation._retry(_args(op, errors))) for op, errors in decide]
    assert answers == [True, True, True, False, False, False]
    assert waited == [30, 60, 30]


def test_the_hook_waits_without_blocking_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK's callback server runs on the program's event loop: while a hook waits, the other
    # resources' RPCs and hooks must go on. A tiny injected wait; no clock is read.
    monkeypatch.setattr(propagation, "retry_delay", lambda operation, errors: 0.01)

    async def three_hooks_and_a_ticker() -> tuple[int, list[bool]]:
        hooks = [asyncio.ensure_future(propagation._retry(_args("create", [PROPAGATING[0]])))
                 for _ in range(3)]
        ticks_while_all_wait = 0
        while not any(h.done() for h in hooks):
            ticks_while_all_wait += 1
            await asyncio.sleep(0)
        return ticks_while_all_wait, list(await asyncio.gather(*hooks))

    ticks, answers = asyncio.run(three_hooks_and_a_ticker())
    assert answers == [True, True, True]
    assert ticks > 1  # the loop ran this coroutine again while all three hooks were waiting


def test_one_hook_is_registered_per_program(monkeypatch: pytest.MonkeyPatch) -> None:
    def body() -> None:
        first, second = propagation.propagation_hook(), propagation.propagation_hook()
        assert first is second and first.name == ROLE_PROPAGATION_HOOK
    run_program(body, "p", "dev", {})
    # no deployment
    monkeypatch.setattr("components.propagation.settings.get_monitor", lambda: None)
    with pytest.raises(RuntimeError, match=r"needs a Pulumi deployment: a program .* or a "
                                           r"component provider's Construct"):
        propagation.propagation_hook()


def test_every_workload_that_waits_for_grants_retries_while_they_take_effect(
        dev: StackRun, prod: StackRun, everything: StackRun) -> None:
    for run in (dev, prod, everything):
        waiting = [r for r in run.resources.values()
                   if any(run.resources[d].type == ROLE_ASSIGNMENT for d in r.dependencies)]
        kinds = {r.type.rsplit(":", 1)[1] for r in waiting}
        assert {"Workspace", "Compute"} <= kinds
        for r in waiting:
            assert r.error_hooks == [ROLE_PROPAGATION_HOOK], r.name
    # the storage account of prod's workspace, encrypted with its key, waits for the key's grant
    assert {r.type.rsplit(":", 1)[1] for r in everything.resources.values() if r.error_hooks} == {
        "Workspace", "Compute", "WorkspaceConnection", "StorageAccount"}
    # and every upload, which acts as the deployer on a data role that may be fresh
    assert {r.type.rsplit(":", 1)[1] for r in dev.resources.values() if r.error_hooks} == {
        "Workspace", "Compute", "OnlineDeployment", "BatchDeployment", "EntraBlob"}


def test_a_first_up_has_no_workload_at_risk_of_propagation(dev: StackRun,
                                                           everything: StackRun) -> None:
    for run in (dev, everything):
        plan = day2_plan(None, run)
        assert [f for _, f in plan.findings if f.rule == "propagation"] == []


@pytest.mark.parametrize("project_file", ["Pulumi.yaml", "provider/PulumiPlugin.yaml"])
def test_the_cli_checks_the_minimum_version_before_it_runs_anything(project_file: str) -> None:
    # Pulumi.yaml from CLI 3.219 (pulumi/pulumi#21627), PulumiPlugin.yaml from 3.221 (#21807);
    # the hook asks the engine too (test_provider_host.py: an older engine is refused)
    declared = yaml.safe_load((PROJECT_DIR / project_file).read_text())
    assert declared["requiredPulumiVersion"] == f">={MINIMUM_PULUMI_CLI}"
