"""Bad stack configuration is refused in words, before any resource is registered; the project file
declares every key the program reads, with the same defaults."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.stackfile import StackFileError, read_yaml
from components.testing.runner import run_main, stack_config
from offline.__main__ import main as preview_main
from offline.exits import CONFIG
from offline.policy_check import stack_settings
from stack.config import (
    KEYS,
    SECTIONS,
    ConfigError,
    StackSettings,
    load_settings,
    parse_settings,
    stack_file_problems,
    unread_keys,
)
from stack.schema import SCHEMA_LINE
from stack.schema import main as schema_main

from ..conftest import (
    BATCH_SAMPLE,
    PROJECT_DIR,
    assert_refused,
    batch_endpoint,
    registered_before,
    shared_run,
)

BAD: list[tuple[dict[str, Any], list[str]]] = [
    # (override, words the message must contain: key, value, what is allowed)
    ({"registrySku": "Free"}, ["ml-platform:registrySku", "'Free'", "Basic, Standard, Premium"]),
    ({"keyVaultSoftDeleteRetentionDays": 3},
     ["ml-platform:keyVaultSoftDeleteRetentionDays = 3 is", "from 7 to 90"]),
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
     ["ml-platform:computeClusters[0].vmsize", "is not a setting", "did you mean vmSize?"]),
    ({"computeClusters": [{"vmSize": "Standard_D2_v3"}]},
     ["ml-platform:computeClusters[0].name is missing", "3-24 characters"]),
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
                                  "did you mean registrySku?"]),
    ({"location": "westeurop"}, ["ml-platform:location = 'westeurop'", "an Azure public region",
                                 "did you mean westeurope?", "ml-platform:allowUnlistedLocation"]),
    ({"computeClusters": [{"name": "cpu", "vmSize": "Standard_Q9_v9"}]},
     ["ml-platform:computeClusters[0].vmSize = 'Standard_Q9_v9'", "a series Azure ML compute "
      "supports", "DSv2", "ml-platform:allowUnlistedVmSizes: true"]),
    ({"computeClusters": [{"name": "cpu", "vmSize": "Standard_NC6"}]},
     ["ml-platform:computeClusters[0].vmSize = 'Standard_NC6'", "the NC series is retired"]),
    ({"onlineEndpoints": [{"name": "score", "deployments": [
        {"name": "blue", "model": "samples/score/model", "code": "samples/score/code",
         "scoringScript": "score.py", "environment": {"image": "mcr.microsoft.com/a/b:1"},
         "instanceType": "Standard_D2_v3", "traffic": 100}]}]},
     ["ml-platform:onlineEndpoints[0].deployments[0].instanceType = 'Standard_D2_v3'",
      "a size managed online endpoints offer", "Standard_DS2_v2"]),
    ({"workspacePublicNetworkAccess": "Disabled"},
     ["ml-platform:workspacePublicNetworkAccess = 'Disabled' is not allowed without "
      "ml-platform:network", "reached only through a private endpoint"]),
    ({"onlineEndpoints": [{"name": "score", "publicNetworkAccess": "Disabled"}]},
     ["ml-platform:onlineEndpoints[0].publicNetworkAccess = 'Disabled' is not allowed without "
      "ml-platform:network"]),
    ({"tags": {f"t{i}": "v" for i in range(48)}},
     ["ml-platform:tags = 48 tags is not allowed", "at most 47", "ARM allows 50"]),
    ({"tags": {"t" * 129: "v"}}, ["ml-platform:tags.ttt", "at most 128 characters"]),
    ({"tags": {"owner": "v" * 257}}, ["ml-platform:tags.owner", "at most 256 characters"]),
    ({"tags": {"environment": "test"}},
     ["ml-platform:tags.environment = 'test'", "a tag the stack sets itself"]),
    ({"onlineEndpoints": [{"authMode": "Key"}]},
     ["ml-platform:onlineEndpoints[0].name is missing", "3-32 characters"]),
    ({"protectStatefulResources": True, "workspaceIdentity": "systemAssigned"},
     ["ml-platform:workspaceIdentity = 'systemAssigned' is not allowed where "
      "ml-platform:protectStatefulResources is true", "Azure AI Administrator on the whole "
      "resource group"]),
    ({"onlineEndpoints": [{"name": "score", "secrets": ["api_key"]}]},
     ["ml-platform:onlineEndpoints[0].secrets[0] = 'api_key'", "1-127 letters, digits and "
      "hyphens"]),
    # a secret nothing makes: a new vault holds none, and a grant needs its secret to exist
    ({"computeClusters": [{"name": "cpu", "secrets": ["api-key"]}]},
     ["ml-platform:computeClusters[0].secrets[0] = 'api-key' is not allowed",
      "a secret the stack makes (sample-secret)", "ml-platform:existingSecrets",
      "after the first pulumi up made the vault"]),
    ({"sampleData": False, "computeInstances": [
        {"name": "alice", "assignedUser": "11111111-aaaa-4bbb-8ccc-000000000001",
         "secrets": ["sample-secret"]}], "onlineEndpoints": []},
     ["ml-platform:computeInstances[0].secrets[0] = 'sample-secret' is not allowed",
      "none: sampleData is off"]),
    ({"existingSecrets": ["sample-secret"]},
     ["ml-platform:existingSecrets = 'sample-secret' is not allowed", "the stack makes it"]),
    # batch endpoints: a deployment runs on a cluster of the stack with a user-assigned identity
    (batch_endpoint("blue", outputAction="Append"),
     ["ml-platform:batchEndpoints[0].outputAction is not a setting"]),
    ({"batchEndpoints": [{"name": "score-batch", "deployments": [
        {"name": "red", "cluster": "cpu", **BATCH_SAMPLE, "outputAction": "Append",
         "miniBatchSize": 0}]}]},
     ["ml-platform:batchEndpoints[0].deployments[0].outputAction = 'Append' is not allowed: "
      "one of AppendRow, SummaryOnly",
      "ml-platform:batchEndpoints[0].deployments[0].miniBatchSize = 0"]),
    ({"batchEndpoints": [{"name": "score-batch", "defaultDeployment": "green", "deployments": [
        {"name": "blue", "cluster": "gpu", **BATCH_SAMPLE},
        {"name": "red", "cluster": "cpu", **BATCH_SAMPLE}]}]},
     ["ml-platform:batchEndpoints[0].defaultDeployment = 'green' is not allowed: the name of one "
      "of deployments (blue, red)",
      "ml-platform:batchEndpoints[0].deployments[0].cluster = 'gpu' is not allowed: the name of "
      "one of ml-platform:computeClusters (cpu)"]),
    ({"computeClusters": [{"name": "cpu", "identity": "systemAssigned"}]},
     ["ml-platform:batchEndpoints[0].deployments[0].cluster = 'cpu' is not allowed: a cluster "
      "whose ml-platform:computeClusters[0].identity is userAssigned"]),
    ({"batchEndpoints": [
        {"name": "score", "automationInvokes": True, "invokers": [
            {"objectId": "11111111-aaaa-4bbb-8ccc-000000000001", "type": "User"}]},
        {"name": "other", "invokers": [
            {"objectId": "11111111-AAAA-4bbb-8ccc-000000000001"}]}]},
     ["ml-platform:batchEndpoints[0].name = 'score' is not allowed: a name no online endpoint "
      "has", "ml-platform:batchEndpoints[0].automationInvokes = true is not allowed without "
      "ml-platform:automationCredentials",
      "ml-platform:batchEndpoints[1].invokers[0].objectId = '11111111-aaaa-4bbb-8ccc-"
      "000000000001' is not allowed: an invoker named once, on one batch endpoint"]),
]


@pytest.mark.parametrize("override,words", BAD, ids=[next(iter(o)) + str(i) for i, (o, _) in
                                                     enumerate(BAD)])
def test_bad_config_is_refused_in_words_before_any_resource(override: dict[str, Any],
                                                            words: list[str]) -> None:
    assert_refused(override, words)


def test_the_overrides_take_what_the_lists_do_not_know_yet() -> None:
    run = shared_run("dev", {"location": "newregion1", "allowUnlistedLocation": True,
                             "allowUnlistedVmSizes": True,
                             "computeClusters": [{"name": "cpu", "vmSize": "Standard_Q9_v9"}]})
    assert run.one("azure-native:machinelearningservices:Compute").inputs["location"] == \
        "newregion1"


def test_resource_ids_are_case_insensitive_like_arm() -> None:
    existing = ("/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-shared/"
                "providers/microsoft.containerregistry/registries/crshared01")
    assert (parse_settings("ml-platform", {"existingRegistryId": existing}).existing_registry_id
            == existing)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        shared_run("dev", {"registrySku": "Free", "logRetentionDays": 5, "regstrySku": "x"})
    assert len(caught.value.problems) == 3


def test_config_error_is_a_clean_pulumi_error() -> None:
    import pulumi
    assert issubclass(ConfigError, pulumi.RunError)  # the CLI prints it without a traceback


def test_generated_files_are_current() -> None:
    # Pulumi.yaml's config block and the stack file JSON Schema (the docs': tests/repo/test_docs.py)
    assert schema_main(["--project", str(PROJECT_DIR)]) == 0, "run python -m stack.schema --write"


def test_project_file_declares_every_key_with_the_schemas_default() -> None:
    declared = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["config"]
    assert list(declared) == list(KEYS)
    assert declared["registrySku"] == {"type": "string", "description": "Container registry SKU.",
                                       "default": "Basic"}
    assert "default" not in declared["environment"]  # unset: the stack's name
    _, config = stack_config("dev", {key: None for key in KEYS})  # a stack file that sets nothing
    raw = {key.split(":", 1)[1]: value for key, value in config.items()}
    assert parse_settings("ml-platform", raw, "dev") == StackSettings(environment="dev")


@pytest.mark.parametrize("stack_file", sorted(PROJECT_DIR.glob("Pulumi.*.yaml")),
                         ids=lambda p: p.name)
def test_every_stack_file_names_its_schema_and_follows_it(stack_file: Path) -> None:
    text = stack_file.read_text()
    assert text.splitlines()[0] == SCHEMA_LINE
    schema = json.loads((PROJECT_DIR / "stack" / "stack-file.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(text), schema)


def test_the_schema_refuses_what_the_program_refuses() -> None:
    schema = json.loads((PROJECT_DIR / "stack" / "stack-file.schema.json").read_text())
    bad: dict[str, Any]
    for bad in ({"config": {"ml-platform:registrySku": "Free"}},
                {"config": {"ml-plaform:location": "westeurope"}},
                {"configs": {}},
                {"config": {"ml-platform:computeClusters": [{"name": "cpu", "vmsize": "x"}]}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_the_environment_is_the_stacks_name_unless_set() -> None:
    assert parse_settings("ml-platform", {}, "staging").environment == "staging"
    assert parse_settings("ml-platform", {"environment": "stg"}, "staging").environment == "stg"
    with pytest.raises(ConfigError, match=r"ml-platform:environment \(unset: the stack's name\) "
                                          r"= 'staging-eu' is not allowed"):
        parse_settings("ml-platform", {}, "staging-eu")


def test_keys_no_part_of_the_stack_reads_are_refused_with_a_suggestion() -> None:
    assert unread_keys("ml-platform", ["azure-native:location", "ml-platform:location",
                                       "pulumi:tags"]) == []
    assert unread_keys("ml-platform", ["ml-plaform:location"]) == [
        "ml-plaform:location is in a namespace nothing in this stack reads; did you mean "
        "ml-platform:location?"]


def test_stack_file_mistakes_are_named_with_their_line(tmp_path: Path) -> None:
    top = tmp_path / "Pulumi.top.yaml"
    top.write_text("location: westeurope\nconfigs:\n  ml-platform:location: westeurope\n")
    assert stack_file_problems(top) == [
        "Pulumi.top.yaml: top-level key 'configs' is not read by Pulumi; did you mean config:?",
        "Pulumi.top.yaml: top-level key 'location' is not read by Pulumi; settings go under "
        "config:, as <project>:<key>: <value>"]
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text("config:\n  ml-platform:location: westeurope\n   bad: [\n")
    [problem] = stack_file_problems(broken)
    assert problem.startswith("Pulumi.broken.yaml line 3, column ") and "not YAML" in problem


def test_a_broken_stack_file_stops_the_tools_in_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  ml-platform:location: [\n")
    assert preview_main(["dev", "--project", str(tmp_path)]) == CONFIG
    err = capsys.readouterr().err
    assert "Pulumi.dev.yaml line 3, column 1: not YAML" in err and "Traceback" not in err


REPEATED = """\
# yaml-language-server: $schema=./stack/stack-file.schema.json
config:
  ml-platform:location: westeurope
  ml-platform:network:
    isolation: AllowOnlyApprovedOutbound
    isolation: AllowInternetOutbound
  ml-platform:onlineEndpoints:
    - name: score
      deployments:
        - name: blue
          traffic: 100
          traffic: 0
  ml-platform:tags: {cost-center: ml}
  ml-platform:onlineEndpoints: []
config:
  ml-platform:workload: again
"""
REPEATED_PROBLEMS = [
    f"Pulumi.dev.yaml lines {a} and {b}: {what} is written twice; keep one (the Pulumi CLI "
    "refuses the file)" for a, b, what in [
        (5, 6, "config key ml-platform:network.isolation"),
        (11, 12, "config key ml-platform:onlineEndpoints[0].deployments[0].traffic"),
        (7, 14, "config key ml-platform:onlineEndpoints"),
        (2, 15, "key config")]]
"""Every key written twice in REPEATED: in the config block, in a nested mapping, in a list
item's mapping and at the top, each with both lines, in the order of the file."""


def test_a_key_written_twice_anywhere_is_named_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(REPEATED)
    assert stack_file_problems(path) == REPEATED_PROBLEMS
    with pytest.raises(StackFileError) as caught:
        read_yaml(path)  # every tool's reading of project and stack files
    assert caught.value.problems == REPEATED_PROBLEMS


def test_a_merge_key_that_a_mapping_overrides_is_not_a_key_written_twice(tmp_path: Path
                                                                         ) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("base: &base {name: cpu, maxNodes: 2}\n"
                    "config:\n  ml-platform:computeClusters:\n"
                    "    - <<: *base\n      maxNodes: 4\n    - *base\n")
    assert read_yaml(path)["config"]["ml-platform:computeClusters"] == [
        {"name": "cpu", "maxNodes": 4}, {"name": "cpu", "maxNodes": 2}]


def _project(tmp_path: Path, stack_file: str, project_extra: str = "") -> Path:
    """A copy of this project's program in ``tmp_path/src`` (Pulumi.yaml ``main: src``) with a
    stack file ``stacks/Pulumi.dev.yaml`` (``stackConfigDir: stacks``): the program is run from
    its ``main:`` folder, as the CLI runs it."""
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text()
                                          + "main: src\nstackConfigDir: stacks\n"
                                          + project_extra)
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(stack_file)
    (tmp_path / "src").mkdir()
    program = tmp_path / "src" / "__main__.py"
    program.write_text((PROJECT_DIR / "__main__.py").read_text())
    return program


def test_the_program_finds_its_stack_file_and_refuses_a_key_written_twice(tmp_path: Path
                                                                          ) -> None:
    # pulumi up runs __main__.py with the config the CLI merged; the program reads the stack
    # file itself, so it refuses before any resource even when the CLI's checks are bypassed.
    program = _project(tmp_path, REPEATED)
    with pytest.raises(ConfigError) as caught:
        run_main("ml-platform", "dev", {}, program)
    assert caught.value.problems == REPEATED_PROBLEMS
    assert registered_before(caught.value) == {}
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text("config: {}\n")
    assert run_main("ml-platform", "dev", {}, program).resources  # the same project, clean


def test_a_key_written_twice_in_the_project_file_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = _project(tmp_path, "config: {}\n", project_extra="description: again\n")
    problem = (r"Pulumi.yaml lines 2 and \d+: key description is written twice; keep one "
               r"\(the Pulumi CLI refuses the file\)")
    with pytest.raises(ConfigError, match=problem) as caught:
        run_main("ml-platform", "dev", {}, program)
    assert registered_before(caught.value) == {}
    assert preview_main(["dev", "--project", str(tmp_path)]) == CONFIG
    assert re.search(problem, capsys.readouterr().err)


def test_the_preview_refuses_a_stack_file_with_a_key_written_twice(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The bug: PyYAML kept the second block, and the preview showed dev without its endpoint.
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    dev = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    (tmp_path / "Pulumi.dev.yaml").write_text(dev + "  ml-platform:onlineEndpoints: []\n")
    assert preview_main(["dev", "--project", str(tmp_path)]) == CONFIG
    captured = capsys.readouterr()
    first = dev.splitlines().index("  ml-platform:onlineEndpoints:") + 1
    assert captured.err == (f"error: Pulumi.dev.yaml lines {first} and {len(dev.splitlines()) + 1}:"
                            " config key ml-platform:onlineEndpoints is written twice; keep one "
                            "(the Pulumi CLI refuses the file)\n")
    assert captured.out == ""


def test_load_settings_reads_the_live_config_and_refuses_other_namespaces() -> None:
    import pulumi
    pulumi.runtime.set_all_config({"ml-platform:registrySku": "Standard"})
    try:
        assert load_settings(pulumi.Config("ml-platform")).registry_sku == "Standard"
        pulumi.runtime.set_all_config({"ml-platform:registrySku": "Standard",
                                       "mlplatform:location": "westeurope"})
        with pytest.raises(ConfigError, match="did you mean ml-platform:location"):
            load_settings(pulumi.Config("ml-platform"))
    finally:
        pulumi.runtime.set_all_config({})


def test_every_key_belongs_to_one_section() -> None:
    owned = [key for section in SECTIONS for key in section.keys]
    assert sorted(owned) == sorted(KEYS)  # each once: validation and the program walk them


@pytest.mark.parametrize("name", ["dev", "aks", "everything"])
def test_the_program_creates_the_identities_the_sections_report(
        name: str, request: pytest.FixtureRequest) -> None:
    # the identities output lists every user-assigned identity Platform created, in order
    run = request.getfixturevalue(name)
    reported = [purpose for section in SECTIONS
                for purpose, _ in section.identities(stack_settings(run))]
    assert list(run.outputs["identities"]) == reported and len(set(reported)) == len(reported)
