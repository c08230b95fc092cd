"""Who holds which role on what, and which workload runs as which identity, in the real stacks."""

from __future__ import annotations

import re

import pytest

from components.azure.roles import BUILT_IN_ROLES, assignment_name
from components.testing.mocks import (
    DEPLOYER_OBJECT_ID,
    RANDOM_SUFFIX,
    SUBSCRIPTION_ID,
    registry_stack,
)
from components.testing.runner import StackRun
from offline.policy_check import stack_settings

from ..conftest import ROLE_ASSIGNMENT, grants, one, shared_run

S = RANDOM_SUFFIX
ML_REGISTRY = registry_stack("organization/ml-registry/shared")["registryId"]
"""The Azure ML registry dev and prod reference (mlRegistry.stack), as the mocks answer it."""


def expected_grants(env: str, clusters: list[str], endpoints: list[str],
                    secrets: tuple[str, ...] = ()) -> set[tuple[str, str, str]]:
    """Seed 002's table for the workspace identity, and the workload roles for each cluster and
    endpoint identity, all user-assigned; each endpoint reads ``secrets``, one by one."""
    st, kv, cr = f"stmlplat{env}{S}", f"kv-mlplat-{env}-{S}", f"crmlplat{env}{S}"
    appi, mlw = f"appi-mlplat-{env}", f"mlw-mlplat-{env}-{S}"
    ws = f"id-mlplat-{env}-workspace"
    rows = {(ws, "Contributor", mlw), (ws, "Contributor", st),
            (ws, "Storage Blob Data Contributor", st), (ws, "Contributor", kv),
            (ws, "Key Vault Administrator", kv), (ws, "Contributor", cr), (ws, "Contributor", appi)}
    for c in clusters:
        who = f"id-mlplat-{env}-cluster-{c}"
        # jobs write outputs, models and MLflow artifacts to the default datastore as it
        rows |= {(who, "AcrPull", cr), (who, "Storage Blob Data Contributor", st)}
    for e in endpoints:
        who = f"id-mlplat-{env}-endpoint-{e}"
        # the stricter of two Microsoft pages (keyless storage: Contributor; auth page: Reader)
        rows |= {(who, "AcrPull", cr), (who, "Storage Blob Data Contributor", st),
                 (who, "AzureML Metrics Writer (preview)", mlw),
                 *((who, "Key Vault Secrets User", f"{kv}/secrets/{name}") for name in secrets)}
    return rows


def test_dev_access_matrix_is_exactly_the_documented_roles(dev: StackRun) -> None:
    # the deployer uploads the sample's model, code and data as itself, to the assets container
    deployer = {(DEPLOYER_OBJECT_ID, "Storage Blob Data Contributor", "ml-assets")}
    # dev publishes into the shared Azure ML registry: its cluster creates assets, its endpoint
    # uses them
    registry = {("id-mlplat-dev-cluster-cpu", "AzureML Registry User", ML_REGISTRY),
                ("id-mlplat-dev-endpoint-score", "Reader", ML_REGISTRY)}
    # the cpu cluster runs the batch endpoint's jobs (how-to-disable-local-auth-storage, PRS)
    batch = {("id-mlplat-dev-cluster-cpu", role, f"stmlplatdev{S}")
             for role in ("Storage Queue Data Contributor", "Storage Table Data Contributor")}
    expected = expected_grants("dev", ["cpu"], ["score"], ("sample-secret",)) | deployer | \
        registry | batch
    assert grants(dev) == expected
    assert len(dev.of_type(ROLE_ASSIGNMENT)) == len(expected)


def test_prod_access_matrix_is_exactly_the_documented_roles(prod: StackRun) -> None:
    # prod keeps training data in its own account, which each cluster reads (seed 002, Data storage)
    data = {(f"id-mlplat-prod-cluster-{c}", "Storage Blob Data Reader", "training")
            for c in ("cpu", "gpu")}
    # its managed network's private endpoints, approved by the workspace identity
    approver = {("id-mlplat-prod-workspace", "Azure AI Enterprise Network Connection Approver",
                 target) for target in (f"stmlplatprod{S}", f"kv-mlplat-prod-{S}",
                                        f"crmlplatprod{S}", f"stmlplatproddata{S}")}
    # the studio reaches the closed storage through its private endpoints, as the workspace too
    readers = {("id-mlplat-prod-workspace", "Reader", f"pe-mlplat-prod-{pe}")
               for pe in ("storage-blob", "storage-file", "data-blob")}
    # prod uses the shared Azure ML registry's assets, reached through its managed network
    registry = {(f"id-mlplat-prod-{who}", "Reader", ML_REGISTRY)
                for who in ("cluster-cpu", "cluster-gpu", "endpoint-score")} | {
        ("id-mlplat-prod-workspace", "Azure AI Enterprise Network Connection Approver",
         ML_REGISTRY)}
    # the customer-managed key's identity uses the key, and only it
    key = {("id-mlplat-prod-encryption", "Key Vault Crypto Service Encryption User", "cmk")}
    expected = (expected_grants("prod", ["cpu", "gpu"], ["score"]) | data | approver | readers
                | registry | key)
    assert grants(prod) == expected
    assert len(prod.of_type(ROLE_ASSIGNMENT)) == len(expected)


def test_every_assignment_is_well_formed(stack: StackRun) -> None:
    for a in stack.of_type(ROLE_ASSIGNMENT):
        i = a.inputs
        # identities are service principals; the deployer here an az login (no ARM_CLIENT_ID)
        deployer = i["principalId"] == DEPLOYER_OBJECT_ID
        assert i["principalType"] == ("User" if deployer else "ServicePrincipal"), a.name
        guid = i["roleDefinitionId"].rsplit("/", 1)[1]
        assert i["roleDefinitionId"] == (f"/subscriptions/{SUBSCRIPTION_ID}/providers/"
                                         f"Microsoft.Authorization/roleDefinitions/{guid}")
        role = next(name for name, g in BUILT_IN_ROLES.items() if g == guid)
        assert i["roleAssignmentName"] == assignment_name(i["scope"], i["principalId"], role)


def test_no_identity_holds_a_privileged_role_on_a_group_or_subscription(stack: StackRun) -> None:
    broad = re.compile(r"/subscriptions/[^/]+(/resourceGroups/[^/]+)?/?", re.I)
    for a in stack.of_type(ROLE_ASSIGNMENT):
        assert not broad.fullmatch(a.inputs["scope"]), a.name


def test_assignment_names_are_stable_across_runs(dev: StackRun, dev_again: StackRun) -> None:
    assert ({a.name: a.inputs["roleAssignmentName"] for a in dev_again.of_type(ROLE_ASSIGNMENT)}
            == {a.name: a.inputs["roleAssignmentName"] for a in dev.of_type(ROLE_ASSIGNMENT)})


def test_workspace_runs_as_the_identity_that_holds_its_grants(stack: StackRun) -> None:
    uami = one(stack, "UserAssignedIdentity", "workspace-identity")
    ws = one(stack, "machinelearningservices:Workspace")
    # beside it, the identity that uses the customer-managed key (prod)
    keys = [one(stack, "UserAssignedIdentity", "encryption-identity").id] \
        if stack.stack == "prod" else []
    assert ws.inputs["identity"] == {"type": "UserAssigned",
                                     "userAssignedIdentities": [uami.id, *keys]}
    assert ws.inputs["primaryUserAssignedIdentity"] == uami.id
    holders = {a.inputs["principalId"] for a in stack.of_type(ROLE_ASSIGNMENT)
               if a.parent == ws.parent}
    assert holders == {uami.outputs["principalId"]}


def test_workspace_waits_for_the_grants_on_its_dependents(stack: StackRun) -> None:
    ws = one(stack, "machinelearningservices:Workspace")
    on_dependents = {a.urn for a in stack.of_type(ROLE_ASSIGNMENT)
                     if a.parent == ws.parent and a.inputs["scope"] != ws.id}
    on_workspace = {a.urn for a in stack.of_type(ROLE_ASSIGNMENT) if a.inputs["scope"] == ws.id
                    and a.parent == ws.parent}
    # seed 002's six, and where it has a managed network the approver role on each private
    # endpoint target: storage, key vault, registry, the data account and the Azure ML registry
    settings = stack_settings(stack)
    network = (3 + (settings.data_storage is not None) + (settings.ml_registry is not None)) \
        if settings.network else 0
    assert len(on_dependents) == 6 + network and len(on_workspace) == 1
    assert on_dependents <= set(ws.dependencies)
    assert not on_workspace & set(ws.dependencies)


@pytest.mark.parametrize("cluster", ["cpu"])
def test_cluster_runs_as_its_identity_and_waits_for_its_grants(stack: StackRun,
                                                               cluster: str) -> None:
    uami = one(stack, "UserAssignedIdentity", f"cluster-{cluster}-identity")
    compute = one(stack, "machinelearningservices:Compute", f"cluster-{cluster}")
    assert compute.inputs["identity"] == {"type": "UserAssigned",
                                          "userAssignedIdentities": [uami.id]}
    mine = [a for a in stack.of_type(ROLE_ASSIGNMENT) if a.parent == compute.parent]
    assert {a.inputs["principalId"] for a in mine} == {uami.outputs["principalId"]}
    assert {a.urn for a in mine} <= set(compute.dependencies)


def test_endpoint_runs_as_its_identity(stack: StackRun) -> None:
    uami = one(stack, "UserAssignedIdentity", "endpoint-score-identity")
    endpoint = one(stack, "machinelearningservices:OnlineEndpoint", "endpoint-score")
    assert endpoint.inputs["identity"] == {"type": "UserAssigned",
                                           "userAssignedIdentities": [uami.id]}
    mine = [a for a in stack.of_type(ROLE_ASSIGNMENT) if a.parent == endpoint.parent]
    # AcrPull, Blob Data Contributor, Metrics Writer, and one grant per secret it reads (dev: one)
    assert len(mine) == 3 + len(stack_settings(stack).online_endpoints[0].secrets)
    assert {a.inputs["principalId"] for a in mine} == {uami.outputs["principalId"]}


def test_system_assigned_identities_get_only_what_azure_does_not_grant() -> None:
    run = shared_run("dev", {
        "workspaceIdentity": "systemAssigned",
        "computeClusters": [{"name": "cpu", "identity": "systemAssigned"}],
        "onlineEndpoints": [{"name": "score", "identity": "systemAssigned",
                             "secrets": ["sample-secret"]}],
        "batchEndpoints": [],  # a batch cluster runs as a user-assigned identity
    })
    assert run.of_type("azure-native:managedidentity:UserAssignedIdentity") == []
    ws = one(run, "machinelearningservices:Workspace")
    compute = one(run, "machinelearningservices:Compute")
    endpoint = one(run, "machinelearningservices:OnlineEndpoint")
    assert ws.inputs["identity"] == {"type": "SystemAssigned"}
    assert "primaryUserAssignedIdentity" not in ws.inputs
    assert compute.inputs["identity"] == {"type": "SystemAssigned"}
    assert endpoint.inputs["identity"] == {"type": "SystemAssigned"}
    assert grants(run) == {("cpu", "Storage Blob Data Contributor", f"stmlplatdev{S}"),
                           (DEPLOYER_OBJECT_ID, "Storage Blob Data Contributor", "ml-assets"),
                           ("cpu", "AzureML Registry User", ML_REGISTRY),  # a publisher
                           (f"score-dev-{S}", "Reader", ML_REGISTRY),
                           (f"score-dev-{S}", "Key Vault Secrets User",
                            f"kv-mlplat-dev-{S}/secrets/sample-secret")}
    assert not {d for d in ws.dependencies if run.resources[d].type == ROLE_ASSIGNMENT}


def test_an_existing_registry_is_used_and_granted_on_not_created() -> None:
    existing = ("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-shared/"
                "providers/Microsoft.ContainerRegistry/registries/crshared01")
    run = shared_run("dev", {"existingRegistryId": existing})
    assert run.of_type("azure-native:containerregistry:Registry") == []
    assert one(run, "machinelearningservices:Workspace").inputs["containerRegistry"] == existing
    on_registry = {(who, role) for who, role, scope in grants(run) if scope == existing}
    assert on_registry == {("id-mlplat-dev-workspace", "Contributor"),
                           ("id-mlplat-dev-cluster-cpu", "AcrPull"),
                           ("id-mlplat-dev-endpoint-score", "AcrPull")}
    assert all(a.inputs["roleDefinitionId"].startswith(
        "/subscriptions/11111111-1111-1111-1111-111111111111/")
        for a in run.of_type(ROLE_ASSIGNMENT) if a.inputs["scope"] == existing)
    assert run.outputs["registryLoginServer"] == "crshared01.azurecr.io"


def test_no_two_assignments_are_one_in_azure(stack: StackRun, everything: StackRun) -> None:
    # one role for one principal on one scope twice has one deterministic name: deleting either
    # Pulumi resource would delete the other's assignment in Azure
    for run in (stack, everything):
        names = [a.inputs["roleAssignmentName"] for a in run.of_type(ROLE_ASSIGNMENT)]
        assert len(names) == len(set(names))
