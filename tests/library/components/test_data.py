"""Data storage on its own: no keys, and users who read the container as themselves."""

from __future__ import annotations

from components import (
    DataStorage,
    DataStorageArgs,
    DataUser,
)

from .kit import existing, run


def test_data_storage_takes_no_keys_and_users_read_the_container_as_themselves() -> None:
    def program() -> None:
        ws = existing()
        DataStorage("data", DataStorageArgs(
            resource_group_name=ws.resource_group_name, location=ws.location,
            account_name="stdata", container_name="training")).attach(
            ws, [DataUser(object_id="22222222-aaaa-4bbb-8ccc-000000000002", type="Group")])
    r = run(program)
    assert r.one("storage:StorageAccount").inputs["allowSharedKeyAccess"] is False
    roles = {(a.inputs["principalType"], a.name) for a in r.of_type(
        "azure-native:authorization:RoleAssignment")}
    group = "data-group-22222222-aaaa-4bbb-8ccc-000000000002"
    assert roles == {("Group", f"{group}-data-storage-blob-data-reader"),
                     ("Group", f"{group}-workspace-azureml-data-scientist"),
                     # submitting code and notebooks on a workspace whose storage takes no keys
                     ("Group", f"{group}-workspace-storage-storage-blob-data-contributor"),
                     ("Group", f"{group}-workspace-storage-storage-file-data-privileged-"
                               "contributor")}
