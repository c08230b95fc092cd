"""Guarantees that hold for any configuration: stable names, bad input refused in words, valid input
passing the policy pack, and no secret in any output."""

from __future__ import annotations

import json
import re
import string
import typing
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.azure.names import RULES
from components.compute import VmPriority
from components.endpoint import AuthMode
from components.registry import RegistrySku
from components.testing.runner import StackRun
from components.workspace import StorageSku
from offline.policy_check import check, stack_settings
from offline.policy_check import pack_config as offline_pack_config
from stack.config import ConfigError, IdentityChoice, NetworkAccess, parse_settings
from stack.names import SUFFIX_LENGTH, StackNames

from ..conftest import BATCH_SAMPLE, PACK, one, shared_run

NS = "ml-platform"


def azure_names(run: StackRun) -> dict[str, Any]:
    """Every resource's URN and the Azure name it gets."""
    return {urn: r.outputs.get("name") for urn, r in run.resources.items() if r.custom}


BLUE = {"name": "blue", "model": "samples/score/model", "code": "samples/score/code",
        "environment": {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1",
                        "condaFile": "samples/score/environment/conda.yaml"},
        "traffic": 100}


def test_changing_settings_other_than_names_renames_nothing(dev: StackRun) -> None:
    changed = shared_run("dev", {
        "registrySku": "Premium", "storageSku": "Standard_GRS", "keyVaultPurgeProtection": True,
        "keyVaultSoftDeleteRetentionDays": 30, "storageSoftDeleteRetentionDays": 14,
        "protectStatefulResources": True, "logRetentionDays": 60,
        "tags": {"owner": "ml-team"},
        "computeClusters": [{"name": "cpu", "vmSize": "Standard_D4s_v3", "vmPriority": "Dedicated",
                             "minNodes": 1, "maxNodes": 8, "idleSecondsBeforeScaleDown": 900}],
        "onlineEndpoints": [{"name": "score", "authMode": "AMLToken", "secrets": ["sample-secret"],
                             "deployments": [{**BLUE, "instanceType": "Standard_F4s_v2",
                                              "instanceCount": 3,
                                              "environmentVariables": {"LOG_LEVEL": "DEBUG"}}]}],
    })
    # ... except the deployment's, which carries its instance type: a new instance type is a new
    # deployment that takes over the old one's traffic (Azure cannot change it in place)
    deployment = "ml-platform:endpoint:OnlineEndpoint$azure-native:machinelearningservices:" \
                 "OnlineDeployment::endpoint-score-blue-"
    renamed = {urn.replace(deployment + "f4sv2", deployment + "ds2v2"):
               name and name.replace("-f4sv2", "-ds2v2")
               for urn, name in azure_names(changed).items()}
    assert renamed == azure_names(dev)
    assert {name for name in azure_names(changed).values() if name and "f4sv2" in name} == {
        "blue-f4sv2"}


# --- property-based: every invalid value is refused naming its key; valid ones deploy cleanly ---

def _not(pattern: str) -> st.SearchStrategy[str]:
    return st.text(min_size=1).filter(lambda v: not re.fullmatch(pattern, v))


def _not_in(allowed: Any) -> st.SearchStrategy[str]:
    """Text that is none of the values of the ``Literal`` type ``allowed``."""
    return st.text(min_size=1).filter(lambda v: v not in typing.get_args(allowed))


def _one_of(allowed: Any) -> st.SearchStrategy[str]:
    """One of the values of the ``Literal`` type ``allowed``."""
    return st.sampled_from(typing.get_args(allowed))


def _bad_int(low: int, high: int) -> st.SearchStrategy[str]:
    return st.one_of(_not(r"-?\d+"), st.integers().filter(lambda n: not low <= n <= high).map(str))


_JSON_JUNK = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                          lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)

INVALID: dict[str, st.SearchStrategy[str]] = {
    "environment": _not(r"[a-z][a-z0-9]{1,7}"),
    "workload": _not(r"[a-z][a-z0-9]{1,9}"),
    "location": _not(r"[a-z][a-z0-9]{2,}"),
    "protectStatefulResources":
        st.text(min_size=1).filter(lambda v: v.lower() not in ("true", "false")),
    "keyVaultPurgeProtection":
        st.text(min_size=1).filter(lambda v: v.lower() not in ("true", "false")),
    "storageSku": _not_in(StorageSku),
    "registrySku": _not_in(RegistrySku),
    "workspaceIdentity": _not_in(IdentityChoice),
    "workspacePublicNetworkAccess": _not_in(NetworkAccess),
    "keyVaultSoftDeleteRetentionDays": _bad_int(7, 90),
    "storageSoftDeleteRetentionDays": _bad_int(1, 365),
    "logRetentionDays": _bad_int(30, 730),
    "existingRegistryId": _not(r"/subscriptions/.*"),
    "computeClusters": st.one_of(
        _JSON_JUNK.filter(lambda v: not isinstance(v, list)
                          or any(not isinstance(e, dict) for e in v)
                          or (v and any("name" not in e for e in v))).map(json.dumps),
        st.sampled_from(['[{"name": "cpu", "maxNodes": 0}]',
                         '[{"name": "cpu", "vmPriority": "Spot"}]',
                         '[{"name": "c"}]', '[{"name": "cpu", "identity": "both"}]'])),
    "onlineEndpoints": st.one_of(
        _JSON_JUNK.filter(lambda v: not isinstance(v, list)
                          or any(not isinstance(e, dict) for e in v)
                          or (v and any("name" not in e for e in v))).map(json.dumps),
        st.sampled_from(['[{"name": "score", "authMode": "None"}]', '[{"name": "score--x"}]'])),
    "tags": st.sampled_from(['{"a/b": "x"}', '{"owner": 5}', '["owner"]', '"owner"']),
}


@settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.sampled_from(sorted(INVALID)).flatmap(lambda key: st.tuples(st.just(key), INVALID[key])))
def test_every_invalid_value_is_refused_naming_its_key(case: tuple[str, str]) -> None:
    key, value = case
    try:
        parse_settings(NS, {key: value})
    except ConfigError as error:
        assert f"{NS}:{key}" in str(error)
    else:
        raise AssertionError(f"{key}={value!r} was accepted")


def _with_batch(config: dict[str, Any]) -> dict[str, Any]:
    """A batch endpoint on the first cluster that runs as its user-assigned identity (the only
    kind a batch deployment takes), or none."""
    clusters = [c["name"] for c in config["computeClusters"]
                if c.get("identity", "userAssigned") == "userAssigned"]
    return {**config, "batchEndpoints": [{"name": "batch-x", "deployments": [
        {"name": "blue", "cluster": clusters[0], **BATCH_SAMPLE}]}] if clusters else []}


_NAME = st.from_regex(r"[a-z][a-z0-9]{2,7}", fullmatch=True)
VALID = st.fixed_dictionaries({
    "environment": st.from_regex(r"[a-z][a-z0-9]{1,5}", fullmatch=True),
    "workload": st.from_regex(r"[a-z][a-z0-9]{1,7}", fullmatch=True),
    "location": st.sampled_from(["westeurope", "eastus2", "swedencentral"]),
    "protectStatefulResources": st.booleans(),
    "keyVaultPurgeProtection": st.booleans(),
    "customerManagedKey": st.booleans(),
    "storageSku": _one_of(StorageSku),
    "registrySku": _one_of(RegistrySku),
    "workspaceIdentity": _one_of(IdentityChoice),
    "keyVaultSoftDeleteRetentionDays": st.integers(7, 90),
    "computeClusters": st.lists(st.fixed_dictionaries(
        {"name": _NAME}, optional={"vmPriority": _one_of(VmPriority),
                                  "maxNodes": st.integers(1, 20),
                                  "identity": _one_of(IdentityChoice)}),
        max_size=3, unique_by=lambda c: c["name"]),
    "onlineEndpoints": st.lists(st.fixed_dictionaries(
        {"name": _NAME}, optional={"authMode": _one_of(AuthMode),
                                  "identity": _one_of(IdentityChoice)}),
        max_size=2, unique_by=lambda e: e["name"]),
    "tags": st.dictionaries(st.sampled_from(["owner", "cost-center", "data-class"]),
                            st.text(string.ascii_letters, max_size=10), max_size=2),
}).filter(lambda c: not (c["protectStatefulResources"]  # refused, with the reason
                         and c["workspaceIdentity"] == "systemAssigned")).map(
    lambda c: {**c, "registrySku": "Premium", "customerManagedKey": True,  # production is
               # private and encrypted
               "network": {"isolation": "AllowOnlyApprovedOutbound", "uploadsFromNetwork": True},
               "computeClusters": c["computeClusters"] or [{"name": "cpu"}]}
    if c["protectStatefulResources"] else c).map(_with_batch)


@settings(max_examples=15, derandomize=True, deadline=None)
@given(VALID)
def test_every_valid_configuration_deploys_a_stack_that_passes_the_policy_pack(
        config: dict[str, Any]) -> None:
    run = shared_run("dev", config)
    pack_config: dict[str, Any] = {  # what the settings call for, and keys where they are asked
        **offline_pack_config(stack_settings(run)),
        "endpoint-token-auth": {"allowKeyAuth": any(e.get("authMode") == "Key"
                                                    for e in config["onlineEndpoints"])}}
    assert check(run, PACK, pack_config) == []
    assert len(run.of_type("azure-native:machinelearningservices:Compute")) == len(
        config["computeClusters"])


# --- no secret in any output ---

# Storage keys (base64 with padding), SAS signatures, connection strings, JWTs, PEM keys.
SECRET_LOOKING = re.compile(r"AccountKey=|SharedAccessSignature|[?&]sig=|InstrumentationKey=|"
                            r"-----BEGIN|Password=|[A-Za-z0-9+/]{40,}={1,2}|eyJ[\w-]{10,}\.",
                            re.IGNORECASE)


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def test_no_output_carries_a_key_connection_string_or_token(stack: StackRun) -> None:
    for path, value in _leaves(stack.outputs):
        assert not re.search(r"key|secret|password|token|connection", path.split(".")[-1], re.I)
        assert not (isinstance(value, str) and SECRET_LOOKING.search(value)), (path, value)


def test_the_secret_detector_finds_secrets() -> None:
    for leaked in ("DefaultEndpointsProtocol=https;AccountName=st;AccountKey=abc==",
                   "InstrumentationKey=00000000-0000-0000-0000-000000000000",
                   "https://st.blob.core.windows.net/c/b?sv=2022&sig=abc", "Q" * 44 + "==",
                   "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln"):
        assert SECRET_LOOKING.search(leaked)


# --- names fit Azure's rules whatever suffix pulumi-random draws ---

SUFFIXES = st.text(string.ascii_lowercase + string.digits, min_size=SUFFIX_LENGTH,
                   max_size=SUFFIX_LENGTH).filter(lambda s: any(c.isalpha() for c in s))
"""What the stack's RandomString can draw: lowercase letters and digits, at least one letter."""


def test_the_suffix_is_drawn_with_a_letter_in_it(dev: StackRun) -> None:
    suffix = one(dev, "random:index/randomString:RandomString", "name-suffix").inputs
    assert (suffix["length"], suffix["upper"], suffix["special"], suffix["minLower"]) == (
        SUFFIX_LENGTH, False, False, 1)


@settings(max_examples=200, derandomize=True)
@given(SUFFIXES)
def test_every_suffixed_name_is_valid_whatever_is_drawn(suffix: str) -> None:
    names = StackNames("mlplat", "prod")
    for kind, name in (("workspace", names.workspace(suffix)),
                       ("storage account", names.storage_account(suffix)),
                       ("storage account", names.data_storage_account(suffix)),
                       ("key vault", names.key_vault(suffix)),
                       ("container registry", names.container_registry(suffix)),
                       ("online endpoint", names.online_endpoint("score", suffix)),
                       ("compute instance", names.compute_instance("alice-gpu", suffix))):
        assert RULES[kind].problem(name) is None, name


def test_a_suffix_of_digits_only_would_make_instance_names_invalid() -> None:
    # the REST pattern refuses a compute name that ends in a hyphen and digits: why minLower is 1
    assert RULES["compute instance"].problem(StackNames("mlplat", "dev").compute_instance(
        "alice", "12345"))
    assert RULES["compute"].problem("gpu-2") and RULES["compute"].problem("gpu-2x") is None
