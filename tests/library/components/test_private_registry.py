"""Private registry access on its own: the connection waits for the grants."""

from __future__ import annotations

from components import (
    PrivateRegistryAccess,
    PrivateRegistryAccessArgs,
)

from ...conftest import grants
from .kit import GROUP, existing, identity, run, waits_for


def test_a_private_registry_connection_waits_for_the_pull_and_the_assign_grants() -> None:
    def program() -> None:
        ws_identity = identity("id-ws")
        PrivateRegistryAccess("private", PrivateRegistryAccessArgs(
            workspace=existing(), workspace_principal=ws_identity.principal,
            registry_id=f"{GROUP}/Microsoft.ContainerRegistry/registries/crbase",
            identity=identity("id-pull")))
    r = run(program)
    assert {(who, role) for who, role, _ in grants(r)} == {
        ("id-pull", "AcrPull"), ("id-ws", "Managed Identity Operator")}
    assert len(waits_for(r, "machinelearningservices:WorkspaceConnection")) == 2
