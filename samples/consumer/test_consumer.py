"""Another team's tests of its own program, with the package's testing kit (no Azure, no CLI)."""

from pathlib import Path

from components.testing import run_stack

PROJECT = Path(__file__).parent
ROLE = "azure-native:authorization:RoleAssignment"


def test_the_endpoint_runs_as_its_own_identity_with_the_roles_it_needs() -> None:
    run = run_stack("dev", project=PROJECT)  # __main__.py with Pulumi.dev.yaml, under mocks
    identity = run.one("managedidentity:UserAssignedIdentity")
    endpoint = run.one("machinelearningservices:OnlineEndpoint")
    assert endpoint.inputs["identity"]["userAssignedIdentities"] == [identity.id]
    granted = {(a.inputs["roleDefinitionId"].rsplit("/", 1)[1], a.inputs["scope"].split("/")[-2])
               for a in run.of_type(ROLE)
               if a.inputs["principalId"] == identity.outputs["principalId"]}
    assert granted == {
        ("7f951dda-4ed3-4680-a7ca-43fe172d538d", "registries"),  # AcrPull
        ("ba92f5b4-2d11-453d-a403-e96b0029c9fe", "storageAccounts"),  # Blob Data Contributor
        ("635dd51f-9968-44d3-b7fb-6d9a6bd613ae", "workspaces"),  # AzureML Metrics Writer (preview)
        ("4633458b-17de-408a-b874-0445c86b69e6", "secrets"),  # Key Vault Secrets User, one secret
    }
    assert run.outputs["clientId"] == identity.outputs["clientId"]
    assert run.outputs["scoringUri"].endswith(".inference.ml.azure.com/score")
