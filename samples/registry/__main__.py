"""The platform's shared Azure ML registry, in a stack of its own.

Deployed first: the dev and prod stacks read its ``registryId`` output through a stack reference
(``mlRegistry: {stack: <organization>/ml-registry/shared}``) and grant their own identities on it;
this stack grants only the publisher groups it is given.
"""

import pulumi
from pulumi_azure_native import authorization

from components import MlRegistry, MlRegistryArgs, Principal

config = pulumi.Config()
groups: list[str] = config.get_object("publisherGroups") or []
registry = MlRegistry("registry", MlRegistryArgs(
    registry_name=config.require("registryName"),
    resource_group_name=config.require("resourceGroupName"),
    location=config.require("location"),
    replication_locations=tuple(config.get_object("replicationLocations") or ()),
    publishers={group: Principal(group, group, authorization.PrincipalType.GROUP)
                for group in groups},
    protect=True))

for name, value in registry.exports().items():  # registryId, registryName, assetUriPrefix
    pulumi.export(name, value)
