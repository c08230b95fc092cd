"""Role-assignment propagation: the retry decision against the texts Azure returns, and every
workload that starts right after its grants carries the retry."""

from __future__ import annotations

import pulumi
import pytest
from pulumi.runtime import settings as pulumi_settings

import components.propagation as propagation
from components.propagation import MAX_ATTEMPTS, ROLE_PROPAGATION_HOOK, retry_delay
from components.testing.runner import run_program
from offline.plan import day2_plan

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

# What Azure answers while a grant has not taken effect, as the documents quote it (and as
# azure-native wraps it: "Status=403 Code=... Message=...").
PROPAGATING = [
    # Azure RBAC troubleshooting, PrincipalNotFound
    "Status=400 Code=\"PrincipalNotFound\" Message=\"Principal 5ab5a7bd5d7b4c43b5f5b37e2cc3e4f2 "
    "does not exist in the directory 72f988bf-86f1-41af-91ab-2d7cd011db47. Check that you have the "
    "correct principal ID. If you are creating this principal and then immediately assigning a "
    "role, this error might be related to a replication delay.\"",
    # ARM AuthorizationFailed, e.g. the workspace identity setting up its storage
    "Status=403 Code=\"AuthorizationFailed\" Message=\"The client '1c2d...' with object id "
    "'1c2d...' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/"
    "listKeys/action' over scope '/subscriptions/.../storageAccounts/stmlplatdevk3x9q' or the "
    "scope is invalid. If access was recently granted, please refresh your credentials.\"",
    # Key Vault RBAC
    "(Forbidden) Caller is not authorized to perform action on resource.\nIf role assignments, "
    "deny assignments or role definitions were changed recently, please observe propagation "
    "time.\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\nCode: ForbiddenByRbac",
    # Azure Storage data plane
    "This request is not authorized to perform this operation using this permission. "
    "RequestId:3f1c ErrorCode: AuthorizationPermissionMismatch",
    # Azure ML online endpoint troubleshooting, ERROR: BadArgument
    "Code=\"BadArgument\" Message=\"Startup task failed due to authorization error. Please see "
    "troubleshooting guide: https://aka.ms/oe-tsg#error-badargument\"",
]
OTHER = [
    "Status=409 Code=\"Conflict\" Message=\"cannot create already existing resource\"",
    "Code=\"SubscriptionIsOverQuotaForSku\" Message=\"Quota exceeded for Standard_DS2_v2\"",
    "Code=\"InvalidTemplate\" Message=\"Deployment template validation failed\"",
    "Code=\"ResourceNotFound\" Message=\"The Resource 'Microsoft.MachineLearningServices/"
    "workspaces/mlw' was not found.\"",
]


@pytest.mark.parametrize("error", PROPAGATING)
def test_propagation_errors_are_retried_with_growing_waits(error):
    assert [retry_delay([error] * n) for n in range(1, MAX_ATTEMPTS)] == [30, 60, 120, 120, 120,
                                                                         120, 120]
    # "up to 10 minutes"
    assert sum(retry_delay([error] * n) for n in range(1, MAX_ATTEMPTS)) >= 600


@pytest.mark.parametrize("error", OTHER)
def test_other_errors_fail_at_once(error):
    assert retry_delay([error]) is None


def test_the_retries_are_bounded_and_judge_the_newest_error():
    assert retry_delay([PROPAGATING[0]] * MAX_ATTEMPTS) is None
    assert retry_delay([]) is None
    assert retry_delay([OTHER[0], PROPAGATING[1]]) is None  # it stopped being a propagation error
    assert retry_delay([PROPAGATING[1], OTHER[0]]) == 60


def _args(operation: str, errors: list[str]) -> pulumi.ErrorHookArgs:
    return pulumi.ErrorHookArgs(urn="urn:x", id="", name="workspace", type="t",
                                failed_operation=operation, errors=errors)


def test_the_hook_waits_then_retries_creates_and_updates_only(monkeypatch):
    waited: list[float] = []
    monkeypatch.setattr(propagation.time, "sleep", waited.append)
    assert propagation._retry(_args("create", [PROPAGATING[1]])) is True
    assert propagation._retry(_args("update", [PROPAGATING[2]] * 2)) is True
    assert propagation._retry(_args("delete", [PROPAGATING[1]])) is False
    assert propagation._retry(_args("create", [OTHER[1]])) is False
    assert waited == [30, 60]


def test_one_hook_is_registered_per_program():
    def body():
        first, second = propagation.propagation_hook(), propagation.propagation_hook()
        assert first is second and first.name == ROLE_PROPAGATION_HOOK
    run_program(body, "p", "dev", {})
    pulumi_settings.ROOT.set(None)  # outside a program
    with pytest.raises(RuntimeError, match="while a Pulumi program runs"):
        propagation.propagation_hook()


def test_every_workload_that_waits_for_grants_retries_while_they_take_effect(dev, prod, everything):
    for run in (dev, prod, everything):
        waiting = [r for r in run.resources.values()
                   if any(run.resources[d].type == ROLE_ASSIGNMENT for d in r.dependencies)]
        kinds = {r.type.rsplit(":", 1)[1] for r in waiting}
        assert {"Workspace", "Compute"} <= kinds
        for r in waiting:
            assert r.error_hooks == [ROLE_PROPAGATION_HOOK], r.name
    assert {r.type.rsplit(":", 1)[1] for r in everything.resources.values() if r.error_hooks} == {
        "Workspace", "Compute", "WorkspaceConnection"}
    # and every upload, which acts as the deployer on a data role that may be fresh
    assert {r.type.rsplit(":", 1)[1] for r in dev.resources.values() if r.error_hooks} == {
        "Workspace", "Compute", "OnlineDeployment", "EntraBlob"}


def test_a_first_up_has_no_workload_at_risk_of_propagation(dev, everything):
    for run in (dev, everything):
        plan = day2_plan(None, run)
        assert [f for _, f in plan.findings if f.rule == "propagation"] == []
