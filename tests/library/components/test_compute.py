"""A compute cluster on its own: what its identity pulls and reads, and what replaces it."""

from __future__ import annotations

from components import (
    ComputeCluster,
    ComputeClusterArgs,
)

from ...conftest import grants
from .kit import existing, identity, run, waits_for


def test_a_cluster_alone_pulls_and_reads_as_its_identity_and_is_replaced_on_its_size() -> None:
    r = run(lambda: ComputeCluster("train", ComputeClusterArgs(
        workspace=existing(), compute_name="train", identity=identity())))
    assert {(role, scope.rsplit("/", 1)[1]) for _, role, scope in grants(r)} == {
        ("AcrPull", "crmlw-team"), ("Storage Blob Data Contributor", "stmlw-team")}
    assert waits_for(r, "machinelearningservices:Compute") == {
        "train-registry-acrpull", "train-storage-storage-blob-data-contributor"}
    compute = r.one("machinelearningservices:Compute")
    assert (compute.replace_on_changes, compute.delete_before_replace) == (
        ["properties.properties.vmSize", "properties.properties.vmPriority",
         "properties.properties.enableNodePublicIp"], True)


def test_a_system_assigned_cluster_gets_only_the_data_role_azure_does_not_grant() -> None:
    r = run(lambda: ComputeCluster("train", ComputeClusterArgs(workspace=existing(),
                                                               compute_name="train")))
    assert [(role) for _, role, _ in grants(r)] == ["Storage Blob Data Contributor"]
