"""Managed online endpoint that serves as a managed identity.

"If the endpoint identity is a user-assigned identity, there's no automatic role assignment"
(Azure ML, "Authentication and authorization for online endpoints"): the stack grants it AcrPull
on the registry (images), Storage Blob Data Reader on the workspace storage (models), AzureML
Metrics Writer (preview) on the workspace (metrics) and Key Vault Secrets User on the key vault
(secrets the scoring code reads; seed 003). Azure grants a system-assigned endpoint identity the
first three itself, so the stack grants that one only the key vault role.

Deployments that run on the endpoint must wait for :attr:`OnlineEndpoint.grants`: Azure fails a
deployment whose identity cannot pull its image yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
from pulumi_azure_native import machinelearningservices as ml

from .identity import ManagedIdentity, identity_ids, ml_identity
from .roles import Grant, grant_role
from .workspace import WorkspaceRef


@dataclass
class OnlineEndpointArgs:
    """Arguments of :class:`OnlineEndpoint`."""

    workspace: WorkspaceRef
    endpoint_name: pulumi.Input[str]
    """Azure name: 3-32 letters, digits and single hyphens, unique in the region."""
    identity: Optional[ManagedIdentity] = None
    """User-assigned identity the endpoint serves as; None for a system-assigned identity."""
    auth_mode: str = "AADToken"
    """How callers authenticate: AADToken (Entra ID), AMLToken, or Key (only when asked for)."""
    public_network_access: str = "Enabled"
    tags: Mapping[str, str] = field(default_factory=dict)


class OnlineEndpoint(pulumi.ComponentResource):
    """A managed online endpoint and the roles its identity needs."""

    id: pulumi.Output[str]
    name: pulumi.Output[str]
    scoring_uri: pulumi.Output[str]
    """URI that scores requests, known once the endpoint exists."""
    swagger_uri: pulumi.Output[str]
    """URI of the endpoint's OpenAPI document."""
    principal_id: pulumi.Output[str]
    """Principal id of the identity the endpoint serves as."""
    client_id: pulumi.Output[Optional[str]]
    """Client id of the user-assigned identity (the deployment's ``AZURE_CLIENT_ID``); None for a
    system-assigned identity."""
    grants: list[Grant]
    """The roles this component grants the endpoint identity."""

    def __init__(self, name: str, args: OnlineEndpointArgs,
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("ml-platform:endpoint:OnlineEndpoint", name, {}, opts)
        ws = args.workspace
        user = args.identity
        endpoint = ml.OnlineEndpoint(
            name,
            endpoint_name=args.endpoint_name,
            workspace_name=ws.name,
            resource_group_name=ws.resource_group_name,
            location=ws.location,
            identity=ml_identity(args.identity),
            properties=ml.OnlineEndpointPropertiesArgs(
                auth_mode=args.auth_mode,
                public_network_access=args.public_network_access,
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.principal_id, self.client_id = identity_ids(user, endpoint)
        holder = dict(principal_name=user.name if user else endpoint.name,
                      principal_id=self.principal_id)
        self.grants = [] if user is None else [  # Azure grants these to a system identity itself
            grant_role(self, name, "registry", "AcrPull", scope=ws.container_registry_id, **holder),
            grant_role(self, name, "storage", "Storage Blob Data Reader",
                       scope=ws.storage_account_id, **holder),
            grant_role(self, name, "workspace", "AzureML Metrics Writer (preview)",
                       scope=ws.id, **holder),
        ]
        self.grants.append(grant_role(self, name, "key-vault", "Key Vault Secrets User",
                                      scope=ws.key_vault_id, **holder))

        self.id = endpoint.id
        self.name = endpoint.name
        self.scoring_uri = endpoint.properties.apply(lambda p: p.scoring_uri)
        self.swagger_uri = endpoint.properties.apply(lambda p: p.swagger_uri)
        self.register_outputs({"id": self.id, "name": self.name, "scoring_uri": self.scoring_uri,
                               "swagger_uri": self.swagger_uri, "principal_id": self.principal_id,
                               "client_id": self.client_id})
