"""Uses the components on their own: an endpoint with one deployment in an existing workspace,
serving a model from a registry with the sample scoring code uploaded by this program."""

from pathlib import Path

import pulumi

from components import (
    AssetStore,
    AssetStoreArgs,
    ManagedIdentity,
    ManagedIdentityArgs,
    OnlineDeploymentSpec,
    OnlineEndpoint,
    OnlineEndpointArgs,
    WorkspaceRef,
)

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "score"

workspace = WorkspaceRef.existing(pulumi.Config().require("workspaceId"))
identity = ManagedIdentity("scorer", ManagedIdentityArgs(
    resource_group_name=workspace.resource_group_name, location=workspace.location,
    identity_name="id-scoring-team"))
assets = AssetStore("assets", AssetStoreArgs(workspace=workspace))
endpoint = OnlineEndpoint("fraud", OnlineEndpointArgs(
    workspace=workspace, endpoint_name="fraud-scoring-7q2", identity=identity,
    deployments=[OnlineDeploymentSpec(
        name="main",
        model_id="azureml://registries/fraud-models/models/fraud/versions/12",
        environment_id=assets.environment(
            "fraud-env", "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1",
            SAMPLE / "environment" / "conda.yaml").id,
        code_id=assets.code("fraud-code", SAMPLE / "code").id,
        instance_type="Standard_F4s_v2", instance_count=2, traffic=100)]))

pulumi.export("scoringUri", endpoint.scoring_uri)
pulumi.export("traffic", endpoint.traffic)
