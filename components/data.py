"""Training data reached by identity, never by key (seed 002, "Data storage").

A blob container, in a storage account the stack creates (shared-key access off) or in an existing
one, registered as a datastore that stores no credentials: "identity-based data access" means each
reader authenticates as itself, a job as its compute identity or as the submitting user. So:

- compute identities that read the data get Storage Blob Data Reader on the container (the
  compute components take it as an ``extra_reads`` scope, so they wait for the grant);
- Entra ID users or groups given here get Storage Blob Data Reader on the container and AzureML
  Data Scientist on the workspace, so they can submit jobs that run with their own identity, and
  Storage Blob Data Contributor and Storage File Data Privileged Contributor on the workspace
  storage, which a workspace whose storage takes no keys needs for submitting code, notebooks and
  browsing data in the studio (how-to-disable-local-auth-storage).

Grants on the data are on the container, the narrowest scope a blob data role can have. An
existing account's container must exist already.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

import pulumi
from pulumi_azure_native import authorization, storage
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, StrictBool

from .access import USER_STORAGE_ROLES, Grant, Principal, grant
from .arguments import (
    OBJECT_ID,
    OBJECT_ID_ALLOWED,
    Arguments,
    ObjectId,
    Placed,
    Problem,
    StrInput,
    azure_name,
    resource_id,
)
from .azure import sources
from .azure.resource_ids import parse_resource_id
from .network import closed_storage_rules
from .workspace import StorageSku, WorkspaceRef

DataUserType = Literal["User", "Group"]
"""What kind of Entra ID principal a data user is."""
EXISTING_ACCOUNT = resource_id("Microsoft.Storage/storageAccounts", "storage account")
"""The id of an existing storage account."""


class DataUser(Arguments):
    """An Entra ID user or group that works with the data as itself."""

    object_id: ObjectId = Field(pattern=OBJECT_ID, json_schema_extra=OBJECT_ID_ALLOWED)
    """Entra ID object id (a GUID)."""
    type: DataUserType = "Group"
    """User or Group."""


class DataContainer(Arguments):
    """Where the data is: a container of a created account or of an existing one."""

    container_name: str = Field("data", pattern=r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
    """Container of the data: 3-63 lowercase letters, digits and single hyphens."""
    existing_id: Annotated[str, EXISTING_ACCOUNT] | None = None
    """Resource id of an existing account (its container must exist); unset: one is created."""


class DataStorageArgs(DataContainer, Placed):
    """Arguments of :class:`DataStorage`: ``account_name`` creates an account, ``existing_id``
    uses one."""

    account_name: Annotated[StrInput | None, azure_name("storage account")] = None
    """Azure name of the account to create, unique in Azure."""
    sku: StorageSku = "Standard_LRS"
    protect: StrictBool = False
    """Protect a created account and its container from deletion by Pulumi and keep them if they
    leave the program."""
    private: StrictBool = False
    """A created account takes no public traffic: compute reads it through a private endpoint
    of the workspace's managed network (the ``blob`` rule of :attr:`DataStorage.account_id`)."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        if (self.account_name is None) == (self.existing_id is None):
            return [*super().cross_checks(), Problem(
                ("account_name",), self.account_name, "an account to create, or {existing_id} "
                "(the resource id of one to use), exactly one")]
        return super().cross_checks()


class DataStorage(pulumi.ComponentResource):
    """A data container; once attached to a workspace, its credential-less datastore and the
    users' grants.

    The account exists before the workspace, so that a workspace with a managed network can
    carry the private endpoint rule to it among its own outbound rules (one writer of the rules:
    a separate ``ManagedNetworkSettingsRule`` beside them is dropped or fought over by the
    workspace's full PUT, pulumi/pulumi-azure-native#3225, Azure/terraform-provider-azapi#453).
    """

    container_id: pulumi.Output[str]
    """Resource id of the container: the scope of every data grant."""
    account_id: pulumi.Output[str]
    """Resource id of the account (created or existing): what a private endpoint targets."""
    created: bool
    """Whether the account is this component's (an existing one belongs to someone else)."""
    datastore_name: str
    grants: list[Grant]
    """The roles granted to the users given to :meth:`attach`."""

    def __init__(self, name: str, args: DataStorageArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:data:DataStorage", name, {}, opts)
        self._name, self._args = name, args
        self.grants = []
        self.datastore_name = args.container_name.replace("-", "_")
        self.created = args.existing_id is None
        if args.existing_id is not None:
            existing = parse_resource_id(args.existing_id, "Microsoft.Storage/storageAccounts")
            self._account: tuple[pulumi.Input[str], pulumi.Input[str], str | None] = (
                existing.name, existing.resource_group_name, existing.subscription_id)
            self.account_id = pulumi.Output.from_input(args.existing_id)
            self.container_id = pulumi.Output.from_input(
                f"{args.existing_id}/blobServices/default/containers/{args.container_name}")
            self._created: list[pulumi.Resource] = []
        else:
            account = storage.StorageAccount(
                f"{name}-storage",
                account_name=args.account_name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                kind=storage.Kind.STORAGE_V2,
                sku=storage.SkuArgs(name=args.sku),
                allow_blob_public_access=False,
                allow_shared_key_access=False,  # identity only: nothing here uses a key
                public_network_access="Disabled" if args.private else None,
                network_rule_set=closed_storage_rules() if args.private else None,
                minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
                enable_https_traffic_only=True,
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect,
                                            retain_on_delete=args.protect),
            )
            container = storage.BlobContainer(
                f"{name}-container", account_name=account.name,
                resource_group_name=args.resource_group_name, container_name=args.container_name,
                public_access=storage.PublicAccess.NONE,  # the data itself: kept with the account
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect,
                                            retain_on_delete=args.protect))
            self._account = (account.name, args.resource_group_name, None)
            self.account_id = account.id
            self.container_id = container.id
            self._created = [container]
        self.register_outputs({"container_id": self.container_id})

    def attach(self, ws: WorkspaceRef, users: Sequence[DataUser] = ()) -> None:
        """Register the container as a datastore of ``ws`` and grant ``users`` what they need to
        work with the data as themselves."""
        name = self._name
        account_name, group, subscription = self._account
        ml.Datastore(
            f"{name}-datastore",
            name=self.datastore_name,
            workspace_name=ws.name,
            resource_group_name=ws.resource_group_name,
            properties=ml.AzureBlobDatastoreArgs(
                datastore_type="AzureBlob",
                account_name=account_name,
                container_name=self._args.container_name,
                resource_group=group,
                subscription_id=subscription,
                credentials=ml.NoneDatastoreCredentialsArgs(credentials_type="None"),
                description="Training data, read as the reader's own identity (no stored "
                            "credentials).",
                tags=dict(self._args.tags),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._created,
                                        deleted_with=ws.resource),
        )
        for user in users:
            who = Principal(user.object_id, user.object_id, authorization.PrincipalType(user.type))
            target = f"{user.type.lower()}-{user.object_id}"
            self.grants += [
                grant(self, f"{name}-{target}-data", who, "Storage Blob Data Reader",
                      self.container_id, sources.DATA_USERS),
                grant(self, f"{name}-{target}-workspace", who, "AzureML Data Scientist", ws.id,
                      sources.DATA_USERS),
                # Submitting a job uploads its code snapshot, notebooks live on the file share.
                *(grant(self, f"{name}-{target}-workspace-storage", who, role,
                        ws.storage_account_id, sources.USER_STORAGE)
                  for role in USER_STORAGE_ROLES),
            ]
