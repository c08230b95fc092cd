"""The stack section: the tokens of every name, the region, the resource group, protection of
stateful resources and the overrides of the package's lists (regions, VM sizes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources

from components import catalog
from components.arguments import region_problems
from components.azure.names import RULES

from ..names import SUFFIX_LENGTH
from .base import Keys, Problems
from .section import Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings


# The types this section makes itself (the library makes neither), in the catalog beside the
# library's (components/catalog.py).
_LOCAL = "computed locally by pulumi-random"
_DRAWN_FIRST = "a name or value in the resource's inputs"
RANDOM_STRING = catalog.register(catalog.ResourceType(
    "random:index/randomString:RandomString", "random string",
    created_in=catalog.Seconds(0, _LOCAL), required_by_all=_DRAWN_FIRST,
    replaced_on=("*",)))  # pulumi/pulumi-random: every argument forces a new value
RESOURCE_GROUP = catalog.register(catalog.ResourceType(
    "azure-native:resources:ResourceGroup", "resource group",
    created_in=catalog.Seconds(2, catalog.ESTIMATE), required_by_all="created inside the group",
    id_template="/subscriptions/{subscription}/resourceGroups/{resourceGroupName}",
    name="resourceGroupName", name_rule=RULES["resource group"], replaced_on=("location",)))


def _location(s: StackSettings, k: Keys) -> Problems:
    return s.words(region_problems(("location",), s.location, s.allow_unlisted_location), k,
                   whole_keys=True)


def _names(s: StackSettings, k: Keys) -> Problems:
    """The names of the stack's own resources, from the workload and environment tokens, fit
    Azure's rules (the suffix included)."""
    return [f"{k('workload')}/{k('environment')}: {x}" for x in s.names.problems()]


def _build(p: Platform) -> None:
    s = p.settings
    # Drawn once and kept in state: the tail of the names Azure wants unique, never digits only.
    p.suffix = random.RandomString("name-suffix", length=SUFFIX_LENGTH, upper=False,
                                   special=False, min_lower=1).result
    if s.resource_group_name:  # an existing group: deploy into it, leave it unmanaged
        p.resource_group_name = pulumi.Output.from_input(s.resource_group_name)
    else:
        # Deleting a group deletes everything in it, retained or not (pulumi-azure-native
        # #2522), so it is kept like the data it holds.
        p.resource_group_name = resources.ResourceGroup(
            "resource-group", resource_group_name=p.names.resource_group(),
            location=s.location, tags=p.tags,
            opts=pulumi.ResourceOptions(protect=p.protect, retain_on_delete=p.protect)).name
    p.place = {"resource_group_name": p.resource_group_name, "location": s.location,
               "allow_unlisted_location": s.allow_unlisted_location}
    p.client = authorization.get_client_config_output()


SECTION = Section(
    keys=("environment", "workload", "location", "allowUnlistedLocation", "resourceGroupName",
          "protectStatefulResources", "allowUnlistedVmSizes"),
    rules=(_location, _names), build=_build)
