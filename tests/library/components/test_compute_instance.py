"""A compute instance on its own: one user's, and its identity's roles."""

from __future__ import annotations

from components import (
    ComputeInstance,
    ComputeInstanceArgs,
)

from ...conftest import grants
from .kit import GROUP, STORAGE_ID, WORKSPACE_ID, existing, identity, run, waits_for


def test_an_instance_belongs_to_one_user_and_its_identity_can_shut_it_down() -> None:
    r = run(lambda: ComputeInstance("alice", ComputeInstanceArgs(
        workspace=existing(), compute_name="alice-x1", identity=identity(),
        assigned_user_object_id="11111111-aaaa-4bbb-8ccc-000000000001",
        assigned_user_tenant_id="t")))
    alice = "11111111-aaaa-4bbb-8ccc-000000000001"
    assert grants(r) == {
        ("id-team", "AcrPull", f"{GROUP}/Microsoft.ContainerRegistry/registries/crmlw-team"),
        ("id-team", "Storage Blob Data Contributor", STORAGE_ID),
        ("id-team", "Contributor", WORKSPACE_ID),  # idle shutdown acts as the identity
        # it mounts the file share as itself (keyless page, Limitations)
        ("id-team", "Storage File Data Privileged Contributor", STORAGE_ID),
        # the owner starts, stops and opens this instance only, and works on the storage as self
        (alice, "AzureML Compute Operator", "alice-x1"),
        (alice, "Storage Blob Data Contributor", STORAGE_ID),
        (alice, "Storage File Data Privileged Contributor", STORAGE_ID)}
    assert {a.inputs["principalType"] for a in r.of_type(
        "azure-native:authorization:RoleAssignment") if a.inputs["principalId"] == alice} == {
        "User"}
    props = r.one("machinelearningservices:Compute").inputs["properties"]["properties"]
    assert props["computeInstanceAuthorizationType"] == "personal"
    assert props["sshSettings"] == {"sshPublicAccess": "Disabled"}
    assert len(waits_for(r, "machinelearningservices:Compute")) == 4
