"""Each rule of the day-2 plan fires on a program spoiled the way it guards against (or on the state
an earlier revision of the program left), and stays silent on the real one."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi_azure_native import machinelearningservices as ml

import components.access
import components.assets
import components.batch_endpoint
import components.compute
import components.endpoint
import components.key_vault
import stack.config.stack
from components.blob_upload import ENTRA_BLOB, KEY_BLOB
from components.catalog import AT_RISK, LIES, REFUSED
from components.testing.mocks import RANDOM_SUFFIX
from components.testing.runner import Registration, StackRun, run_stack
from offline.day2.azure import refreshed
from offline.day2.check import day2_plan
from offline.day2.model import DATA_LOSS, IGNORED, NOTE, REPLACE, UPDATE, Plan
from offline.day2.rules import RULES

from ..conftest import BATCH_GREEN, PROJECT_DIR, endpoint, shared_run

VAULT_SECRET = PROJECT_DIR / "tests" / "programs" / "vault_secret"
UPLOADS = {"assets-code-score-code-1cb2dafa9b40-score.py", "assets-file-samples/score/labels.json",
           "assets-model-score-model-f6e1c1a2ac72-model.json",
           "assets-code-batch-score-batch-code-baf871624601-batch_driver.py",
           "assets-model-batch-score-batch-model-f6e1c1a2ac72-model.json"}
"""The dev stack's uploads (the samples' code, data and model, online and batch)."""
BIGGER_CLUSTER = {"computeClusters": [{"name": "cpu", "vmSize": "Standard_D4s_v3",
                                       "vmPriority": "LowPriority"}]}


def fired(plan: Plan, rule: str) -> set[tuple[str, str]]:
    """(resource, verdict) of every finding of ``rule``."""
    return {(s.resource.name, f.verdict) for s, f in plan.findings if f.rule == rule}


def kept_as_before(run: StackRun, *names: str) -> StackRun:
    """``run`` as the state of a stack an earlier revision deployed: ``names`` not retained."""
    return dataclasses.replace(run, resources={
        urn: dataclasses.replace(r, protect=False, retain_on_delete=False) if r.name in names else r
        for urn, r in run.resources.items()})


def no_delete_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Computes replaced on their create-only settings, but created before the delete."""
    real = components.compute.compute_lifecycle
    monkeypatch.setattr(components.compute, "compute_lifecycle", lambda ws, create_only: {
        k: v for k, v in real(ws, create_only).items() if k != "delete_before_replace"})


def updated_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """Computes updated whatever changes, as before the create-only settings were known."""
    monkeypatch.setattr(components.compute, "compute_lifecycle",
                        lambda ws, create_only: {"deleted_with": ws.resource})


def case_protected(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(prod, None)


def case_name_taken(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    no_delete_first(monkeypatch)
    return day2_plan(dev, run_stack("dev", BIGGER_CLUSTER))


def case_stateful_replaced(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    # a longer suffix is a new random value: every globally unique name changes
    monkeypatch.setattr(stack.config.stack, "SUFFIX_LENGTH", 6)
    return day2_plan(dev, run_stack("dev", suffix="k3x9qz"))


def case_group_cascade(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(kept_as_before(prod, "resource-group"), None, unprotect=True)


def case_data_kept_deleted(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(kept_as_before(prod, "data-container"), None, unprotect=True)


def case_data_deleted(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    with_data = shared_run("dev", {"dataStorage": {"create": True, "container": "training"}})
    return day2_plan(with_data, dev)


def case_deployment_traffic(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    real = components.endpoint.OnlineEndpoint._writer
    monkeypatch.setattr(components.endpoint.OnlineEndpoint, "_writer",  # the old `if deployments`
                        lambda self, name, args, ep: real(self, name, args, ep)
                        if args.deployments else None)
    return day2_plan(dev, run_stack("dev", endpoint()))


def case_batch_default_delete(dev: StackRun, prod: StackRun,
                              monkeypatch: pytest.MonkeyPatch) -> Plan:
    # no writer: the default stays on blue in Azure (what the deleted template put)
    monkeypatch.setattr(components.batch_endpoint.BatchEndpoint, "_writer",
                        lambda self, name, args, ep: None)
    return day2_plan(dev, run_stack("dev", BATCH_GREEN))


def case_endpoint_put(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    real = ml.OnlineEndpoint

    def traffic_ignored_only(name: str, opts: pulumi.ResourceOptions,
                             **kwargs: Any) -> ml.OnlineEndpoint:
        opts.ignore_changes, opts.replace_on_changes = ["properties.traffic"], None
        return real(name, opts=opts, **kwargs)
    monkeypatch.setattr("components.endpoint.ml.OnlineEndpoint", traffic_ignored_only)
    return day2_plan(run_stack("dev"), run_stack("dev", {"tags": {"cost-center": "x"}}))


def case_data_plane_delete(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(run_stack("test", project=VAULT_SECRET),
                     run_stack("test", {"secret": False}, project=VAULT_SECRET))


def case_immutable(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    updated_in_place(monkeypatch)
    return day2_plan(dev, run_stack("dev", BIGGER_CLUSTER))


SYSTEM_WORKSPACE = {"workspaceIdentity": "systemAssigned"}


def case_soft_deleted_name(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    # a workspace with only user-assigned identities is not soft-deleted (concept-soft-delete):
    # its name is free again; a system-assigned one keeps it, like every key vault
    assert ("azure-native:machinelearningservices:Workspace", f"mlw-mlplat-dev-{RANDOM_SUFFIX}") \
        not in day2_plan(dev, None).reserved
    system = shared_run("dev", SYSTEM_WORKSPACE)
    return day2_plan(None, system, reserved=day2_plan(system, None).reserved)


def case_propagation(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    monkeypatch.setattr(components.endpoint, "after",
                        lambda grants, also=(), **options: pulumi.ResourceOptions(
                            depends_on=[*(g.assignment for g in grants), *also], **options))
    return day2_plan(None, run_stack("dev"))


def case_template_leaves(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(dev, shared_run("dev", {"sampleData": False,
                                             "existingSecrets": ["sample-secret"]}))


def key_based(run: StackRun) -> StackRun:
    """``run`` as the state an earlier release left: its uploads azure-native ``storage:Blob``s
    (read with the account key), on a workspace storage that takes keys."""
    def before(r: Registration) -> Registration:
        if r.type == ENTRA_BLOB:
            account = r.inputs["accountUrl"].split("//")[1].split(".")[0]
            return dataclasses.replace(r, urn=r.aliases[0], type=KEY_BLOB, aliases=[], inputs={
                "resourceGroupName": "rg-mlplat-dev", "accountName": account,
                "containerName": r.inputs["container"], "blobName": r.inputs["blobName"],
                "source": r.inputs["source"]})
        if r.name == "workspace-storage":
            return dataclasses.replace(r, inputs={k: v for k, v in r.inputs.items()
                                                  if k != "allowSharedKeyAccess"})
        return r
    return dataclasses.replace(run, resources={b.urn: b for b in map(before,
                                                                      run.resources.values())})


def case_key_based_delete(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(key_based(dev), dev)


API_KEY = {"existingSecrets": ["api-key"], "onlineEndpoints": [
    {"name": "score", "secrets": ["sample-secret", "api-key"]}]}
"""dev whose endpoint also reads a secret the user puts in the vault."""


def case_secret_missing(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(None, shared_run("dev", API_KEY))  # the vault is new: it holds no api-key


def case_kept_at_creation(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(dev, shared_run("dev", {"keyVaultSoftDeleteRetentionDays": 30}))


def case_stale_traffic(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(refreshed(dev), shared_run("dev", {"onlineEndpoints": [
        {**dev_endpoint(dev), "identity": "systemAssigned"}]}))


def dev_endpoint(run: StackRun) -> dict[str, Any]:
    """The dev stack's endpoint as config."""
    endpoints: list[dict[str, Any]] = json.loads(run.config["ml-platform:onlineEndpoints"])
    return endpoints[0]


def case_compute_delete(dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> Plan:
    return day2_plan(dev, shared_run("dev", {"computeClusters": [], "batchEndpoints": []}))


CASES: dict[str, tuple[Callable[..., Plan], set[tuple[str, str]]]] = {
    "protected": (case_protected, {(name, REFUSED) for name in (
        "workspace", "workspace-storage", "workspace-blob-service", "workspace-key-vault",
        "workspace-logs", "registry", "data-storage", "data-container", "resource-group",
        "encryption-key-vault", "encryption-key")}),
    "name-taken": (case_name_taken, {("cluster-cpu", REFUSED)}),
    "stateful-replaced": (case_stateful_replaced, {
        (name, DATA_LOSS) for name in ("workspace", "workspace-storage", "workspace-key-vault",
                                       "registry", "assets-container")}),
    "group-cascade": (case_group_cascade, {("resource-group", DATA_LOSS)}),
    "data-kept-deleted": (case_data_kept_deleted, {("data-container", DATA_LOSS)}),
    "data-deleted": (case_data_deleted, {("data-storage", AT_RISK), ("data-container", AT_RISK)}),
    "deployment-traffic": (case_deployment_traffic, {("endpoint-score-blue-ds2v2", REFUSED)}),
    "endpoint-put": (case_endpoint_put, {("endpoint-score", LIES)}),
    "batch-default-delete": (case_batch_default_delete, {("batch-score-batch-blue", AT_RISK)}),
    "data-plane-delete": (case_data_plane_delete, {("secret", REFUSED)}),
    "immutable": (case_immutable, {("cluster-cpu", LIES)}),
    "soft-deleted-name": (case_soft_deleted_name, {("workspace", REFUSED),
                                                   ("workspace-key-vault", REFUSED)}),
    "propagation": (case_propagation, {("endpoint-score-blue-ds2v2", AT_RISK)}),
    "template-leaves": (case_template_leaves, {("sample-secret", NOTE)}),
    "compute-delete": (case_compute_delete, {("cluster-cpu", AT_RISK)}),
    "kept-at-creation": (case_kept_at_creation, {("workspace-key-vault", NOTE)}),
    "stale-traffic": (case_stale_traffic, {("endpoint-score", REFUSED)}),
    "secret-missing": (case_secret_missing, {
        ("endpoint-score-secret-api-key-key-vault-secrets-user", AT_RISK)}),
    "key-based-delete": (case_key_based_delete, {(r, REFUSED) for r in UPLOADS}),
}


def test_every_rule_has_a_case_and_a_source() -> None:
    assert set(CASES) == {rule.name for rule in RULES}
    assert all(rule.source for rule in RULES)


REAL_CHANGE: dict[str, dict[str, Any] | None] = {
    "name-taken": BIGGER_CLUSTER, "immutable": BIGGER_CLUSTER, "deployment-traffic": endpoint(),
    "endpoint-put": {"tags": {"cost-center": "x"}}, "propagation": None}
"""The config change that each of these rules' spoiled programs makes, made by the real one."""


@pytest.mark.parametrize("rule", sorted(set(CASES) - set(REAL_CHANGE)))
def test_the_rule_fires_on_the_spoiled_program(rule: str, dev: StackRun, prod: StackRun,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    case, expected = CASES[rule]
    assert fired(case(dev, prod, monkeypatch), rule) == expected


@pytest.mark.parametrize("rule", sorted(REAL_CHANGE))
def test_the_rule_fires_on_the_spoiled_program_and_not_on_the_real_one(
        rule: str, dev: StackRun, prod: StackRun, monkeypatch: pytest.MonkeyPatch) -> None:
    case, expected = CASES[rule]
    spoiled = case(dev, prod, monkeypatch)
    monkeypatch.undo()
    assert fired(spoiled, rule) == expected
    assert spoiled.failing or rule == "propagation"
    plan = day2_plan(None if rule == "propagation" else dev, shared_run("dev", REAL_CHANGE[rule]))
    assert fired(plan, rule) == set() and not plan.failing


def test_grants_on_secrets_wait_for_what_puts_them_or_for_a_vault_that_exists(
        dev: StackRun, monkeypatch: pytest.MonkeyPatch) -> None:
    # every workload's grant on sample-secret comes after the template that puts it
    both = shared_run("dev", {"computeClusters": [{"name": "cpu", "secrets": ["sample-secret"]}]})
    assert fired(day2_plan(None, both), "secret-missing") == set()
    template = both.one("resources:Deployment", "sample-secret")
    on_secret = [a for a in both.of_type("azure-native:authorization:RoleAssignment")
                 if a.inputs["scope"].endswith("/secrets/sample-secret")]
    assert {a.parent.rsplit("::", 1)[1] for a in on_secret} == {"cluster-cpu", "endpoint-score"}
    assert all(template.urn in a.dependencies for a in on_secret)
    # a secret the user put in a vault an earlier up made: nothing to say
    assert fired(day2_plan(dev, shared_run("dev", API_KEY)), "secret-missing") == set()
    # the order is what keeps it quiet: grants that do not wait for the template are flagged
    real = components.access.secret_grants
    monkeypatch.setattr(components.compute, "secret_grants",
                        lambda *args, depends_on=(), **kwargs: real(*args, **kwargs))
    assert fired(day2_plan(None, run_stack("dev", {"computeClusters": [
        {"name": "cpu", "secrets": ["sample-secret"]}]})), "secret-missing") == {
        ("cluster-cpu-secret-sample-secret-key-vault-secrets-user", AT_RISK)}


def test_the_deployer_holding_secrets_officer_may_delete_a_secret() -> None:
    with_role = {"deployerOfficer": True}
    plan = day2_plan(run_stack("test", with_role, project=VAULT_SECRET),
                     run_stack("test", {**with_role, "secret": False}, project=VAULT_SECRET))
    assert [s.resource.name for s in plan.steps] == ["secret"] and not plan.findings


def test_a_key_vault_retention_change_is_never_sent_and_asset_versions_refuse_any_change(
        dev: StackRun, monkeypatch: pytest.MonkeyPatch) -> None:
    retention = day2_plan(dev, shared_run("dev", {"keyVaultSoftDeleteRetentionDays": 30}))
    # nothing is sent (the vault ignores it): the state keeps the 7 days Azure keeps
    assert [(s.op, s.resource.name, s.changed) for s in retention.steps] == [
        (IGNORED, "workspace-key-vault", ["properties.softDeleteRetentionInDays"])]
    assert fired(retention, "kept-at-creation") == {("workspace-key-vault", NOTE)}
    assert "stays 7 in Azure and in the state" in retention.findings[0][1].message
    assert not retention.failing
    # without the ignore, the update would be sent and refused
    monkeypatch.setattr(components.key_vault, "VAULT_CREATE_ONLY", "tags.none")
    sent = day2_plan(dev, run_stack("dev", {"keyVaultSoftDeleteRetentionDays": 30}))
    assert fired(sent, "immutable") == {("workspace-key-vault", REFUSED)}
    monkeypatch.undo()
    monkeypatch.setattr(components.assets.AssetStore, "_version_options",
                        lambda self, depends_on=(): pulumi.ResourceOptions(
                            parent=self, depends_on=list(depends_on)))
    base = run_stack("dev")
    retagged = day2_plan(base, run_stack("dev", {"tags": {"cost-center": "x"}}))
    versions = {r.name for r in base.resources.values() if r.type.endswith("Version")}
    assert len(versions) == 6  # the samples' model, code and environment, online and batch
    assert {name for name, verdict in fired(retagged, "immutable")
            if verdict == REFUSED} == versions


def test_an_earlier_release_moves_to_keyless_uploads_in_two_steps(dev: StackRun) -> None:
    keys_kept = shared_run("dev", {"workspaceStorageKeyAccess": True})
    first = day2_plan(key_based(dev), keys_kept)
    assert not first.failing
    moved = [s for s in first.steps if s.resource.type == ENTRA_BLOB]
    # the old key-based blob is deleted first, then the same blob is uploaded with Entra ID
    assert {s.resource.name for s in moved} == UPLOADS
    assert all(s.op == REPLACE and s.delete_first and s.old and s.old.type == KEY_BLOB
               for s in moved)
    second = day2_plan(keys_kept, dev)
    assert not second.failing
    assert [(s.op, s.resource.name, s.changed) for s in second.steps] == [
        (UPDATE, "workspace-storage", ["allowSharedKeyAccess"])]

