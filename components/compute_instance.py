"""Compute instance: one user's workstation in the workspace, running as a user-assigned identity.

The instance belongs to one Entra ID user (``personal`` authorization), has SSH and local auth off
and shuts down after a period of inactivity. Its identity (seed 000 step 2; seed 002, "Data
storage") pulls images and reads data like a cluster's, mounts the workspace file share as itself,
which on an identity-based workspace needs Storage File Data Privileged Contributor on the
storage account (how-to-disable-local-auth-storage, Limitations: "Use user assigned identity to
create the compute instance, and make sure the user-assigned identity has Storage File Data
Privileged Contributor"; an instance with a system-assigned identity is not supported there, so
this component takes a user-assigned one only), and also holds Contributor on the workspace: "If
the compute instance is also configured for idle shutdown, the compute instance won't shut down
due to inactivity unless the managed identity has contributor access to the Azure Machine
Learning workspace" (seed 002). Contributor is on the workspace resource only, never on
the group.

Its owner works on it as themselves: AzureML Compute Operator on this instance only (start, stop,
restart and open it: how-to-create-compute-instance, "Create on behalf of"), and Storage Blob Data
Contributor and Storage File Data Privileged Contributor on the workspace storage, where notebooks
and the files they open live (how-to-disable-local-auth-storage: users "must be assigned the
Storage Blob Data Contributor and Storage File Data Privileged Contributor roles").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

import pulumi
from pulumi_azure_native import authorization
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, InstanceOf, SkipValidation, StrictInt

from . import catalog
from .access import USER_STORAGE_ROLES, Grant, Principal, after, grant
from .arguments import (
    OBJECT_ID,
    OBJECT_ID_ALLOWED,
    VM_SIZE_PATTERN,
    Arguments,
    ObjectId,
    Problem,
    SecretName,
    StrInput,
    azure_name,
)
from .azure import sources
from .catalog import LIES, Fixed, Seconds, Shown
from .compute import (
    COMPUTE,
    LOCAL_AUTH,
    NODE_PUBLIC_IP,
    VM_SIZE,
    compute_grants,
    compute_lifecycle,
    in_network,
    offered_size,
)
from .identity import UserIdentity, ml_identity
from .workspace import WorkspaceRef

INSTANCE_CREATE_ONLY = ["properties.properties.vmSize",
                        "properties.properties.idleTimeBeforeShutdown",
                        "properties.properties.sshSettings",
                        "properties.properties.enableNodePublicIp"]
"""Set only at creation: "It isn't possible to change the virtual machine size of compute instance
once it's created"; idle shutdown through ARM is "only configurable during new compute instance
creation"; SSH "can't be enabled or disabled after creation" (how-to-create-compute-instance)."""

_CREATE_DOC = "MicrosoftDocs/azure-ai-docs how-to-create-compute-instance.md"
catalog.register_kind(COMPUTE, catalog.Kind(
    "ComputeInstance", Seconds(300, catalog.ESTIMATE + " (the instance boots a VM)"),
    fixed=(Fixed("properties.properties.vmSize", LIES,
                 "\"It isn't possible to change the virtual machine size of compute instance "
                 "once it's created\"", _CREATE_DOC),
           Fixed("properties.properties.idleTimeBeforeShutdown", LIES,
                 "idle shutdown in ARM templates is \"only configurable during new compute "
                 "instance creation\"", _CREATE_DOC + "; Azure/bicep#17617"),
           Fixed("properties.properties.sshSettings", LIES,
                 "SSH \"can't be enabled or disabled after creation\"", _CREATE_DOC)),
    shown=(VM_SIZE,
           Shown("idle before shutdown", "properties.properties.idleTimeBeforeShutdown"),
           LOCAL_AUTH,
           Shown("ssh", "properties.properties.sshSettings.sshPublicAccess"),
           NODE_PUBLIC_IP,
           Shown("assigned user", "properties.properties.personalComputeInstanceSettings."
                                  "assignedUser.objectId"))))


class ComputeInstanceSpec(Arguments):
    """A compute instance of one user."""

    assigned_user_object_id: ObjectId = Field(pattern=OBJECT_ID,
                                              json_schema_extra=OBJECT_ID_ALLOWED)
    """Entra ID object id of the user it belongs to (the only one who can use it)."""
    vm_size: str = Field("Standard_DS11_v2", pattern=VM_SIZE_PATTERN)
    """VM size, one Azure ML compute offers (fixed at creation: a change replaces the
    instance)."""
    # "Minimum is 15 min, maximum is 3 days" (ComputeInstanceProperties, REST spec)
    idle_minutes_before_shutdown: StrictInt = Field(60, ge=15, le=3 * 24 * 60)
    """Idle minutes before it shuts down (fixed at creation)."""
    secrets: tuple[SecretName, ...] = ()
    """Names of workspace key vault secrets code on the instance reads as the instance identity
    (Key Vault Secrets User on each, never the whole vault); each must exist."""


class ComputeInstanceArgs(ComputeInstanceSpec):
    """Arguments of :class:`ComputeInstance`: the instance, the workspace it is in and what it
    runs as."""

    workspace: InstanceOf[WorkspaceRef]
    compute_name: Annotated[StrInput, azure_name("compute instance")]
    """Azure name, unique in the region."""
    identity: SkipValidation[UserIdentity]
    """User-assigned identity the instance runs as."""
    assigned_user_tenant_id: StrInput
    """Entra ID tenant of the user it belongs to."""
    extra_reads: Mapping[str, StrInput] = {}
    """More blob data to read (an account or container id), by a short target name."""
    extra_pulls: Mapping[str, StrInput] = {}
    """More registries to pull from (a private base-image registry), by a short target name."""
    secrets_made_by: Sequence[pulumi.Resource] = ()
    """What creates those of ``secrets`` that the program makes (see
    :class:`~components.compute.ComputeClusterArgs`)."""
    node_public_ip: bool = True
    """A public IP on the instance (Azure's default); False in a managed network (fixed at
    creation: a change replaces the instance)."""
    owner_storage_roles: bool = True
    """Grant the owner the workspace storage roles; False when another grant already gives them
    (a second assignment of the same role to the same principal on the same scope has the same
    deterministic name: deleting either would delete both)."""
    allow_unlisted_vm_size: bool = False
    """Take a VM size this package does not list for Azure ML compute (one newer than its
    list)."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + offered_size(self.vm_size, self.allow_unlisted_vm_size)


class ComputeInstance(pulumi.ComponentResource):
    """A personal compute instance and the roles its identity needs."""

    id: pulumi.Output[str]
    name: pulumi.Output[str]
    principal_id: pulumi.Output[str]
    client_id: pulumi.Output[str]
    """What code on the instance passes as ``AZURE_CLIENT_ID`` to act as the instance identity."""
    grants: list[Grant]
    """The roles of the instance identity, then those of its owner."""

    def __init__(self, name: str, args: ComputeInstanceArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:compute:ComputeInstance", name, {}, opts)
        ws, user = args.workspace, args.identity
        self.grants = compute_grants(self, name, ws, user.principal, system_assigned=False,
                                     extra_pulls=args.extra_pulls, extra_reads=args.extra_reads,
                                     secrets=args.secrets, secrets_made_by=args.secrets_made_by)
        self.grants += [
            grant(self, f"{name}-storage", user.principal,
                  "Storage File Data Privileged Contributor", ws.storage_account_id,
                  sources.INSTANCE_FILES),
            grant(self, f"{name}-workspace", user.principal, "Contributor", ws.id,
                  sources.IDLE_SHUTDOWN)]
        instance = ml.Compute(
            name,
            compute_name=args.compute_name,
            **ws.inside(),
            identity=ml_identity(user),
            properties=ml.ComputeInstanceArgs(
                compute_type="ComputeInstance",
                disable_local_auth=True,
                properties=ml.ComputeInstancePropertiesArgs(
                    vm_size=args.vm_size,
                    compute_instance_authorization_type="personal",
                    personal_compute_instance_settings=ml.PersonalComputeInstanceSettingsArgs(
                        assigned_user=ml.AssignedUserArgs(
                            object_id=args.assigned_user_object_id,
                            tenant_id=args.assigned_user_tenant_id)),
                    ssh_settings=ml.ComputeInstanceSshSettingsArgs(ssh_public_access="Disabled"),
                    enable_node_public_ip=args.node_public_ip,
                    idle_time_before_shutdown=f"PT{args.idle_minutes_before_shutdown}M",
                ),
            ),
            tags=dict(args.tags),
            # Idle shutdown, image pulls and data mounts act as the identity from the first start.
            opts=after(self.grants, also=in_network(ws), parent=self,
                       **compute_lifecycle(ws, INSTANCE_CREATE_ONLY)),
        )
        owner = Principal(args.assigned_user_object_id, args.assigned_user_object_id,
                          authorization.PrincipalType.USER)
        self.grants.append(grant(self, f"{name}-owner", owner, "AzureML Compute Operator",
                                 instance.id, sources.INSTANCE_OWNER))
        if args.owner_storage_roles:
            self.grants += [grant(self, f"{name}-owner-storage", owner, role,
                                  ws.storage_account_id, sources.USER_STORAGE)
                            for role in USER_STORAGE_ROLES]
        self.id = instance.id
        self.name = instance.name
        self.principal_id = user.principal_id
        self.client_id = user.client_id
        self.register_outputs({"id": self.id, "name": self.name,
                               "principal_id": self.principal_id, "client_id": self.client_id})
