"""Shared runs of the real program: each stack runs once per test session under Pulumi mocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.azure.roles import ROLE_BY_GUID
from components.testing.runner import StackRun, run_stack
from stack.settings import ConfigError

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""This repository: the project whose stacks the tests run (pytest runs in it)."""
PACK = PROJECT_DIR / "policy"
"""Its policy pack."""
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"


@pytest.fixture(scope="session")
def dev() -> StackRun:
    return run_stack("dev")


@pytest.fixture(scope="session")
def dev_again() -> StackRun:
    """A second, independent run of dev: what a re-run of `pulumi up` would register."""
    return run_stack("dev")


@pytest.fixture(scope="session")
def prod() -> StackRun:
    return run_stack("prod")


@pytest.fixture(params=["dev", "prod"])
def stack(request, dev, prod) -> StackRun:
    """Each real stack in turn."""
    return {"dev": dev, "prod": prod}[request.param]


def grants(run: StackRun) -> set[tuple[str, str, str]]:
    """Every role assignment as (holder's Azure name, role, scope's Azure name or raw id).

    The holder is the resource whose principal id the assignment names: a user-assigned identity,
    or a workspace, cluster or endpoint for its own system-assigned identity.
    """
    found = set()
    for a in run.of_type(ROLE_ASSIGNMENT):
        holder = run.owner_of(a.inputs["principalId"])
        scope = run.owner_of(a.inputs["scope"])
        found.add((holder.azure_name if holder else a.inputs["principalId"],
                   ROLE_BY_GUID[a.inputs["roleDefinitionId"].rsplit("/", 1)[1]],
                   scope.azure_name if scope else a.inputs["scope"]))
    return found


def one(run: StackRun, type_suffix: str, name: str | None = None):
    """The one registered resource whose type ends with ``type_suffix`` (and Pulumi name ``name``)."""
    return run.one(type_suffix, name)


def assert_refused(override: dict, words: list[str]) -> None:
    """Running dev with ``override`` fails with a ConfigError that contains every one of
    ``words`` (key, value, what is allowed), before any resource is registered."""
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", override)
    for word in words:
        assert word in str(caught.value), f"{word!r} not in:\n{caught.value}"
    assert caught.value.registrations == {}
