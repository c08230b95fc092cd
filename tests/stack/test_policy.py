"""The policy pack passes the real stacks and catches an insecure variant of each rule."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from components.azure.roles import BUILT_IN_ROLES, PRIVILEGED_ROLES
from components.testing.runner import StackRun
from offline.policy_check import check, load_pack, load_policies

from ..conftest import PACK, one, shared_run

POLICIES = load_policies(PACK)
RG = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-mlplat-dev"


def test_the_real_stacks_pass_every_policy(stack, aks):
    assert check(stack, PACK) == []
    assert check(aks, PACK) == []


def test_dev_fails_the_production_rules_without_its_pack_config(dev):
    assert {v.policy for v in check(dev, PACK, config={})} == {
        "key-vault-purge-protection", "stateful-resources-protected", "network-workspace-private",
        "network-dependents-private", "network-endpoint-private", "network-compute-no-public-ip"}
    keyed = shared_run("dev", {"workspaceStorageKeyAccess": True})
    assert check(keyed, PACK) == []  # dev may ask for keys
    assert {v.policy for v in check(keyed, PACK, config={})} >= {"storage-no-shared-keys"}


def test_production_refuses_public_traffic():
    public = shared_run("prod", {"network": None})
    assert sorted({(v.policy, v.resource) for v in check(public, PACK)}) == [
        ("network-compute-no-public-ip", "cluster-cpu"),
        ("network-compute-no-public-ip", "cluster-gpu"),
        ("network-dependents-private", "data-storage"),
        ("network-dependents-private", "registry"),
        ("network-dependents-private", "workspace-key-vault"),
        ("network-dependents-private", "workspace-storage"),
        ("network-endpoint-private", "endpoint-score"),
        ("network-workspace-private", "workspace")]


def test_production_refuses_storage_keys():
    keyed = shared_run("prod", {"workspaceStorageKeyAccess": True})
    assert [(v.policy, v.resource) for v in check(keyed, PACK)] == [
        ("storage-no-shared-keys", "workspace-storage")]
    assert one(shared_run("prod"), "storage:StorageAccount", "workspace-storage").inputs[
        "allowSharedKeyAccess"] is False


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(props: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        for key in parents:
            props = props.setdefault(key, {})
        props[leaf] = value
    return mutate


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(props: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        for key in parents:
            props = props[key]
        del props[leaf]
    return mutate


# policy -> (type suffix of the resource to spoil, how)
INSECURE: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
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
    "key-vault-secrets-per-secret": ("authorization:RoleAssignment", lambda p: p.update(
        scope=f"{RG}/providers/Microsoft.KeyVault/vaults/kv-mlplat-prod",
        roleDefinitionId=p["roleDefinitionId"].rsplit("/", 1)[0] + "/"
        + BUILT_IN_ROLES["Key Vault Secrets User"])),
    "compute-no-local-auth": ("machinelearningservices:Compute",
                              _set("properties.disableLocalAuth", False)),
    "compute-no-ssh": ("machinelearningservices:Compute",
                       _set("properties.properties.remoteLoginPortPublicAccess", "NotSpecified")),
    "endpoint-token-auth": ("machinelearningservices:OnlineEndpoint",
                            _set("properties.authMode", "Key")),
    "role-assignment-principal-type": ("authorization:RoleAssignment", _drop("principalType")),
    "role-assignment-not-privileged-on-group": ("authorization:RoleAssignment", lambda p: p.update(
        scope=RG, roleDefinitionId=p["roleDefinitionId"].rsplit("/", 1)[0] + "/"
        + BUILT_IN_ROLES["Contributor"])),
    "network-workspace-private": ("machinelearningservices:Workspace",
                                  _set("publicNetworkAccess", "Enabled")),
    "network-dependents-private": ("keyvault:Vault", _drop("properties.publicNetworkAccess")),
    "network-endpoint-private": ("machinelearningservices:OnlineEndpoint",
                                 _set("properties.publicNetworkAccess", "Enabled")),
    "network-compute-no-public-ip": ("machinelearningservices:Compute",
                                     _set("properties.properties.enableNodePublicIp", True)),
    "workspace-identity-datastores": ("machinelearningservices:Workspace",
                                      _set("systemDatastoresAuthMode", "AccessKey")),
}


def spoiled(run: StackRun, type_suffix: str, mutate: Callable[[dict[str, Any]], None]) -> StackRun:
    """``run`` with the first resource of ``type_suffix`` changed by ``mutate``."""
    urn, target = next((u, r) for u, r in run.resources.items() if r.type.endswith(type_suffix))
    inputs = copy.deepcopy(target.inputs)
    mutate(inputs)
    return replace(run, resources={**run.resources, urn: replace(target, inputs=inputs)})


@pytest.mark.parametrize("policy", [p.name for p in POLICIES])
def test_each_policy_catches_an_insecure_variant(prod, policy):
    if policy == "stateful-resources-protected":
        urn, storage = next((u, r) for u, r in prod.resources.items()
                            if r.type.endswith("StorageAccount"))
        variant = replace(prod, resources={**prod.resources,
                                           urn: replace(storage, protect=False)})
    else:
        variant = spoiled(prod, *INSECURE[policy])
    assert {v.policy for v in check(variant, PACK)} == {policy}


def test_key_auth_is_caught_unless_the_pack_config_allows_it():
    keyed = shared_run("prod", {"onlineEndpoints": [{"name": "score", "authMode": "Key"}]})
    assert [v.policy for v in check(keyed, PACK)] == ["endpoint-token-auth"]
    assert check(keyed, PACK, {"endpoint-token-auth": {"allowKeyAuth": True}}) == []


def test_pack_knows_the_same_privileged_roles_as_the_components():
    assert {BUILT_IN_ROLES[r]: r for r in PRIVILEGED_ROLES} == load_pack(PACK).PRIVILEGED_ROLE_GUIDS


def test_every_policy_is_mandatory():
    assert {p.enforcement_level.value for p in POLICIES} == {"mandatory"}
    assert len(POLICIES) == len({p.name for p in POLICIES}) == len(INSECURE) + 1
