"""A private container registry whose images the workspace builds on and compute pulls, by identity.

Seed 002, "Use a private Azure Container Registry" > "Build Azure Machine Learning managed
environment into base image from private ACR": image builds run as ACR Tasks on the workspace
registry, so the workspace needs an identity it may hand to them:

1. a user-assigned identity with AcrPull on the private registry;
2. the workspace identity gets Managed Identity Operator on that identity ("allows the workspace
   to assign the user-assigned managed identity to ACR Task");
3. a workspace connection of category container registry whose credentials are that identity
   (client id and resource id), target ``https://<login server>`` (Azure ML "Create connections").

Environments may then name ``<login server>/<repository>:<tag>`` as their base image. Compute that
pulls base images as they are gets AcrPull itself (the compute components' ``extra_pulls``).
"""

from __future__ import annotations

from typing import Annotated

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pydantic import InstanceOf, SkipValidation

from . import catalog
from .access import ROLE_ASSIGNMENT, Grant, Principal, after, grant
from .arguments import Arguments
from .azure import sources
from .identity import USER_ASSIGNED_IDENTITY, UserIdentity
from .registry import AZURE_NATIVE_PROVIDER, EXISTING_REGISTRY, lookup
from .workspace import ML_WORKSPACE, WorkspaceRef, in_workspace

WORKSPACE_CONNECTION = catalog.register(catalog.ResourceType(
    "azure-native:machinelearningservices:WorkspaceConnection", "workspace connection",
    created_in=catalog.Seconds(3, catalog.ESTIMATE),
    id_template=in_workspace("connections/{connectionName}"), name="connectionName",
    requires={ML_WORKSPACE: "a connection belongs to its workspace",
              AZURE_NATIVE_PROVIDER: "its target is the registry's login server, read through "
                                     "the provider of the registry's subscription",
              USER_ASSIGNED_IDENTITY: "the connection's credentials are the identity",
              ROLE_ASSIGNMENT: "image builds may use the connection at once; its identity must "
                               "pull and the workspace may assign it"}))


class PrivateRegistryAccessArgs(Arguments):
    """Arguments of :class:`PrivateRegistryAccess`."""

    workspace: InstanceOf[WorkspaceRef]
    workspace_principal: InstanceOf[Principal]
    """What the workspace acts as (its primary user-assigned identity or its system one)."""
    registry_id: Annotated[str, EXISTING_REGISTRY]
    """Resource id of the private registry (it may live in another group or subscription)."""
    identity: SkipValidation[UserIdentity]
    """The identity image builds pull as."""
    connection_name: str = "private-registry"
    """Name of the workspace connection."""


class PrivateRegistryAccess(pulumi.ComponentResource):
    """The grants and the workspace connection that let image builds pull from a private
    registry."""

    login_server: pulumi.Output[str]
    connection_id: pulumi.Output[str]
    grants: list[Grant]

    def __init__(self, name: str, args: PrivateRegistryAccessArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:registry:PrivateRegistryAccess", name, {}, opts)
        ws, identity = args.workspace, args.identity
        self.login_server = lookup(name, args.registry_id, self).login_server
        self.grants = [
            grant(self, f"{name}-registry", identity.principal, "AcrPull", args.registry_id,
                  sources.PRIVATE_REGISTRY),
            grant(self, f"{name}-identity", args.workspace_principal, "Managed Identity Operator",
                  identity.id, sources.PRIVATE_REGISTRY),
        ]
        connection = ml.WorkspaceConnection(
            name,
            connection_name=args.connection_name,
            workspace_name=ws.name,
            resource_group_name=ws.resource_group_name,
            properties=ml.ManagedIdentityAuthTypeWorkspaceConnectionPropertiesArgs(
                auth_type="ManagedIdentity",
                category=ml.ConnectionCategory.CONTAINER_REGISTRY,
                target=self.login_server.apply(lambda server: f"https://{server}"),
                credentials=ml.WorkspaceConnectionManagedIdentityArgs(
                    client_id=identity.client_id, resource_id=identity.id),
            ),
            # A build may start as soon as the connection exists: the roles must be there.
            opts=after(self.grants, parent=self, deleted_with=ws.resource),
        )
        self.connection_id = connection.id
        self.register_outputs({"login_server": self.login_server,
                               "connection_id": self.connection_id})
