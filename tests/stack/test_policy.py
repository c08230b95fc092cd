"""The policy pack, run as the Pulumi CLI runs it and called over the Analyzer gRPC interface,
passes the real stacks and catches an insecure variant of each rule."""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from pulumi.runtime import proto
from pulumi.runtime.rpc import UNKNOWN

from components import catalog
from components.azure.roles import BUILT_IN_ROLES, PRIVILEGED_ROLES
from components.testing.runner import Registration, StackRun, run_stack
from offline.analyzer import BLOCKING, PolicyAnalyzer
from offline.policy_check import Violation, check, diagnostics

from ..conftest import BATCH, PACK, PROJECT_DIR, one, shared_run

RG = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-mlplat-dev"


def test_the_real_stacks_pass_every_policy(dev: StackRun, prod: StackRun, aks: StackRun) -> None:
    for run in (dev, prod, aks):
        assert check(run, PACK) == [], run.stack


def test_dev_fails_the_production_rules_without_its_pack_config(dev: StackRun) -> None:
    assert {v.policy for v in check(dev, PACK, config={})} == {
        "key-vault-purge-protection", "stateful-resources-protected", "network-workspace-private",
        "network-dependents-private", "network-endpoint-private", "network-compute-no-public-ip",
        "workspace-customer-managed-key"}
    keyed = shared_run("dev", {"workspaceStorageKeyAccess": True})
    assert check(keyed, PACK) == []  # dev may ask for keys
    assert {v.policy for v in check(keyed, PACK, config={})} >= {"storage-no-shared-keys"}


def test_production_refuses_public_traffic() -> None:
    public = shared_run("prod", {"network": None})
    assert sorted({(v.policy, v.resource) for v in check(public, PACK)}) == [
        ("network-compute-no-public-ip", "cluster-cpu"),
        ("network-compute-no-public-ip", "cluster-gpu"),
        ("network-dependents-private", "data-storage"),
        ("network-dependents-private", "encryption-key-vault"),
        ("network-dependents-private", "registry"),
        ("network-dependents-private", "workspace-key-vault"),
        ("network-dependents-private", "workspace-storage"),
        ("network-endpoint-private", "endpoint-score"),
        ("network-workspace-private", "workspace")]


def test_production_refuses_storage_keys() -> None:
    keyed = shared_run("prod", {"workspaceStorageKeyAccess": True})
    assert [(v.policy, v.resource) for v in check(keyed, PACK)] == [
        ("storage-no-shared-keys", "workspace-storage")]
    assert one(shared_run("prod"), "storage:StorageAccount", "workspace-storage").inputs[
        "allowSharedKeyAccess"] is False


Spoil = Callable[[Registration], Registration]


def _inputs(mutate: Callable[[dict[str, Any]], None]) -> Spoil:
    def spoil(r: Registration) -> Registration:
        inputs = copy.deepcopy(r.inputs)
        mutate(inputs)
        return replace(r, inputs=inputs)
    return spoil


def _set(path: str, value: Any) -> Spoil:
    def mutate(props: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        for key in parents:
            props = props.setdefault(key, {})
        props[leaf] = value
    return _inputs(mutate)


def _drop(path: str) -> Spoil:
    def mutate(props: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        for key in parents:
            props = props[key]
        del props[leaf]
    return _inputs(mutate)


def _grant(role: str, scope: str) -> Spoil:
    """A role assignment changed to grant ``role`` on ``scope``."""
    return _inputs(lambda p: p.update(scope=scope, roleDefinitionId=p["roleDefinitionId"].rsplit(
        "/", 1)[0] + "/" + BUILT_IN_ROLES[role]))


# policy -> (type suffix of the prod resource to spoil, how)
INSECURE: dict[str, tuple[str, Spoil]] = {
    "registry-no-admin-user": ("containerregistry:Registry", _set("adminUserEnabled", True)),
    "registry-no-anonymous-pull": ("containerregistry:Registry",
                                   _set("anonymousPullEnabled", True)),
    "key-vault-rbac": ("keyvault:Vault", _set("properties.enableRbacAuthorization", False)),
    "key-vault-soft-delete-retention": ("keyvault:Vault",
                                        _drop("properties.softDeleteRetentionInDays")),
    "key-vault-purge-protection": ("keyvault:Vault", _drop("properties.enablePurgeProtection")),
    "storage-no-public-blob-access": ("storage:StorageAccount",
                                      _set("allowBlobPublicAccess", True)),
    "storage-min-tls-1-2": ("storage:StorageAccount", _set("minimumTlsVersion", "TLS1_0")),
    "storage-https-only": ("storage:StorageAccount", _set("enableHttpsTrafficOnly", False)),
    "storage-no-shared-keys": ("storage:StorageAccount", _drop("allowSharedKeyAccess")),
    "key-vault-secrets-per-secret": ("authorization:RoleAssignment", _grant(
        "Key Vault Secrets User", f"{RG}/providers/Microsoft.KeyVault/vaults/kv-mlplat-prod")),
    "compute-no-local-auth": ("machinelearningservices:Compute",
                              _set("properties.disableLocalAuth", False)),
    "compute-no-ssh": ("machinelearningservices:Compute",
                       _set("properties.properties.remoteLoginPortPublicAccess", "NotSpecified")),
    "compute-instance-stops": ("machinelearningservices:Compute", _set("properties", {
        "computeType": "ComputeInstance", "disableLocalAuth": True, "properties": {
            "enableNodePublicIp": False, "sshSettings": {"sshPublicAccess": "Disabled"},
            "schedules": {"computeStartStop": [{"action": "Stop", "status": "Disabled"}]}}})),
    "endpoint-token-auth": ("machinelearningservices:OnlineEndpoint",
                            _set("properties.authMode", "Key")),
    "batch-endpoint-entra-auth": ("machinelearningservices:BatchEndpoint",
                                  _set("properties.authMode", "AMLToken")),
    "role-assignment-principal-type": ("authorization:RoleAssignment", _drop("principalType")),
    "role-assignment-not-privileged-on-group": ("authorization:RoleAssignment",
                                                _grant("Contributor", RG)),
    "network-workspace-private": ("machinelearningservices:Workspace",
                                  _set("publicNetworkAccess", "Enabled")),
    "network-dependents-private": ("keyvault:Vault", _drop("properties.publicNetworkAccess")),
    "network-endpoint-private": ("machinelearningservices:OnlineEndpoint",
                                 _set("properties.publicNetworkAccess", "Enabled")),
    "network-compute-no-public-ip": ("machinelearningservices:Compute",
                                     _set("properties.properties.enableNodePublicIp", True)),
    "workspace-customer-managed-key": ("machinelearningservices:Workspace", _drop("encryption")),
    "workspace-identity-datastores": ("machinelearningservices:Workspace",
                                      _set("systemDatastoresAuthMode", "AccessKey")),
    "stateful-resources-protected": ("storage:StorageAccount",
                                     lambda r: replace(r, protect=False)),
    "ml-registry-no-public-blobs": ("machinelearningservices:Registry", _inputs(
        lambda p: p["regionDetails"][1]["storageAccountDetails"][0][
            "systemCreatedStorageAccount"].pop("allowBlobPublicAccess"))),
}


@pytest.fixture(scope="module")
def resources(prod: StackRun) -> list[tuple[StackRun, Registration]]:
    """Every resource of prod, then of prod with a batch endpoint, then of the shared Azure ML
    registry's own stack (whose registry prod references)."""
    shared = run_stack("shared", project=PROJECT_DIR / "samples" / "registry")
    return [(run, r) for run in (prod, shared_run("prod", BATCH), shared)
            for r in run.resources.values()]


def blocking(run: StackRun, resource: Registration) -> set[str]:
    """The policies that fail a preview of ``run`` on ``resource``, over gRPC."""
    return {d.policy for d in diagnostics(run, PACK, resources=[resource])
            if d.enforcement_level in BLOCKING}


STACK_POLICIES = ("batch-deployment-user-assigned-cluster", "diagnostics-to-log-analytics")
"""The pack's stack policies, which read the whole stack (their insecure variants are below)."""


def test_every_policy_of_the_pack_has_an_insecure_variant(pack: PolicyAnalyzer) -> None:
    assert set(pack.policies) == set(INSECURE) | set(STACK_POLICIES)


@pytest.mark.parametrize("policy", sorted(INSECURE))
def test_each_policy_catches_an_insecure_variant(
        resources: list[tuple[StackRun, Registration]], policy: str) -> None:
    type_suffix, spoil = INSECURE[policy]
    run, original = next((run, r) for run, r in resources if r.type.endswith(type_suffix))
    assert blocking(run, original) == set()
    assert blocking(run, spoil(original)) == {policy}


@pytest.mark.parametrize("type_", sorted(t.token for t in catalog.TYPES.values() if t.stateful))
def test_the_pack_wants_every_stateful_type_of_the_catalog_protected(
        resources: list[tuple[StackRun, Registration]], type_: str) -> None:
    # the pack reads the types from policy/catalog.json
    run, original = next((run, r) for run, r in resources if r.type == type_)
    assert blocking(run, original) == set()
    assert blocking(run, replace(original, protect=False)) == {"stateful-resources-protected"}


def test_key_auth_is_caught_unless_the_pack_config_allows_it() -> None:
    keyed = shared_run("prod", {"onlineEndpoints": [{"name": "score", "authMode": "Key"}]})
    assert [v.policy for v in check(keyed, PACK)] == ["endpoint-token-auth"]
    assert check(keyed, PACK, {"endpoint-token-auth": {"allowKeyAuth": True}}) == []


def _unknown(r: Registration, *paths: str) -> Registration:
    """``r`` with the inputs at ``paths`` unknown, as a preview sends a value Azure computes."""
    inputs = copy.deepcopy(r.inputs)
    for path in paths:
        *parents, leaf = path.split(".")
        target = inputs
        for key in parents:
            target = target[key]
        target[leaf] = UNKNOWN
    return replace(r, inputs=inputs)


def test_a_preview_with_unknown_values_still_gets_every_verdict_the_known_ones_decide(
        prod: StackRun) -> None:
    vault = _set("properties.enableRbacAuthorization", False)(
        one(prod, "keyvault:Vault", "workspace-key-vault"))
    unknown_name = _unknown(vault, "vaultName", "properties.tenantId")
    assert blocking(prod, unknown_name) == {"key-vault-rbac"}
    grant = next(r for r in prod.of_type("azure-native:authorization:RoleAssignment")
                 if r.inputs["roleDefinitionId"].endswith(BUILT_IN_ROLES["AcrPull"]))
    assert diagnostics(prod, PACK, resources=[_unknown(grant, "scope", "principalId")]) == []


def test_a_policy_that_needs_an_unknown_value_says_so_without_failing_the_preview(
        prod: StackRun) -> None:
    grant = next(r for r in prod.of_type("azure-native:authorization:RoleAssignment")
                 if r.inputs["roleDefinitionId"].endswith(BUILT_IN_ROLES["AcrPull"]))
    privileged = _unknown(_grant("Contributor", RG)(grant), "scope")
    [said] = diagnostics(prod, PACK, resources=[privileged])
    assert (said.policy, said.enforcement_level) == (
        "role-assignment-not-privileged-on-group", "advisory")
    assert "string value at .scope can't be known during preview" in said.message


def test_pack_knows_the_same_privileged_roles_as_the_components() -> None:
    spec = importlib.util.spec_from_file_location("ml_platform_policies", PACK / "policies.py")
    assert spec and spec.loader
    policies = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(policies)
    assert {BUILT_IN_ROLES[r]: r for r in PRIVILEGED_ROLES} == policies.PRIVILEGED_ROLE_GUIDS


def test_every_policy_is_mandatory_and_the_stack_policies_are_known(pack: PolicyAnalyzer) -> None:
    assert {p.enforcementLevel for p in pack.info.policies} == {proto.MANDATORY}
    assert len(pack.policies) == len(set(pack.policies))
    # the offline check sends AnalyzeStack after Analyze, as the engine does
    assert {p.name for p in pack.info.policies
            if p.policy_type == proto.POLICY_TYPE_STACK} == set(STACK_POLICIES)


def _without(run: StackRun, name: str, spoil: Spoil | None = None) -> StackRun:
    """``run`` without its resource ``name`` (with ``spoil``: with it spoiled)."""
    return replace(run, resources={
        urn: spoil(r) if spoil else r for urn, r in run.resources.items()
        if r.name != name or spoil})


def test_production_sends_every_resource_log_to_log_analytics(prod: StackRun) -> None:
    assert check(prod, PACK) == []
    assert check(_without(prod, "diagnostics-key-vault"), PACK) == [Violation(
        "diagnostics-to-log-analytics", "workspace-key-vault", "no diagnostic setting sends "
        "AuditEvent, AzurePolicyEvaluationDetails to a Log Analytics workspace")]

    def one_category_off(r: Registration) -> Registration:
        if r.name != "diagnostics-registry":
            return r
        return replace(r, outputs={**r.outputs, "logs": r.outputs["logs"][:1]})
    spoiled = _without(prod, "diagnostics-registry", one_category_off)
    assert [(v.resource, v.message) for v in check(spoiled, PACK)] == [
        ("registry", "no diagnostic setting sends ContainerRegistryRepositoryEvents to a Log "
                     "Analytics workspace")]


def test_an_instance_that_stops_on_a_schedule_needs_no_idle_time(prod: StackRun) -> None:
    cluster = next(r for r in prod.resources.values()
                   if r.type.endswith("machinelearningservices:Compute"))
    stop = {"action": "Stop", "status": "Enabled", "triggerType": "Cron",
            "cron": {"expression": "0 19 * * *", "timeZone": "UTC"}}
    scheduled = _set("properties", {
        "computeType": "ComputeInstance", "disableLocalAuth": True, "properties": {
            "enableNodePublicIp": False, "sshSettings": {"sshPublicAccess": "Disabled"},
            "schedules": {"computeStartStop": [stop]}}})(cluster)
    assert blocking(prod, scheduled) == set()


def test_a_batch_deployment_on_a_cluster_without_a_user_assigned_identity_is_refused(
        dev: StackRun) -> None:
    assert check(dev, PACK) == []

    def system_assigned(r: Registration) -> Registration:
        if r.name != "cluster-cpu":
            return r
        return replace(r, outputs={**r.outputs, "identity": {"type": "SystemAssigned"}})
    assert check(_without(dev, "cluster-cpu", system_assigned), PACK) == [Violation(
        "batch-deployment-user-assigned-cluster", "batch-score-batch-blue",
        "runs on cluster-cpu, whose identity is not user-assigned: batch jobs need a cluster with "
        "a user-assigned identity holding Storage Queue and Table Data Contributor")]
