"""The offline plan diff, on plans of real runs of the program with changed config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.testing.runner import StackRun
from offline.diagram import ADDED_STYLE, REMOVED_STYLE
from offline.diff import diff_plans, main, markdown, text
from offline.exits import USAGE
from offline.report import plan

from ..conftest import PACK, SAMPLE, endpoint, shared_run

S = "*****"


def preview(run: StackRun) -> dict[str, Any]:
    return plan(run, PACK)


@pytest.fixture(scope="module")
def base(dev: StackRun) -> dict[str, Any]:
    return preview(dev)


def test_no_change_is_reported_as_none(base: dict[str, Any], dev_again: StackRun) -> None:
    d = diff_plans(base, preview(dev_again))
    assert d.empty
    assert text(d) == "Offline diff of stack 'dev': no changes."
    assert "No changes" in markdown(d, base)


def test_a_compute_size_change_names_exactly_that_property(base: dict[str, Any]) -> None:
    head = preview(shared_run("dev", {"computeClusters": [
        {"name": "cpu", "vmSize": "Standard_D4s_v3", "vmPriority": "LowPriority", "maxNodes": 2}]}))
    d = diff_plans(base, head)
    assert [(r.action, r.name, r.properties) for r in d.resources] == [
        ("change", "cluster-cpu",
         [("properties.properties.vmSize", "Standard_DS3_v2", "Standard_D4s_v3")])]
    assert not (d.grants_added or d.grants_removed or d.outputs)
    assert ("`properties.properties.vmSize`: `Standard_DS3_v2` → `Standard_D4s_v3`"
            in markdown(d, head))


def test_a_role_change_lists_the_grants_gained_and_lost(base: dict[str, Any]) -> None:
    head = preview(shared_run("dev", {"onlineEndpoints": [{"name": "score", "authMode": "AADToken",
                                                       "identity": "systemAssigned",
                                                       "secrets": ["sample-secret"]}]}))
    d = diff_plans(base, head)
    who = "id-mlplat-dev-endpoint-score"
    system = f"score-dev-{S} (online endpoint, system-assigned)"
    basics = {("AcrPull", f"container registry crmlplatdev{S}"),
              ("Storage Blob Data Contributor", f"storage account stmlplatdev{S}"),
              ("AzureML Metrics Writer (preview)", f"ml workspace mlw-mlplat-dev-{S}")}
    vault = ("Key Vault Secrets User", f"secret sample-secret of key vault kv-mlplat-dev-{S}")
    registry = ("Reader", "registries mlreg-shared in rg-mlreg-shared (outside the stack)")
    assert d.grants_removed == {(who, *g, "stack") for g in basics | {vault, registry}}
    # the system identity holds the same basic roles, granted by Azure itself, not lost
    assert d.grants_added == {(system, *vault, "stack"), (system, *registry, "stack"),
                              *((system, *g, "Azure") for g in basics)}
    assert {(r.action, r.name) for r in d.resources} >= {
        ("delete", "endpoint-score-identity"), ("delete", "endpoint-score-registry-acrpull"),
        ("change", "endpoint-score")}
    md = markdown(d, head)
    assert "| - | id-mlplat-dev-endpoint-score | **AcrPull** |" in md
    assert f"| + | {system} | **AcrPull** (Azure's own) |" in md
    assert (f"+ {system} AcrPull container registry crmlplatdev{S} (Azure's own)"
            in " ".join(text(d).split()))  # wrapped within 100 columns
    assert ADDED_STYLE in md and REMOVED_STYLE in md


def test_an_added_cluster_adds_resources_grants_and_outputs(base: dict[str, Any]) -> None:
    head = preview(shared_run("dev", {"computeClusters": [
        {"name": "cpu", "vmPriority": "LowPriority"},
        {"name": "gpu", "vmSize": "Standard_NC4as_T4_v3"}]}))
    d = diff_plans(base, head)
    assert {r.name for r in d.resources if r.action == "add"} == {
        "cluster-gpu", "cluster-gpu-identity", "cluster-gpu-registry-acrpull",
        "cluster-gpu-storage-storage-blob-data-contributor",
        "ml-registry-cluster-gpu-azureml-registry-user"}  # dev's clusters publish (mlRegistry)
    assert {(p, r) for p, r, _, _ in d.grants_added} == {
        ("id-mlplat-dev-cluster-gpu", "AcrPull"),
        ("id-mlplat-dev-cluster-gpu", "Storage Blob Data Contributor"),
        ("id-mlplat-dev-cluster-gpu", "AzureML Registry User")}
    # outputs keyed by name: the new cluster's, not every grant listed after its grants
    assert {path for path, _, _ in d.outputs} == {
        "computeClusters.gpu.name", "computeClusters.gpu.principalId",
        "computeClusters.gpu.clientId", *(f"identities.cluster-gpu.{k}" for k in (
            "clientId", "principalId", "tenantId", "resourceId"))}
    assert d.count("delete") == 0


def test_a_removed_endpoint_is_deleted_with_its_grants(base: dict[str, Any]) -> None:
    d = diff_plans(base, preview(shared_run("dev", {"onlineEndpoints": []})))
    deleted = {r.name for r in d.resources if r.action == "delete"}
    assert d.count("add") == 0 and deleted == {
        "endpoint-score", "endpoint-score-identity",  # the components and their resources
        "endpoint-score-blue-ds2v2", "endpoint-score-traffic",
        "diagnostics-endpoint-score",  # its logs' setting
        *(f"endpoint-score-{grant}" for grant in (
            "registry-acrpull", "storage-storage-blob-data-contributor",
            "secret-sample-secret-key-vault-secrets-user",
            "workspace-azureml-metrics-writer-preview")),
        "ml-registry-endpoint-score-reader",  # its Reader on the shared Azure ML registry
        # the assets only its deployment used: uploads and versions (content digests in the names)
        *(r.name for r in d.resources if r.name.startswith(("assets-model-", "assets-code-",
                                                            "assets-environment-")))}
    assert {r.name.split("-")[1] for r in d.resources if r.name.startswith("assets-")} == {
        "model", "code", "environment"}
    assert len(d.grants_removed) == 5 and not d.grants_added


def test_a_deployment_added_in_front_changes_one_output(base: dict[str, Any]) -> None:
    blue = {**SAMPLE, "name": "blue", "scoringScript": "score.py", "traffic": 100,
            "instanceType": "Standard_DS2_v2", "environmentVariables": {
                "SECRET_NAME": "sample-secret", "BLOB_PATH": "ml-assets/samples/score/labels.json"}}
    d = diff_plans(base, preview(shared_run("dev", endpoint(
        {**blue, "name": "green", "traffic": 0}, blue, authMode="AADToken"))))
    assert [(path, old, new) for path, old, new in d.outputs if "deployments" in path] == [
        ("onlineEndpoints.score.deployments.green-ds2v2", "(absent)", "green-ds2v2")]


def test_the_command_diffs_files_and_treats_a_missing_base_as_empty(
        base: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head_file = tmp_path / "head.json"
    head_file.write_text(json.dumps(base))
    assert main([str(tmp_path / "absent.json"), str(head_file), "--markdown",
                 str(tmp_path / "d.md")]) == 0
    assert f"{len(base['resources'])} to add, 0 to change, 0 to delete" in capsys.readouterr().out
    assert (tmp_path / "d.md").read_text().startswith("### Offline preview diff: `dev`")


def test_a_missing_head_or_a_file_that_is_not_json_is_a_usage_error_in_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    for argv in ([str(broken), str(tmp_path / "absent.json")], [str(broken), str(broken)]):
        assert main(argv) == USAGE
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "Traceback" not in err
    assert "broken.json is not JSON" in err
