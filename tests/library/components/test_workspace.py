"""The workspace on its own: its identity's roles, what waits for them, and what protect keeps."""

from __future__ import annotations

from collections.abc import Callable

from components import (
    ContainerRegistry,
    ContainerRegistryArgs,
    Workspace,
    WorkspaceArgs,
)

from ...conftest import grants
from .kit import PLACE, identity, run, waits_for


def workspace(user: bool, protect: bool = False) -> Callable[[], object]:
    def program() -> None:
        acr = ContainerRegistry("acr", ContainerRegistryArgs(registry_name="crteam", **PLACE))
        Workspace("ws", WorkspaceArgs(
            workspace_name="mlw-team", storage_account_name="stteam", key_vault_name="kv-team",
            application_insights_name="appi-team", log_analytics_name="log-team", registry=acr,
            identity=identity() if user else None, protect=protect, **PLACE))
    return program


def test_a_workspace_identity_holds_microsofts_table_and_the_workspace_waits_for_it() -> None:
    r = run(workspace(user=True))
    assert grants(r) == {("id-team", role, scope) for role, scope in (
        ("Contributor", "mlw-team"), ("Contributor", "stteam"),
        ("Storage Blob Data Contributor", "stteam"), ("Contributor", "kv-team"),
        ("Key Vault Administrator", "kv-team"), ("Contributor", "crteam"),
        ("Contributor", "appi-team"))}
    assert waits_for(r, "machinelearningservices:Workspace") == {
        "ws-storage-contributor", "ws-storage-storage-blob-data-contributor",
        "ws-key-vault-contributor", "ws-key-vault-key-vault-administrator",
        "ws-registry-contributor", "ws-insights-contributor"}


def test_a_system_assigned_workspace_is_granted_nothing_and_protect_keeps_its_data() -> None:
    r = run(workspace(user=False, protect=True))
    assert grants(r) == set()
    kept = {x.name for x in r.resources.values() if x.protect and x.retain_on_delete}
    assert kept == {"ws", "ws-storage", "ws-blob-service", "ws-key-vault", "ws-logs"}
