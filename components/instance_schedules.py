"""Changing a compute instance's idle shutdown and schedules without replacing the instance.

Azure takes both at creation, in the compute's PUT (how-to-create-compute-instance, "Create a
schedule with a Resource Manager template"), but not from a later PUT. Idle shutdown through ARM
is "only configurable during new compute instance creation"; an existing instance's is changed
with ``POST .../computes/<c>/updateIdleShutdownSetting`` (same page; the operation
Compute_UpdateIdleShutdownSetting is in the 2025-12-01 API azure-native uses). A PUT with other
schedules leaves them as they were (Azure/bicep-types-az#2543, 2025) or fails
(Azure/azure-quickstart-templates#11830, where Microsoft answers "Please use UpdateSchedules API
instead"). That action, ``POST .../updateSchedules`` with a ComputeSchedules body, is in the REST
spec of 2021-07-01, the last version that publishes it (the action is still among those
how-to-create-compute-instance lists for an instance's owner): a change of schedules is planned
at risk.

So the compute ignores changes of both, and :class:`InstanceSchedules` makes them. It is created
from what Azure reports of the instance (the compute's outputs) and calls the action of each value
that differs: none for a new instance, which took them at creation, but a replaced instance is
made with the values of the state (ignored changes keep them), and an instance made before this
resource has its own. An update calls the action of each value that changed. A refused call
fails the update: the state keeps the old value, and the next
``pulumi up`` tries again. The deployer needs both actions, which Contributor holds. The provider is
pickled by reference to this module's path, which therefore keeps its name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from azure.core.credentials import TokenCredential
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from . import arm_rest, catalog
from .arm_rest import Send
from .catalog import AT_RISK, Fixed
from .compute import COMPUTE

IDLE = ("idleTimeBeforeShutdown", "updateIdleShutdownSetting", arm_rest.API_VERSION)
"""The input, the action that changes it, and the API version of the action."""
SCHEDULES = ("schedules", "updateSchedules", "2021-07-01")
REPLACE_KEYS = ("computeId",)
"""A new instance takes the values at its creation: these are then recorded anew."""


def schedules_id(props: Mapping[str, Any]) -> str:
    """The provider's id: the instance's id and ``/schedules``."""
    return f"{props['computeId']}/schedules"


INSTANCE_SCHEDULES = catalog.register(catalog.ResourceType(
    "pulumi-python:dynamic/machinelearningservices:InstanceSchedules",
    "compute instance schedules",
    created_in=catalog.Seconds(0, "no call: the instance takes them at its creation"),
    provider_id=schedules_id, replaced_on=REPLACE_KEYS,
    requires={COMPUTE: "its actions are calls on the instance, and it starts from what Azure "
                       "reports of the instance"},
    fixed=(Fixed("schedules", AT_RISK,
                 "a change calls updateSchedules, whose last published API version is "
                 "2021-07-01",
                 "Azure/azure-rest-api-specs machinelearningservices stable/2021-07-01 "
                 "Compute_UpdateSchedules; Azure/azure-quickstart-templates#11830"),)))


def body(key: str, value: Any) -> dict[str, Any]:
    """What the action of input ``key`` is sent."""
    return {"computeStartStop": value} if key == SCHEDULES[0] else {key: value}


def change(compute_id: str, olds: Mapping[str, Any], news: Mapping[str, Any],
           token: TokenCredential | None = None, send: Send = arm_rest.send) -> list[str]:
    """Call the action of each value that differs between ``olds`` and ``news`` on the instance
    ``compute_id``; the actions called. Raises with Azure's answer when one is refused."""
    changed = [(key, action, version) for key, action, version in (IDLE, SCHEDULES)
               if olds.get(key) != news[key]]
    signed = arm_rest.headers(token) if changed else {}
    for key, action, version in changed:
        status, _, answer = arm_rest.post(compute_id, action, body(key, news[key]), signed, send,
                                          version)
        if status not in (200, 202, 204):
            raise RuntimeError(f"{action} of {compute_id} was refused ({status}): "
                               f"{answer.decode(errors='replace')}; the instance keeps its "
                               "previous setting")
    return [action for _, action, _ in changed]


class InstanceSchedulesProvider(ResourceProvider):
    """Create and update of :class:`InstanceSchedules` (Pulumi's dynamic provider host)."""

    serialize_as_secret_always = False  # it captures no secret

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Call only what the instance does not have: a new instance took the values at its
        creation, but one replaced (or made before this resource) holds those of the state."""
        change(props["computeId"], props["taken"], props)
        return CreateResult(schedules_id(props), props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in REPLACE_KEYS if olds.get(key) != news.get(key)]
        changed = bool(replaces) or any(olds.get(key) != news.get(key)
                                        for key, _, _ in (IDLE, SCHEDULES))
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        change(news["computeId"], olds, news)
        return UpdateResult(news)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to call: the schedules go with their instance."""


class InstanceSchedules(pulumi.dynamic.Resource, module="machinelearningservices",
                        name="InstanceSchedules"):
    """The idle shutdown and the start and stop schedules of the compute instance
    ``compute_id``, as Azure's REST API takes them (``PT60M``; ComputeStartStopSchedule);
    ``taken``: the same two as Azure reports them for the instance."""

    def __init__(self, name: str, *, compute_id: pulumi.Input[str],
                 idle_time_before_shutdown: str, schedules: Sequence[Mapping[str, Any]],
                 taken: pulumi.Input[Mapping[str, Any]],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(InstanceSchedulesProvider(), name,
                         {"computeId": compute_id, "idleTimeBeforeShutdown":
                          idle_time_before_shutdown, "schedules": list(schedules),
                          "taken": taken}, opts)
