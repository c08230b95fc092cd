"""Mistakes a platform engineer makes, each refused once, all at once, in words (the key, the
value unless it is a secret, what is allowed), before any resource: secrets where the stack puts
values into Azure as they are, keys that do nothing where they are set, a managed network no
build can get packages through, numbers where strings go, and problems that used to arrive in
two rounds."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.credentials import secret_variable
from stack.config import ConfigError, load_settings, parse_settings
from stack.config.source import secrets_where_none_go

from ..conftest import SAMPLE, SHARED, assert_refused, endpoint

NS = "ml-platform"
DEPLOYMENT = f"{NS}:onlineEndpoints[0].deployments[0]"
BLUE = {**SAMPLE, "name": "blue", "traffic": 100}
PRIVATE = {"isolation": "AllowOnlyApprovedOutbound", "uploadsFromNetwork": True}
"""A managed network where pulumi up can upload (it runs inside)."""
SUBNET = f"{SHARED}/Microsoft.Network/virtualNetworks/vnet-hub/subnets/endpoints"
AKS = f"{SHARED}/Microsoft.ContainerService/managedClusters/aks-shared"


def problems(raw: dict[str, Any], stack: str = "dev") -> list[str]:
    """What parse_settings refuses in ``raw`` (values as the stack file writes them)."""
    with pytest.raises(ConfigError) as caught:
        parse_settings(NS, {k: v if isinstance(v, str) else json.dumps(v)
                            for k, v in raw.items()}, stack)
    return caught.value.problems


# --- secrets never go into a deployment's properties: secrets: and Key Vault instead ---

SECRETS = [  # (variable, value, why it is one)
    ("OPENAI_API_KEY", "sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e", "its name says so"),
    ("DB_PASSWORD", "correct horse battery staple", "its name says so"),
    ("hfToken", "hf_aBcDeFgHiJkLmNoP", "its name says so"),
    ("STORAGE", "DefaultEndpointsProtocol=https;AccountName=stlake;AccountKey=c2VjcmV0==",
     "its value reads as a credential"),
    ("LABELS_URL", "https://stlake.blob.core.windows.net/c/b.json?sv=2022-11-02&sig=AbC%3D",
     "its value reads as a credential"),
    ("UPSTREAM", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzY29yZSJ9.c2ln", "its value reads as a "
                                                                   "credential"),
]


@pytest.mark.parametrize("name,value,why", SECRETS, ids=[s[0] for s in SECRETS])
def test_a_secret_in_a_deployments_environment_variables_is_refused_unshown(
        name: str, value: str, why: str) -> None:
    error = assert_refused(endpoint({**BLUE, "environmentVariables": {name: value}}), [
        f"{DEPLOYMENT}.environmentVariables.{name} (a secret: {why}; not shown) is not allowed",
        "part of its definition", "concept-secret-injection", "the workspace key vault",
        "existingSecrets", "KEY_VAULT_URL"])
    assert value not in str(error)


@pytest.mark.parametrize("name,value", [
    ("SECRET_NAME", "sample-secret"), ("BLOB_PATH", "ml-assets/samples/score/labels.json"),
    ("MAX_TOKENS", "512"), ("TOKENIZERS_PARALLELISM", "false"), ("PASSWORD_MIN_LENGTH", "12"),
    ("PARTITION_KEY", "/tenant"), ("MODEL_COMMIT", "3f6c0dae" * 5), ("LOG_LEVEL", "DEBUG")])
def test_variables_that_name_or_tune_a_secret_are_not_secrets(name: str, value: str) -> None:
    # the sample scoring app names its Key Vault secret in SECRET_NAME (samples/score)
    assert secret_variable(name, value) is None


def test_a_variable_set_with_secret_in_the_stack_file_is_refused_unshown() -> None:
    # pulumi config set --secret --path 'onlineEndpoints[0].deployments[0].environmentVariables.X'
    # leaves {secure: <cipher>} there; the CLI would decrypt it into the deployment's properties
    cipher = "v1:Zm9vYmFyYmF6:c2VjcmV0LWNpcGhlcg=="
    error = assert_refused(endpoint({**BLUE, "environmentVariables": {
        "API_TOKEN": {"secure": cipher}, "LOG_LEVEL": "DEBUG"}}), [
        f"{DEPLOYMENT}.environmentVariables.API_TOKEN (a secret, not shown) is not allowed: a "
        "value set with --secret where the stack takes none", "existingSecrets"])
    assert cipher not in str(error) and len(error.problems) == 1


def test_a_key_the_cli_hands_over_as_a_secret_is_refused_where_the_stack_takes_none() -> None:
    # Under the CLI the program gets the value decrypted and the key among the secret ones
    # (a structured value holding a secret is a secret key): the only trace of --secret.
    endpoints = [{"name": "score", "deployments": [
        {**BLUE, "environmentVariables": {"UPSTREAM": "s3cr3t-but-plain-looking"}}]}]
    pulumi.runtime.set_all_config({f"{NS}:onlineEndpoints": json.dumps(endpoints)},
                                  [f"{NS}:onlineEndpoints"])
    try:
        with pytest.raises(ConfigError) as caught:
            load_settings(pulumi.Config(NS))
    finally:
        pulumi.runtime.set_all_config({}, [])
    assert caught.value.problems == [
        f"{NS}:onlineEndpoints (a secret, not shown) is not allowed: a value set with --secret "
        "where the stack takes none: the Pulumi CLI decrypts it for the program, which puts it "
        "into Azure as it is (a deployment's environment variables are part of its definition, "
        "which whoever reads the deployment reads (\"this practice would expose the secrets in "
        "the deployment definition\", concept-secret-injection)); a secret a workload needs goes "
        "in the workspace key vault: list it in existingSecrets and in the workload's secrets, "
        "and the workload reads it as its own identity (the scoring code finds the vault at "
        "KEY_VAULT_URL)"]
    assert "s3cr3t" not in str(caught.value)


def test_only_keys_with_a_place_for_a_secret_take_one() -> None:
    # kubernetes.tls.certificate and .key are the stack's only secrets; other namespaces are
    # the providers' (azure-native:clientSecret is theirs to read)
    found = secrets_where_none_go(NS, [f"{NS}:workload", f"{NS}:kubernetes", f"{NS}:tags",
                                       "azure-native:clientSecret"])
    assert [p.split(" (a secret, not shown) is not allowed: a value set with --secret")[0]
            for p in found] == [f"{NS}:tags", f"{NS}:workload"]


def test_a_secret_read_without_the_cli_where_none_goes_is_named_not_shown() -> None:
    # the offline tools read the stack file: a top-level value set with --secret is its cipher
    [problem] = problems({"workload": json.dumps({"secure": "v1:abc:ZGVm"})})
    assert problem.startswith(f"{NS}:workload (a secret, not shown) is not allowed: a value set "
                              "with --secret") and "v1:abc" not in problem


# --- keys that would do nothing where they are set ---

IGNORED = [  # (stack, override, the one problem's words)
    ("prod", {"network": {**PRIVATE, "isolation": "AllowInternetOutbound",
                          "packageFeeds": True}},
     f"{NS}:network.packageFeeds = True is not allowed with isolation AllowInternetOutbound: "
     "nothing"),
    ("prod", {"network": {**PRIVATE, "isolation": "AllowInternetOutbound",
                          "firewallSku": "Standard"}},
     f"{NS}:network.firewallSku = 'Standard' is not allowed without FQDN rules: nothing"),
    ("prod", {"network": {**PRIVATE, "packageFeeds": False, "firewallSku": "Basic"}},
     f"{NS}:network.firewallSku = 'Basic' is not allowed without FQDN rules"),
    ("prod", {"network": {**PRIVATE, "subnetId": SUBNET, "addressSpace": "10.1.0.0/24",
                          "dnsZoneIds": {zone: f"{SHARED}/Microsoft.Network/privateDnsZones/{zone}"
                                         for zone in (
                              "privatelink.api.azureml.ms", "privatelink.notebooks.azure.net",
                              "privatelink.blob.core.windows.net", "privatelink.azurecr.io",
                              "privatelink.file.core.windows.net",
                              "privatelink.vaultcore.azure.net")}}},
     f"{NS}:network.addressSpace = '10.1.0.0/24' is not allowed with subnetId: nothing (the "
     "private endpoints go into that subnet"),
    ("prod", {"network": {**PRIVATE, "outboundRules": [
        {"name": "hf", "fqdn": "huggingface.co", "portRanges": "8080"}]}},
     f"{NS}:network.outboundRules[0].portRanges = '8080' is not allowed on an FQDN rule: nothing "
     "(a service tag rule's; an FQDN rule reaches its host on ports 80 and 443 only"),
    ("prod", {"network": {**PRIVATE, "outboundRules": [
        {"name": "aad", "serviceTag": "AzureActiveDirectory", "subresource": "blob"}]}},
     f"{NS}:network.outboundRules[0].subresource = 'blob' is not allowed on a service tag rule: "
     "nothing (a private endpoint rule's"),
    ("prod", {"network": {**PRIVATE, "outboundRules": [
        {"name": "lake", "privateEndpoint": f"{SHARED}/Microsoft.Storage/storageAccounts/stlake",
         "subresource": "blob", "protocol": "UDP"}]}},
     f"{NS}:network.outboundRules[0].protocol = 'UDP' is not allowed on a private endpoint rule"),
    ("aks", {"kubernetes": {"existingClusterId": AKS, "nodeVmSize": "Standard_D8s_v5",
                            "allowInsecureConnections": True}},
     f"{NS}:kubernetes.nodeVmSize = 'Standard_D8s_v5' is not allowed: nothing with "
     "existingClusterId (it sizes a cluster the component creates"),
    ("aks", {"kubernetes": {"routerServiceType": "nodePort", "internalLoadBalancer": True,
                            "allowInsecureConnections": True}},
     f"{NS}:kubernetes.internalLoadBalancer = True is not allowed: nothing with "
     "routerServiceType nodePort (only a loadBalancer router gets a load balancer)"),
    ("dev", {"workspaceIdentity": "systemAssigned", "workspacePrimaryIdentity": "workspace"},
     f"{NS}:workspacePrimaryIdentity = 'workspace' is not allowed: nothing unless "
     "workspaceIdentity is userAssigned"),
]


@pytest.mark.parametrize("stack,override,words", IGNORED, ids=[
    f"{stack}-{i}" for i, (stack, _, _) in enumerate(IGNORED)])
def test_a_key_that_would_do_nothing_where_it_is_set_is_refused(
        stack: str, override: dict[str, Any], words: str) -> None:
    assert len(assert_refused(override, [words], stack).problems) == 1


def test_the_same_keys_are_taken_where_they_do_something() -> None:
    for raw in ({"network": {**PRIVATE, "firewallSku": "Standard"}},  # the feeds are FQDN rules
                {"network": {**PRIVATE, "packageFeeds": False, "firewallSku": "Standard",
                             "outboundRules": [{"name": "hf", "fqdn": "huggingface.co"}]}},
                {"network": {**PRIVATE, "outboundRules": [
                    {"name": "aad", "serviceTag": "AzureActiveDirectory", "protocol": "TCP",
                     "portRanges": "443"}]}}):
        parse_settings(NS, {"registrySku": "Premium", "network": json.dumps(raw["network"])})
    parse_settings(NS, {"kubernetes": json.dumps(
        {"existingClusterId": AKS, "routerServiceType": "loadBalancer",
         "internalLoadBalancer": False, "allowInsecureConnections": True})}, "aks")


# --- a managed network no build gets its packages through ---

def test_a_conda_build_in_a_network_without_package_feeds_is_refused() -> None:
    assert_refused({"network": {**PRIVATE, "packageFeeds": False}, **endpoint(BLUE)}, [
        f"{NS}:network.packageFeeds = false is not allowed with an environment built from a "
        f"conda file ({DEPLOYMENT}.environment.condaFile) in AllowOnlyApprovedOutbound: true, or "
        "an fqdn outbound rule to the feed its packages come from"], stack="prod")


def test_a_network_without_package_feeds_takes_a_mirror_or_built_environments() -> None:
    base = {"registrySku": "Premium", "sampleData": "false"}
    mirror = {**PRIVATE, "packageFeeds": False,
              "outboundRules": [{"name": "mirror", "fqdn": "pypi.contoso.com"}]}
    parse_settings(NS, {**base, "network": json.dumps(mirror),
                        **{k: json.dumps(v) for k, v in endpoint(BLUE).items()}})
    registered = {**BLUE, "environment": "azureml:score-env:3"}
    parse_settings(NS, {**base, "network": json.dumps({**PRIVATE, "packageFeeds": False}),
                        **{k: json.dumps(v) for k, v in endpoint(registered).items()}})


# --- numbers where strings go, and one clear line per key ---

@pytest.mark.parametrize("raw,problem", [
    ({"tags": {"cost-center": 4711}},
     f"{NS}:tags.cost-center = 4711 is not allowed: a string (YAML reads 4711 as a number: "
     "quote it, cost-center: \"4711\")"),
    ({"tags": {"public": True}},
     f"{NS}:tags.public = True is not allowed: a string (YAML reads true as true/false: quote "
     "it, public: \"true\")"),
    ({"kubernetes": {"instanceTypes": [{"name": "cpu-small", "cpu": 1}],
                     "allowInsecureConnections": True}},
     f"{NS}:kubernetes.instanceTypes[0].cpu = 1 is not allowed: a string (YAML reads 1 as a "
     "number: quote it, cpu: \"1\"); CPU request and limit, e.g. 1 or 500m."),
    ({"existingSecrets": ["api-key", 2024]},
     f"{NS}:existingSecrets[1] = 2024 is not allowed: a string (YAML reads 2024 as a number: "
     "quote it, - \"2024\"); key vault secret names: 1-127 letters, digits and hyphens"),
])
def test_a_number_where_a_string_goes_is_told_to_be_quoted(raw: dict[str, Any],
                                                           problem: str) -> None:
    assert problems(raw) == [problem]


def test_an_entry_that_is_not_a_mapping_is_told_so() -> None:
    assert problems({"computeClusters": ["cpu"]}) == [
        f"{NS}:computeClusters[0] = 'cpu' is not allowed: a YAML mapping with name (one AmlCompute "
        "cluster)"]
    assert problems({"automationCredentials": [[]]}) == [
        f"{NS}:automationCredentials[0] = [] is not allowed: a YAML mapping with name, issuer, "
        "subject (trust in the OIDC tokens of one CI subject (Entra ID federated credential "
        "limits))"]


def test_a_list_whose_entry_is_wrong_gets_one_line_for_that_entry() -> None:
    # pydantic also finds the list too short once the entry is dropped: not the user's mistake
    assert problems({"workspaceIdentities": ["Workspace CMK"]}) == [
        f"{NS}:workspaceIdentities[0] = 'Workspace CMK' is not allowed: identity purposes: 1-40 "
        "lowercase letters, digits and hyphens, at least one"]
    assert problems({"workspaceIdentities": []}) == [
        f"{NS}:workspaceIdentities = [] is not allowed: identity purposes: 1-40 lowercase "
        "letters, digits and hyphens, at least one"]


# --- all at once ---

def test_values_that_do_not_read_and_rules_across_keys_come_in_one_round() -> None:
    error = assert_refused({"registrySku": "Free", "location": "westeurop",
                            "computeClusters": [{"name": "cpu", "minNodes": 3, "maxNodes": 2}],
                            "tags": {"environment": "test"}}, [])
    assert [p.split(" is ")[0] for p in error.problems] == [
        f"{NS}:registrySku = 'Free'", f"{NS}:location = 'westeurop'",
        f"{NS}:tags.environment = 'test'", f"{NS}:computeClusters[0].maxNodes = 2"]


def test_entries_that_read_are_checked_beside_one_that_does_not() -> None:
    assert problems({"computeClusters": [
        {"name": "cpu", "maxNodes": 0}, {"name": "gpu", "minNodes": 3, "maxNodes": 2}],
        **endpoint({**BLUE, "traffic": 60, "environmentVariables": {"LOG_LEVEL": 5}},
                   {**BLUE, "name": "green", "traffic": 60, "scoringScript": "main.py"})}) == [
        f"{NS}:computeClusters[0].maxNodes = 0 is not allowed: a whole number from 1 to 1000",
        f"{NS}:onlineEndpoints[0].deployments[0].environmentVariables.LOG_LEVEL = 5 is not "
        "allowed: a string (YAML reads 5 as a number: quote it, LOG_LEVEL: \"5\")",
        f"{NS}:computeClusters[1].maxNodes = 2 is not allowed: at least minNodes (3)",
        f"{NS}:onlineEndpoints[0].deployments[1].scoringScript = 'main.py' is not allowed: a "
        "file that exists in samples/score/code"]


def test_a_rule_that_reads_a_value_that_does_not_read_is_left_out() -> None:
    # a registry SKU that is none is not also told it is not Premium, which network needs
    assert problems({"registrySku": "Free", "network": PRIVATE}) == [
        f"{NS}:registrySku = 'Free' is not allowed: one of Basic, Standard, Premium"]
    # nor the names made of an environment that is not a token (with staging1: too long)
    assert problems({"environment": "Prod!", "workload": "mlplatform"}) == [
        f"{NS}:environment = 'Prod!' is not allowed: Environment token in every resource name: "
        "2-8 lowercase letters and digits, starting with a letter. Unset: the stack's name."]
