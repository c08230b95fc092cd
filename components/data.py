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
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization, storage
from pulumi_azure_native import machinelearningservices as ml

from .access import USER_STORAGE_ROLES, Grant, Principal, after, grant
from .azure import sources
from .azure.resource_ids import parse_resource_id
from .workspace import NETWORK_APPROVER, WorkspaceRef


@dataclass(frozen=True)
class DataUser:
    """An Entra ID user or group that works with the data under its own identity."""

    object_id: str
    type: str = "Group"
    """``User`` or ``Group``."""


@dataclass
class DataStorageArgs:
    """Arguments of :class:`DataStorage`: ``account_name`` creates an account, ``existing_id``
    uses one."""

    workspace: WorkspaceRef
    container_name: str = "data"
    account_name: pulumi.Input[str] | None = None
    existing_id: str | None = None
    sku: str = "Standard_LRS"
    users: Sequence[DataUser] = ()
    protect: bool = False
    """Protect a created account and its container from deletion by Pulumi and keep them if they
    leave the program."""
    managed_network_principal: Principal | None = None
    """The identity of a workspace with a managed network: a created account then takes no
    public traffic, the identity gets the approver role on it, and the managed network gets a
    private endpoint rule to its blobs, so compute reads the data privately."""
    tags: Mapping[str, str] = field(default_factory=dict)


class DataStorage(pulumi.ComponentResource):
    """A data container, its credential-less datastore and the users' grants."""

    container_id: pulumi.Output[str]
    """Resource id of the container: the scope of every data grant."""
    account_id: pulumi.Output[str] | None
    """Resource id of a created account (what a private endpoint targets); None for an
    existing one."""
    datastore_name: str
    grants: list[Grant]
    """The roles granted to the users given in the arguments (and the approver role of a
    managed network's workspace identity)."""

    def __init__(self, name: str, args: DataStorageArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:data:DataStorage", name, {}, opts)
        if (args.account_name is None) == (args.existing_id is None):
            raise ValueError("DataStorageArgs needs exactly one of account_name and existing_id")
        ws = args.workspace
        self.grants = []
        if args.existing_id is not None:
            existing = parse_resource_id(args.existing_id, "Microsoft.Storage/storageAccounts")
            account_name: pulumi.Input[str] = existing.name
            group: pulumi.Input[str] = existing.resource_group_name
            subscription: str | None = existing.subscription_id
            self.container_id = pulumi.Output.from_input(
                f"{args.existing_id}/blobServices/default/containers/{args.container_name}")
            self.account_id = None
            created = []
        else:
            account = storage.StorageAccount(
                f"{name}-storage",
                account_name=args.account_name,
                resource_group_name=ws.resource_group_name,
                location=ws.location,
                kind=storage.Kind.STORAGE_V2,
                sku=storage.SkuArgs(name=args.sku),
                allow_blob_public_access=False,
                allow_shared_key_access=False,  # identity only: nothing here uses a key
                public_network_access="Disabled" if args.managed_network_principal else None,
                minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
                enable_https_traffic_only=True,
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect,
                                            retain_on_delete=args.protect),
            )
            container = storage.BlobContainer(
                f"{name}-container", account_name=account.name,
                resource_group_name=ws.resource_group_name, container_name=args.container_name,
                public_access=storage.PublicAccess.NONE,  # the data itself: kept with the account
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect,
                                            retain_on_delete=args.protect))
            account_name, group, subscription = account.name, ws.resource_group_name, None
            self.container_id = container.id
            self.account_id = account.id
            created = [container]
            if args.managed_network_principal is not None:
                self._private_rule(name, ws, args.managed_network_principal, account.id)
        self.datastore_name = args.container_name.replace("-", "_")
        ml.Datastore(
            f"{name}-datastore",
            name=self.datastore_name,
            workspace_name=ws.name,
            resource_group_name=ws.resource_group_name,
            properties=ml.AzureBlobDatastoreArgs(
                datastore_type="AzureBlob",
                account_name=account_name,
                container_name=args.container_name,
                resource_group=group,
                subscription_id=subscription,
                credentials=ml.NoneDatastoreCredentialsArgs(credentials_type="None"),
                description="Training data, read as the reader's own identity (no stored "
                            "credentials).",
                tags=dict(args.tags),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=created,
                                        deleted_with=ws.resource),
        )
        for user in args.users:
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
        self.register_outputs({"container_id": self.container_id})

    def _private_rule(self, name: str, ws: WorkspaceRef, approver: Principal,
                      account_id: pulumi.Output[str]) -> None:
        """The managed network's private endpoint to the account's blobs, approved by the
        workspace identity (how-to-managed-network, Required permissions)."""
        approve = grant(self, f"{name}-storage", approver, NETWORK_APPROVER, account_id,
                        sources.MANAGED_NETWORK)
        ml.ManagedNetworkSettingsRule(
            f"{name}-outbound-rule", rule_name=f"{name}-blob", workspace_name=ws.name,
            resource_group_name=ws.resource_group_name,
            properties=ml.PrivateEndpointOutboundRuleArgs(
                type="PrivateEndpoint", category=ml.RuleCategory.USER_DEFINED,
                destination=ml.PrivateEndpointDestinationArgs(
                    service_resource_id=account_id, subresource_target="blob",
                    spark_enabled=False)),
            opts=after([approve], parent=self, deleted_with=ws.resource))
        self.grants.append(approve)
