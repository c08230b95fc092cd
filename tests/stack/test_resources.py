"""Security posture, per-environment settings, protection, names and outputs of the real stacks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components import catalog
from components.compute import COMPUTE
from components.endpoint import ONLINE_ENDPOINT
from components.identity import USER_ASSIGNED_IDENTITY
from components.registry import REGISTRY
from components.testing.mocks import TENANT_ID
from components.testing.runner import StackRun
from components.workspace import (
    APPLICATION_INSIGHTS,
    KEY_VAULT,
    LOG_ANALYTICS,
    ML_WORKSPACE,
    STORAGE_ACCOUNT,
)
from offline.policy_check import stack_settings
from stack.config.stack import RESOURCE_GROUP

from ..conftest import DEPLOYMENT, ROLE_ASSIGNMENT, one, shared_run


def test_registry_has_no_admin_user_and_no_anonymous_pull(stack: StackRun) -> None:
    registry = one(stack, "containerregistry:Registry")
    assert registry.inputs["adminUserEnabled"] is False
    assert registry.inputs["anonymousPullEnabled"] is False


def test_registry_sku_per_environment(dev: StackRun, prod: StackRun) -> None:
    assert one(dev, "containerregistry:Registry").inputs["sku"] == {"name": "Basic"}
    assert one(prod, "containerregistry:Registry").inputs["sku"] == {"name": "Premium"}


def test_storage_is_private_https_and_tls12(stack: StackRun) -> None:
    accounts = stack.of_type("azure-native:storage:StorageAccount")
    assert len(accounts) == {"dev": 1, "prod": 2}[stack.stack]  # prod: workspace and training data
    for account in (a.inputs for a in accounts):
        assert account["allowBlobPublicAccess"] is False
        assert account["minimumTlsVersion"] == "TLS1_2"
        assert account["enableHttpsTrafficOnly"] is True
        assert account["kind"] == "StorageV2"


def test_key_vault_uses_rbac_and_purge_protection_only_in_prod(dev: StackRun,
                                                               prod: StackRun) -> None:
    dev_vault = one(dev, "keyvault:Vault", "workspace-key-vault").inputs["properties"]
    prod_vault = one(prod, "keyvault:Vault", "workspace-key-vault").inputs["properties"]
    assert dev_vault["enableRbacAuthorization"] is prod_vault["enableRbacAuthorization"] is True
    # ARM rejects an explicit false: off means the property is absent.
    assert "enablePurgeProtection" not in dev_vault
    assert prod_vault["enablePurgeProtection"] is True
    assert (dev_vault["softDeleteRetentionInDays"],
            prod_vault["softDeleteRetentionInDays"]) == (7, 90)


def test_insights_is_backed_by_log_analytics(stack: StackRun) -> None:
    insights = one(stack, "applicationinsights:Component").inputs
    assert insights["workspaceResourceId"] == one(stack, "operationalinsights:Workspace").id
    assert insights["ingestionMode"] == "LogAnalytics"


def test_workspace_is_wired_to_its_dependents_with_identity_datastores(stack: StackRun) -> None:
    ws = one(stack, "machinelearningservices:Workspace").inputs
    assert ws["storageAccount"] == one(stack, "storage:StorageAccount", "workspace-storage").id
    assert ws["keyVault"] == one(stack, "keyvault:Vault", "workspace-key-vault").id
    assert ws["applicationInsights"] == one(stack, "applicationinsights:Component").id
    assert ws["containerRegistry"] == one(stack, "containerregistry:Registry").id
    assert ws["systemDatastoresAuthMode"] == "Identity"


def test_clusters_scale_to_zero_without_ssh_or_local_auth(stack: StackRun) -> None:
    for compute in stack.of_type("azure-native:machinelearningservices:Compute"):
        props = compute.inputs["properties"]
        assert props["computeType"] == "AmlCompute"
        assert props["disableLocalAuth"] is True
        assert props["properties"]["remoteLoginPortPublicAccess"] == "Disabled"
        assert props["properties"]["scaleSettings"]["minNodeCount"] == 0


def test_cluster_settings_come_from_config(prod: StackRun) -> None:
    gpu = one(prod, "machinelearningservices:Compute", "cluster-gpu").inputs["properties"]
    assert gpu["properties"]["vmSize"] == "Standard_NC4as_T4_v3"
    assert gpu["properties"]["vmPriority"] == "LowPriority"
    assert gpu["properties"]["scaleSettings"] == {"minNodeCount": 0, "maxNodeCount": 2,
                                                 "nodeIdleTimeBeforeScaleDown": "PT120S"}
    cpu = one(prod, "machinelearningservices:Compute", "cluster-cpu").inputs["properties"]
    assert cpu["properties"]["scaleSettings"]["nodeIdleTimeBeforeScaleDown"] == "PT600S"


def test_endpoint_uses_token_auth_by_default_and_key_only_when_configured(stack: StackRun) -> None:
    # closed to public traffic where the stack is private (prod), open elsewhere
    closed = stack_settings(stack).network is not None
    assert one(stack, "machinelearningservices:OnlineEndpoint").inputs["properties"] == {
        "authMode": "AADToken", "publicNetworkAccess": "Disabled" if closed else "Enabled"}
    keyed = shared_run("dev", {"onlineEndpoints": [{"name": "score", "authMode": "Key"}]})
    assert one(keyed, "machinelearningservices:OnlineEndpoint").inputs["properties"] == {
        "authMode": "Key", "publicNetworkAccess": "Enabled"}


def test_prod_protects_and_retains_stateful_resources_and_dev_nothing(dev: StackRun,
                                                                      prod: StackRun) -> None:
    assert not [r.name for r in dev.resources.values() if r.protect or r.retain_on_delete]
    protected = {r.name for r in prod.resources.values() if r.protect}
    retained = {r.name for r in prod.resources.values() if r.retain_on_delete}
    kept = {r.name for r in prod.resources.values() if r.custom and catalog.get(r.type).stateful}
    # with the data: the training container, the workspace storage's blob service settings, and the
    # resource group, whose delete would delete them all (pulumi-azure-native#2522)
    assert protected == retained == kept | {"workspace-blob-service", "resource-group"}
    assert {"data-container", "data-storage", "workspace-storage"} <= kept


def test_deleted_blobs_and_containers_are_recoverable(dev: StackRun, prod: StackRun) -> None:
    for run, days in ((dev, 7), (prod, 30)):
        blobs = one(run, "storage:BlobServiceProperties").inputs
        assert (blobs["accountName"]
                == one(run, "storage:StorageAccount", "workspace-storage").outputs["name"])
        assert blobs["blobServicesName"] == "default"
        assert blobs["deleteRetentionPolicy"] == {"enabled": True, "days": days}
        assert blobs["containerDeleteRetentionPolicy"] == {"enabled": True, "days": days}


def test_every_azure_name_is_within_azure_rules(stack: StackRun) -> None:
    checked = set()
    for r in stack.resources.values():
        rule = catalog.get(r.type).name_rule if r.custom else None
        if rule:
            assert r.azure_name is not None and rule.problem(r.azure_name) is None, r.name
            checked.add(r.type)
    # the names the stack's settings make (the others are fixed in the code or made by Azure)
    assert checked >= {RESOURCE_GROUP, STORAGE_ACCOUNT, KEY_VAULT, REGISTRY, LOG_ANALYTICS,
                       APPLICATION_INSIGHTS, ML_WORKSPACE, USER_ASSIGNED_IDENTITY, COMPUTE,
                       ONLINE_ENDPOINT}


def test_existing_resource_group_is_used_not_created() -> None:
    run = shared_run("dev", {"resourceGroupName": "rg-platform-shared"})
    assert run.of_type("azure-native:resources:ResourceGroup") == []
    groups = {r.inputs["resourceGroupName"] for r in run.resources.values()
              if "resourceGroupName" in r.inputs}
    assert groups == {"rg-platform-shared"}
    assert run.outputs["resourceGroupName"] == "rg-platform-shared"


def test_tags_mark_every_taggable_resource(dev: StackRun) -> None:
    untaggable = (ROLE_ASSIGNMENT, "azure-native:storage:BlobServiceProperties",
                  "azure-native:storage:BlobContainer", "azure-native:monitor:DiagnosticSetting")
    in_properties = ("Datastore", "ModelVersion", "CodeVersion", "EnvironmentVersion")
    checked = set()
    for r in dev.resources.values():
        if r.custom and r.type.startswith("azure-native:") and r.type not in untaggable:
            tags = (r.inputs["properties"]["tags"] if r.type.endswith(in_properties)
                    else r.inputs["tags"])
            assert tags == {"workload": "mlplat", "environment": "dev",
                            "managed-by": "pulumi", "cost-center": "ml-dev"}, r.name
            checked.add(r.type.rsplit(":", 1)[1])
    assert checked >= {"OnlineDeployment", "BatchEndpoint", "BatchDeployment", "Deployment",
                       *in_properties}


def test_outputs_point_at_the_right_resources(stack: StackRun) -> None:
    out = stack.outputs
    ws = one(stack, "machinelearningservices:Workspace")
    ws_identity = one(stack, "UserAssignedIdentity", "workspace-identity")
    assert (out["workspaceName"], out["workspaceId"]) == (ws.outputs["name"], ws.id)
    assert out["workspaceIdentity"] == {"principalId": ws_identity.outputs["principalId"],
                                        "clientId": ws_identity.outputs["clientId"]}
    assert out["tenantId"] == TENANT_ID
    assert (out["registryLoginServer"]
            == one(stack, "containerregistry:Registry").outputs["loginServer"])
    for name, cluster in out["computeClusters"].items():
        identity = one(stack, "UserAssignedIdentity", f"cluster-{name}-identity").outputs
        assert cluster == {"name": name, "principalId": identity["principalId"],
                           "clientId": identity["clientId"]}
    endpoint = one(stack, "machinelearningservices:OnlineEndpoint", "endpoint-score").outputs
    identity = one(stack, "UserAssignedIdentity", "endpoint-score-identity").outputs
    assert out["onlineEndpoints"]["score"] == {
        "name": endpoint["name"], "scoringUri": endpoint["properties"]["scoringUri"],
        "swaggerUri": endpoint["properties"]["swaggerUri"],
        "principalId": identity["principalId"], "clientId": identity["clientId"],
        "deployments": [d.inputs["deploymentName"] for d in stack.of_type(DEPLOYMENT)],
        "traffic": {d.inputs["deploymentName"]: 100 for d in stack.of_type(DEPLOYMENT)}}
    assert len(out["grants"]) == len(stack.of_type(ROLE_ASSIGNMENT))
    assert {(g["principalId"], g["scope"]) for g in out["grants"]} == {
        (a.inputs["principalId"], a.inputs["scope"]) for a in stack.of_type(ROLE_ASSIGNMENT)}


@pytest.mark.parametrize("secretish", ["key", "password", "connectionstring", "secret", "token"])
def test_no_output_is_named_like_a_secret(stack: StackRun, secretish: str) -> None:
    def keys(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from keys(v)
        elif isinstance(value, list):
            for v in value:
                yield from keys(v)
    assert not [k for k in keys(stack.outputs) if secretish in k.lower()]
