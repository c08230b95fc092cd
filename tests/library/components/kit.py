"""What the tests of each component share: a program of a few lines under the testing kit, an
identity, an existing workspace, and what a resource waits for."""

from __future__ import annotations

from collections.abc import Callable

from components import (
    ManagedIdentity,
    ManagedIdentityArgs,
    WorkspaceRef,
)
from components.propagation import ROLE_PROPAGATION_HOOK
from components.testing import StackRun, run_program
from components.testing.mocks import SUBSCRIPTION_ID

GROUP = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ml/providers"
WORKSPACE_ID = f"{GROUP}/Microsoft.MachineLearningServices/workspaces/mlw-team"
STORAGE_ID = f"{GROUP}/Microsoft.Storage/storageAccounts/stmlw-team"
PLACE = {"resource_group_name": "rg-ml", "location": "westeurope"}


def run(program: Callable[[], object]) -> StackRun:
    return run_program(program, "library", "test", {})


def identity(name: str = "id-team") -> ManagedIdentity:
    return ManagedIdentity(name, ManagedIdentityArgs(identity_name=name, **PLACE))


def existing() -> WorkspaceRef:
    return WorkspaceRef.existing(WORKSPACE_ID)


def waits_for(run_: StackRun, resource_type: str) -> set[str]:
    """Roles (by assignment name) the one resource of ``resource_type`` is created after."""
    r = run_.one(resource_type)
    assert r.error_hooks == [ROLE_PROPAGATION_HOOK]  # and retries while they take effect
    return {run_.resources[d].name for d in r.dependencies
            if run_.resources[d].type.endswith("RoleAssignment")}

