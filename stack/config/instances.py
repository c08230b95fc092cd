"""The compute instances section: personal compute instances, each running as its own
user-assigned identity."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from components import ComputeInstance, ComputeInstanceArgs
from components.arguments import azure_name
from components.compute import offered_size
from components.compute_instance import ComputeInstanceSpec, InstanceSchedule

from ..names import instance_identity_purpose
from .base import ConfigModel, Keys, Problems, size_problems_at, unique
from .section import Identity, Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings


class ScheduleSettings(InstanceSchedule, ConfigModel):
    """A time the instance starts or stops on its own."""


class InstanceSettings(ComputeInstanceSpec, ConfigModel):
    """A compute instance of one user, running as its own user-assigned identity."""

    name: Annotated[str, azure_name("compute instance")]
    """Name; the Azure name adds the stack's suffix (instance names are unique per region)."""
    schedules: tuple[ScheduleSettings, ...] = Field((), max_length=4, description=(
        "Times it starts or stops on its own (at most four; a change keeps the instance)."))


def _sizes(s: StackSettings, k: Keys) -> Problems:
    return size_problems_at(k, "computeInstances", InstanceSettings, [
        offered_size(inst.vm_size, s.allow_unlisted_vm_sizes) for inst in s.compute_instances])


def _names(s: StackSettings, k: Keys) -> Problems:
    names = s.names
    return unique(k("computeInstances"), [i.name for i in s.compute_instances]) + [
        f"{k('computeInstances')}[{i}].name: {x} (shorten the name)"
        for i, inst in enumerate(s.compute_instances) for x in names.instance_problems(inst.name)]


def _identities(s: StackSettings) -> list[Identity]:
    return [Identity(instance_identity_purpose(i.name), "computeInstances")
            for i in s.compute_instances]


def _build(p: Platform) -> None:
    s = p.settings
    data_users = {u.object_id for u in s.data_users}
    p.instances = {i.name: ComputeInstance(f"instance-{i.name}", ComputeInstanceArgs(
        **i.arguments(ComputeInstanceSpec), workspace=p.workspace.ref,
        compute_name=p.suffix.apply(partial(p.names.compute_instance, i.name)),
        identity=p.identities[instance_identity_purpose(i.name)],
        assigned_user_tenant_id=p.client.tenant_id, extra_reads=p.reads, extra_pulls=p.pulls,
        secrets_made_by=p.secrets_made, node_public_ip=not s.network,
        # a data user holds the storage roles already, from the data grants
        owner_storage_roles=i.assigned_user_object_id not in data_users,
        allow_unlisted_vm_size=s.allow_unlisted_vm_sizes, tags=p.tags))
        for i in s.compute_instances}


SECTION = Section(keys=("computeInstances",), rules=(_sizes, _names), identities=_identities,
                  build=_build)
