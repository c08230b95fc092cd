"""The deployer's story: what the identity running pulumi up holds before the first up, what the
stack grants it itself and what waits for that grant; told the same way by the preview, the JSON,
the docs and the set-up commands."""

from __future__ import annotations

import re
import shlex

import pytest

from components.azure.roles import BUILT_IN_ROLES
from components.testing.mocks import DEPLOYER_OBJECT_ID, RANDOM_SUFFIX, registry_stack
from components.testing.runner import StackRun, run_stack
from offline.deployer import SUBSCRIPTION, commands, condition, main, markdown, story
from offline.report import plan, text

from ..conftest import PACK, PROJECT_DIR, ROLE_ASSIGNMENT, one, shared_run

ENTRA_BLOB = "pulumi-python:dynamic/storage:EntraBlob"
GUIDE = PROJECT_DIR / "docs" / "guides" / "deploying.md"
ML_REGISTRY = registry_stack("organization/ml-registry/shared")["registryId"]
"""The Azure ML registry dev and prod reference (mlRegistry.stack), as the mocks answer it."""
REGISTRY_GROUP = ML_REGISTRY.split("/providers/")[0]


def test_the_stack_grants_the_deployer_its_upload_role_and_every_upload_waits_for_it(
        dev: StackRun) -> None:
    grant = one(dev, "authorization:RoleAssignment",
                "assets-uploader-storage-blob-data-contributor")
    container = one(dev, "storage:BlobContainer", "assets-container")
    assert grant.inputs["principalId"] == DEPLOYER_OBJECT_ID
    assert grant.inputs["scope"] == container.id  # the container it uploads to, nothing wider
    assert grant.inputs["roleDefinitionId"].endswith(
        BUILT_IN_ROLES["Storage Blob Data Contributor"])
    assert grant.inputs["principalType"] == "User"  # an az login: no ARM_CLIENT_ID here
    uploads = dev.of_type(ENTRA_BLOB)
    assert uploads and all(grant.urn in u.dependencies for u in uploads)
    assert dev.outputs["deployer"] == {"objectId": DEPLOYER_OBJECT_ID, "principalType": "User"}


def test_a_ci_identity_is_granted_as_a_service_principal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARM_CLIENT_ID", "22222222-0000-4000-8000-000000000000")
    detected = run_stack("dev")
    assert one(detected, "authorization:RoleAssignment",
               "assets-uploader-storage-blob-data-contributor").inputs["principalType"] == \
        "ServicePrincipal"
    told = shared_run("dev", {"deployerPrincipalType": "User"})
    assert one(told, "authorization:RoleAssignment",
               "assets-uploader-storage-blob-data-contributor").inputs["principalType"] == "User"


def test_before_the_first_up_it_holds_contributor_and_a_conditioned_administrator(
        dev: StackRun) -> None:
    s = plan(dev, PACK)["deployer"]
    assert [(n["role"], n["scopeId"]) for n in s["before"]] == [
        ("Contributor", SUBSCRIPTION),  # the group is the stack's: it cannot hold a role there yet
        ("Role Based Access Control Administrator", SUBSCRIPTION),
        # the stack grants its identities roles on the shared Azure ML registry (mlRegistry)
        ("Role Based Access Control Administrator", REGISTRY_GROUP)]
    guids = set(re.findall(r"[0-9a-f-]{36}", s["before"][1]["condition"]))
    assigned = {a.inputs["roleDefinitionId"].rsplit("/", 1)[1]
                for a in dev.of_type(ROLE_ASSIGNMENT)}
    assert guids == assigned  # exactly the roles the stack assigns, nothing else
    assert s["grantedByStack"] == [{"role": "Storage Blob Data Contributor",
                                    "scope": "blob container ml-assets",
                                    "source": s["grantedByStack"][0]["source"]}]
    assert "Storage Data Contributor" in s["grantedByStack"][0]["source"]
    assert len(s["waits"]) == len(dev.of_type(ENTRA_BLOB)) == 5  # online and batch samples


def test_an_existing_group_and_scopes_outside_the_stack_are_named(everything: StackRun) -> None:
    existing = shared_run("dev", {"resourceGroupName": "rg-team-ml"})
    assert {n["scopeId"] for n in plan(existing, PACK)["deployer"]["before"]} == {
        f"{SUBSCRIPTION}/resourceGroups/rg-team-ml", REGISTRY_GROUP}
    outside = [n for n in plan(everything, PACK)["deployer"]["before"]
               if "outside the stack" in n["scope"]]
    assert {(n["role"], n["scope"]) for n in outside} == {
        ("Role Based Access Control Administrator",
         "resource group rg-shared (outside the stack)"),  # the private registry's
        ("Role Based Access Control Administrator",  # the shared Azure ML registry's
         "resource group rg-mlreg-shared (outside the stack)"),
        ("Azure AI Enterprise Network Connection Approver",  # and its amlregistry endpoint
         "registries mlreg-shared (outside the stack)")}


def test_an_outbound_rule_target_outside_the_stack_needs_the_deployers_approval() -> None:
    target = ("/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-search/"
              "providers/Microsoft.Search/searchServices/srch-ml")
    run = shared_run("prod", {"network": {"outboundRules": [
        {"name": "search", "privateEndpoint": target, "subresource": "searchService"}]}})
    approvals = [n for n in plan(run, PACK)["deployer"]["before"]
                 if n["role"] == "Azure AI Enterprise Network Connection Approver"]
    assert [(n["scopeId"], n["scope"]) for n in approvals] == [
        (ML_REGISTRY, "registries mlreg-shared (outside the stack)"),  # its amlregistry rule
        (target, "searchServices srch-ml (outside the stack)")]


@pytest.mark.usefixtures("tools_share_runs")
def test_preview_json_readme_and_commands_tell_one_story(
        dev: StackRun, capsys: pytest.CaptureFixture[str]) -> None:
    preview = plan(dev, PACK)
    s = preview["deployer"]
    assert s == story(dev)
    printed = " ".join(text(preview).split())
    for need in s["before"]:
        assert " ".join(f"{need['role']} on {need['scope']}: {need['why']}".split()) in printed
    assert "Storage Blob Data Contributor on blob container ml-assets" in printed
    guide = GUIDE.read_text()
    block = guide.split("<!-- deployer: generated by")[1].split("-->", 1)[1] \
        .split("<!-- /deployer -->")[0]
    assert block.strip() == markdown(s).strip(), \
        "docs/guides/deploying.md: the deployer table is stale: run python -m offline.docs --write"
    made = commands(s, "oid-ci", "ServicePrincipal")
    assert len(made) == len(s["before"])
    for need, command in zip(s["before"], made, strict=True):
        words = shlex.split(command)
        assert words[words.index("--role") + 1] == need["role"]
        assert words[words.index("--scope") + 1] == need["scopeId"].replace(
            SUBSCRIPTION, "/subscriptions/${SUBSCRIPTION_ID}")
        assert ("--condition" in words) == ("condition" in need)
        if "condition" in need:
            assert words[words.index("--condition") + 1] == need["condition"]
    assert main(["dev", "--assignee", "oid-ci"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == made
    assert RANDOM_SUFFIX not in markdown(s)


def test_the_condition_limits_writes_and_deletes_to_the_roles_given() -> None:
    guid = BUILT_IN_ROLES["AcrPull"]
    found = condition([guid])
    assert found.count(f"GuidEquals {{{guid}}}") == 2
    assert "roleAssignments/write" in found and "roleAssignments/delete" in found


def test_a_project_that_exports_no_group_needs_roles_on_its_resources_group() -> None:
    shared = run_stack("shared", project=PROJECT_DIR / "samples" / "registry")
    assert [(n["role"], n["scope"]) for n in plan(shared, PACK)["deployer"]["before"]] == [
        ("Contributor", "resource group rg-mlreg-shared"),  # where its registry goes
        ("Role Based Access Control Administrator", "resource group rg-mlreg-shared")]
