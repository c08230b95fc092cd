"""Bad stack configuration is refused in words, before any resource is registered; the project file
declares every key the program reads, with the same defaults."""

from __future__ import annotations

import pytest
import yaml

from components.testing.runner import stack_config
from stack.settings import (
    KEYS,
    ConfigError,
    StackSettings,
    load_settings,
    parse_settings,
    unknown_keys,
)

from ..conftest import PROJECT_DIR, assert_refused, shared_run

BAD = [
    # (override, words the message must contain: key, value, what is allowed)
    ({"registrySku": "Free"}, ["ml-platform:registrySku", "'Free'", "Basic, Standard, Premium"]),
    ({"keyVaultSoftDeleteRetentionDays": 3},
     ["ml-platform:keyVaultSoftDeleteRetentionDays", "'3'", "from 7 to 90"]),
    ({"environment": "Prod!"},
     ["ml-platform:environment", "'Prod!'", "lowercase letters and digits"]),
    ({"workspaceIdentity": "both"},
     ["ml-platform:workspaceIdentity", "'both'", "userAssigned, systemAssigned"]),
    ({"protectStatefulResources": "yes"},
     ["ml-platform:protectStatefulResources", "'yes'", "true or false"]),
    ({"storageSku": "Premium_LRS"}, ["ml-platform:storageSku", "'Premium_LRS'", "Standard_LRS"]),
    ({"computeClusters": [{"name": "cpu", "minNodes": 3, "maxNodes": 2}]},
     ["ml-platform:computeClusters[0].maxNodes", "2", "at least minNodes (3)"]),
    ({"computeClusters": [{"name": "cpu"}, {"name": "CPU"}]},
     ["ml-platform:computeClusters[1].name", "'CPU'", "not used by another entry"]),
    ({"computeClusters": [{"name": "1cpu"}]},
     ["ml-platform:computeClusters[0].name", "'1cpu'", "starting with a letter"]),
    ({"computeClusters": [{"name": "cpu", "vmsize": "Standard_D2_v3"}]},
     ["ml-platform:computeClusters[0].vmsize", "unknown key", "vmSize"]),
    ({"computeClusters": [{"vmSize": "Standard_D2_v3"}]},
     ["ml-platform:computeClusters[0].name", "a name is required"]),
    ({"onlineEndpoints": [{"name": "score", "authMode": "Anonymous"}]},
     ["ml-platform:onlineEndpoints[0].authMode", "'Anonymous'", "AADToken, AMLToken, Key"]),
    ({"onlineEndpoints": "score"}, ["ml-platform:onlineEndpoints", "'score'", "a YAML list"]),
    ({"onlineEndpoints": [{"name": "a-very-long-endpoint-name"}]},
     ["ml-platform:onlineEndpoints[0].name", "online endpoint name "
      "'a-very-long-endpoint-name-dev-xxxxx'", "35 characters", "3-32"]),
    ({"workload": "mlplatform", "environment": "staging1"},
     ["ml-platform:workload/ml-platform:environment",
      "key vault name 'kv-mlplatform-staging1-xxxxx'", "Azure allows 3-24"]),
    ({"existingRegistryId": "crshared01"},
     ["ml-platform:existingRegistryId", "'crshared01'", "Microsoft.ContainerRegistry/registries"]),
    ({"resourceGroupName": "rg-" + "x" * 88},
     ["ml-platform:resourceGroupName", "1-90 characters"]),
    ({"tags": {"owner/team": "ml"}}, ["ml-platform:tags.owner/team", "without < > % & \\ ? /"]),
    ({"logRetentionDays": "thirty"},
     ["ml-platform:logRetentionDays", "'thirty'", "from 30 to 730"]),
    ({"registrySKU": "Premium"}, ["ml-platform:registrySKU is not a setting",
                                  "did you mean ml-platform:registrySku?"]),
]


@pytest.mark.parametrize("override,words", BAD, ids=[next(iter(o)) + str(i) for i, (o, _) in
                                                     enumerate(BAD)])
def test_bad_config_is_refused_in_words_before_any_resource(override, words):
    assert_refused(override, words)


def test_resource_ids_are_case_insensitive_like_arm():
    existing = ("/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-shared/"
                "providers/microsoft.containerregistry/registries/crshared01")
    assert (parse_settings("ml-platform", {"existingRegistryId": existing}).existing_registry_id
            == existing)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        shared_run("dev", {"registrySku": "Free", "logRetentionDays": 5, "regstrySku": "x"})
    assert len(caught.value.problems) == 3


def test_config_error_is_a_clean_pulumi_error():
    import pulumi
    assert issubclass(ConfigError, pulumi.RunError)  # the CLI prints it without a traceback


def test_project_file_declares_exactly_the_keys_the_program_reads():
    declared = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["config"]
    assert set(declared) == set(KEYS)
    for key, declaration in declared.items():
        assert declaration["description"] and "default" in declaration, key
        if not isinstance(declaration["default"], (list, dict)):
            expected = {bool: "boolean", int: "integer", str: "string"}[
                type(declaration["default"])]
            assert declaration["type"] == expected, key


def test_project_defaults_are_the_settings_defaults():
    _, config = stack_config("dev", {key: None for key in KEYS})  # a stack file that sets nothing
    raw = {key.split(":", 1)[1]: value for key, value in config.items()}
    assert parse_settings("ml-platform", raw) == StackSettings()


def test_unknown_keys_of_other_namespaces_are_left_alone():
    assert unknown_keys("ml-platform", ["azure-native:location", "ml-platform:location"]) == []


def test_load_settings_reads_the_live_config():
    import pulumi
    pulumi.runtime.set_all_config({"ml-platform:registrySku": "Standard"})
    try:
        assert load_settings(pulumi.Config("ml-platform")).registry_sku == "Standard"
    finally:
        pulumi.runtime.set_all_config({})
