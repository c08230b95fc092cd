"""A scoring endpoint, with its own identity, in a workspace another stack manages."""

import pulumi

from components import (
    ManagedIdentity,
    ManagedIdentityArgs,
    OnlineEndpoint,
    OnlineEndpointArgs,
    WorkspaceRef,
)

workspace = WorkspaceRef.existing(pulumi.Config().require("workspaceId"))
identity = ManagedIdentity("scorer", ManagedIdentityArgs(
    resource_group_name=workspace.resource_group_name, location=workspace.location,
    identity_name="id-scoring-team"))
endpoint = OnlineEndpoint("fraud", OnlineEndpointArgs(
    workspace=workspace, endpoint_name="fraud-scoring-7q2", identity=identity,
    secrets=["fraud-api-key"]))  # what its scoring code reads from the workspace key vault

pulumi.export("scoringUri", endpoint.scoring_uri)
pulumi.export("clientId", endpoint.client_id)
