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

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import pulumi
from pulumi_azure_native import authorization
from pulumi_azure_native import machinelearningservices as ml
from pydantic import AfterValidator, Field, InstanceOf, SkipValidation, StrictBool, StrictInt

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
from .azure.time_zones import WINDOWS_TIME_ZONES
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
from .instance_schedules import InstanceSchedules
from .workspace import WorkspaceRef

INSTANCE_CREATE_ONLY = ["properties.properties.vmSize",
                        "properties.properties.sshSettings",
                        "properties.properties.enableNodePublicIp"]
"""Set only at creation: "It isn't possible to change the virtual machine size of compute instance
once it's created"; SSH "can't be enabled or disabled after creation"
(how-to-create-compute-instance)."""
INSTANCE_SCHEDULED = ["properties.properties.idleTimeBeforeShutdown",
                      "properties.properties.schedules"]
"""Sent at creation only, and changed afterwards by :class:`~components.instance_schedules.
InstanceSchedules`: idle shutdown through ARM is "only configurable during new compute instance
creation" (how-to-create-compute-instance; Azure/bicep#17617), and a PUT with other schedules
leaves them as they were (Azure/bicep-types-az#2543) or is refused
(Azure/azure-quickstart-templates#11830)."""

_CREATE_DOC = "MicrosoftDocs/azure-ai-docs how-to-create-compute-instance.md"
catalog.register_kind(COMPUTE, catalog.Kind(
    "ComputeInstance", Seconds(300, catalog.ESTIMATE + " (the instance boots a VM)"),
    fixed=(Fixed("properties.properties.vmSize", LIES,
                 "\"It isn't possible to change the virtual machine size of compute instance "
                 "once it's created\"", _CREATE_DOC),
           Fixed("properties.properties.sshSettings", LIES,
                 "SSH \"can't be enabled or disabled after creation\"", _CREATE_DOC)),
    shown=(VM_SIZE,
           Shown("idle before shutdown", "properties.properties.idleTimeBeforeShutdown"),
           Shown("schedules", "properties.properties.schedules.computeStartStop"),
           LOCAL_AUTH,
           Shown("ssh", "properties.properties.sshSettings.sshPublicAccess"),
           NODE_PUBLIC_IP,
           Shown("assigned user", "properties.properties.personalComputeInstanceSettings."
                                  "assignedUser.objectId"))))


_CRON_FIELDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
"""The range of each field: minute, hour, day of month, month, day of week (Sunday = 0)."""
CRON_ALLOWED = ("five fields: minute, hour, day of month, month, day of week (0-6, Sunday = 0), "
                "each *, a number, a range a-b or a list of them, with an optional /step, "
                "e.g. '0 18 * * 1-5'")
_CRON_ITEM = re.compile(r"^(\*|(\d+)(?:-(\d+))?)(?:/(\d+))?$")


def _cron_field(field: str, low: int, high: int) -> bool:
    for item in field.split(","):
        match = _CRON_ITEM.match(item)
        if match is None or match.group(4) == "0":
            return False
        first, last = match.group(2), match.group(3) or match.group(2)
        if first is not None and not low <= int(first) <= int(last) <= high:
            return False
    return True


def _cron(value: str) -> str:
    """An expression the schedule's ``cron`` takes: the five fields how-to-create-compute-instance
    describes ("use standard cron syntax"; the REST spec's Cron says NCronTab, whose five-field
    form this is)."""
    fields = value.split()
    if len(fields) != len(_CRON_FIELDS) or not all(
            _cron_field(f, *limits) for f, limits in zip(fields, _CRON_FIELDS, strict=True)):
        raise ValueError(CRON_ALLOWED)
    return value


TIME_ZONE_ALLOWED = ("a Windows time zone id, e.g. UTC, W. Europe Standard Time or Pacific "
                     "Standard Time (not an IANA name such as Europe/Paris)")


def _time_zone(value: str) -> str:
    if value not in WINDOWS_TIME_ZONES:
        raise ValueError(TIME_ZONE_ALLOWED)
    return value


class InstanceSchedule(Arguments):
    """A time a compute instance starts or stops on its own ("Schedule automatic start and stop",
    how-to-create-compute-instance)."""

    action: Literal["Start", "Stop"]
    """What happens at that time."""
    cron: Annotated[str, AfterValidator(_cron)] = Field(json_schema_extra={
        "allowed": CRON_ALLOWED})
    """When, as a cron expression in the schedule's time zone (e.g. ``0 19 * * 1-5``: 19:00 on
    weekdays)."""
    time_zone: Annotated[str, AfterValidator(_time_zone)] = Field("UTC", json_schema_extra={
        "allowed": TIME_ZONE_ALLOWED})
    """The time zone of the cron expression, a Windows id ("Timezone labels don't account for day
    light savings")."""
    enabled: StrictBool = True
    """False keeps the schedule but does not act on it."""


def _status(schedule: InstanceSchedule) -> str:
    return "Enabled" if schedule.enabled else "Disabled"


def _arm(schedule: InstanceSchedule) -> dict[str, Any]:
    """A schedule as Azure's REST API takes it (ComputeStartStopSchedule with a Cron trigger)."""
    return {"action": schedule.action, "triggerType": "Cron", "status": _status(schedule),
            "cron": {"expression": schedule.cron, "timeZone": schedule.time_zone}}


def _taken(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The idle time and schedules Azure reports for an instance (its compute's ``properties``
    output), in the form :func:`_arm` gives them: what a new :class:`InstanceSchedules` starts
    from."""
    inner = properties.get("properties") or {}
    taken = (inner.get("schedules") or {}).get("computeStartStop") or []
    return {"idleTimeBeforeShutdown": inner.get("idleTimeBeforeShutdown"), "schedules": [
        {"action": x.get("action"), "triggerType": x.get("triggerType"),
         "status": x.get("status"), "cron": {key: (x.get("cron") or {}).get(key)
                                             for key in ("expression", "timeZone")}}
        for x in taken]}


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
    """Idle minutes before it shuts down (a change is made with Azure's
    ``updateIdleShutdownSetting``; the instance stays)."""
    schedules: tuple[InstanceSchedule, ...] = Field((), max_length=4)
    """Times it starts or stops on its own: "a total of four schedules per compute instance"
    (how-to-create-compute-instance); a change is made with Azure's ``updateSchedules``, the
    instance stays."""
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
        idle = f"PT{args.idle_minutes_before_shutdown}M"
        schedules = [_arm(schedule) for schedule in args.schedules]
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
                    idle_time_before_shutdown=idle,
                    schedules=ml.ComputeSchedulesArgs(compute_start_stop=[
                        ml.ComputeStartStopScheduleArgs(
                            action=x.action, trigger_type="Cron", status=_status(x),
                            cron=ml.CronArgs(expression=x.cron, time_zone=x.time_zone))
                        for x in args.schedules]) if args.schedules else None,
                ),
            ),
            tags=dict(args.tags),
            # Idle shutdown, image pulls and data mounts act as the identity from the first start.
            opts=after(self.grants, also=in_network(ws), parent=self,
                       ignore_changes=INSTANCE_SCHEDULED,
                       **compute_lifecycle(ws, INSTANCE_CREATE_ONLY)),
        )
        # what the instance took at creation, changed later by Azure's own actions
        InstanceSchedules(f"{name}-schedules", compute_id=instance.id,
                          idle_time_before_shutdown=idle, schedules=schedules,
                          taken=instance.properties.apply(_taken),
                          opts=pulumi.ResourceOptions(parent=self))
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
