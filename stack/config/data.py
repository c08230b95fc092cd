"""The data sections: the storage account training data is read from by identity (built before the
workspace, which reaches it through its managed network), and who reads it (the workspace's
datastore and the users, attached once the workspace exists)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StrictBool

from components import DataStorage, DataStorageArgs, DataUser
from components.arguments import OBJECT_ID, OBJECT_ID_ALLOWED, ObjectId, resource_id

from .base import ConfigModel, Keys, Problems, unique
from .section import Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings

DataUserType = Literal["User", "Group"]

DATA_BLOB = "data-blob"
"""The private endpoint (and managed network rule) to the data account's blobs."""


class DataStorageSettings(ConfigModel):
    """The storage account training data is read from by identity."""

    create: StrictBool = Field(False, description="Create a keyless account (or give existingId).")
    existing_id: Annotated[str, resource_id("Microsoft.Storage/storageAccounts",
                                            "storage account")] | None = Field(
        None, description="Resource id of an existing account (its container must exist).")
    container: str = Field("data", pattern=r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$",
                           description="Container of the data: 3-63 lowercase letters, digits and "
                                       "single hyphens.")

    def rules(self, k: Keys) -> Problems:
        if self.create == (self.existing_id is not None):
            return [f"{k()} = {self.model_dump(by_alias=True)!r} is not allowed: either create: "
                    "true or existingId: <storage account id>"]
        return []


class DataUserSettings(ConfigModel):
    """An Entra ID user or group that works with the data as itself."""

    object_id: ObjectId = Field(pattern=OBJECT_ID, description="Entra ID object id (a GUID).",
                                json_schema_extra=OBJECT_ID_ALLOWED)
    type: DataUserType = Field("Group", description="User or Group.")


def _account_name(s: StackSettings, k: Keys) -> Problems:
    if s.data_storage is None or s.data_storage.existing_id:
        return []
    return [f"{k('dataStorage')}: {x}" for x in s.names.data_storage_problems()]


def _build_storage(p: Platform) -> None:
    s, data = p.settings, p.settings.data_storage
    if data is None:
        return
    p.data = DataStorage("data", DataStorageArgs(
        container_name=data.container, existing_id=data.existing_id,
        account_name=None if data.existing_id else p.suffix.apply(p.names.data_storage_account),
        sku=s.storage_sku, protect=p.protect, private=s.network is not None, tags=p.tags,
        **p.place))


STORAGE = Section(keys=("dataStorage",), rules=(_account_name,), build=_build_storage)
"""Identity-based data access (seed 002): the account, before a workspace that reaches it through
its managed network."""


def _users_need_storage(s: StackSettings, k: Keys) -> Problems:
    if s.data_users and s.data_storage is None:
        return [f"{k('dataUsers')} = {[u.object_id for u in s.data_users]!r} is not allowed: "
                "nothing unless dataStorage is on (create: true or existingId)"]
    return []


def _unique_users(s: StackSettings, k: Keys) -> Problems:
    return unique(k("dataUsers"), [u.object_id for u in s.data_users], "objectId")


def _build_users(p: Platform) -> None:
    if p.data is None:
        return
    p.data.attach(p.workspace.ref, [DataUser(u.object_id, u.type) for u in p.settings.data_users])
    if p.network is not None and p.data.created:  # people reach it privately too
        p.network.endpoint(DATA_BLOB, p.names.private_endpoint(DATA_BLOB), p.data.account_id,
                           "blob", readers=[p.workspace.principal])


USERS = Section(keys=("dataUsers",), rules=(_users_need_storage, _unique_users),
                build=_build_users)
"""Who reads the data as themselves: the workspace (a datastore) and the users."""
