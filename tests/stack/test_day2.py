"""Day 2: each change a platform team makes, as a pair of real program runs and the plan between
them, planned clean; and the end state it leaves."""

from __future__ import annotations

import dataclasses

import pytest

from components.catalog import AT_RISK, REFUSED
from components.testing.runner import StackRun
from offline.day2.azure import refreshed
from offline.day2.check import day2_plan
from offline.day2.inputs import sent_inputs
from offline.day2.model import (
    CREATE,
    DELETE,
    DELETE_REPLACED,
    DELETED_WITH,
    FAILING,
    IGNORED,
    NOTE,
    PROTECTED,
    REPLACE,
    RETAIN,
    UPDATE,
    Plan,
    Step,
)

from ..conftest import BATCH_GREEN, BATCH_SAMPLE, SAMPLE, batch_endpoint, endpoint, shared_run

SCORE = "endpoint-score"
WRITER = "endpoint-score-traffic"
BLUE = {"name": "blue", **SAMPLE, "instanceType": "Standard_DS2_v2",
        "environmentVariables": {"SECRET_NAME": "sample-secret",
                                 "BLOB_PATH": "ml-assets/samples/score/labels.json"}}


def clean(plan: Plan) -> Plan:
    """``plan``, after checking that no step is refused, lies or loses data."""
    failing = [(s.resource.name, f.rule, f.message) for s, f in plan.findings
               if f.verdict in FAILING]
    assert failing == [], failing
    return plan


def ops(plan: Plan) -> list[tuple[str, str]]:
    """(op, Pulumi name) of every step except role assignments, in the engine's order."""
    return [(s.op, s.resource.name) for s in plan.steps
            if s.resource.type != "azure-native:authorization:RoleAssignment"]


def traffic(run: StackRun) -> dict[str, int]:
    split: dict[str, int] = run.outputs["onlineEndpoints"]["score"]["traffic"]
    return split


def test_nothing_changed_plans_nothing(dev: StackRun, dev_again: StackRun) -> None:
    assert day2_plan(dev, dev_again).steps == []


def test_turning_the_deployment_off_moves_its_traffic_away_before_deleting_it(
        dev: StackRun) -> None:
    off = shared_run("dev", endpoint())
    plan = clean(day2_plan(dev, off))
    steps = ops(plan)
    assert steps.index((UPDATE, WRITER)) < steps.index((DELETE, f"{SCORE}-blue-ds2v2"))
    assert "properties.parameters.traffic.value.blue-ds2v2" in plan.step(WRITER).changed
    assert traffic(off) == {} and (UPDATE, SCORE) not in steps


def test_blue_green_adds_green_at_zero_shifts_and_retires_blue(dev: StackRun) -> None:
    green = {**BLUE, "name": "green"}
    added = shared_run("dev", endpoint({**BLUE, "traffic": 100}, {**green, "traffic": 0}))
    shifted = shared_run("dev", endpoint({**BLUE, "traffic": 0}, {**green, "traffic": 100}))
    retired = shared_run("dev", endpoint({**green, "traffic": 100}))
    add, shift, retire = (clean(day2_plan(a, b)) for a, b in
                          ((dev, added), (added, shifted), (shifted, retired)))
    # the writer puts the deployments that get traffic: green at 0 and the retired blue at 0
    # change nothing it writes
    assert ops(add) == [(CREATE, f"{SCORE}-green-ds2v2")]
    assert ops(shift) == [(UPDATE, WRITER)]
    assert ops(retire) == [(DELETE, f"{SCORE}-blue-ds2v2")]
    assert [traffic(r) for r in (added, shifted, retired)] == [
        {"blue-ds2v2": 100, "green-ds2v2": 0}, {"blue-ds2v2": 0, "green-ds2v2": 100},
        {"green-ds2v2": 100}]


def test_a_tag_change_updates_in_place_and_leaves_endpoint_and_asset_versions_alone(
        dev: StackRun) -> None:
    plan = clean(day2_plan(dev, shared_run("dev", {"tags": {"cost-center": "ml-dev-2"}})))
    assert {s.op for s in plan.steps} == {UPDATE, IGNORED}
    # registered versions take no change: their tags are not sent, and the plan says so
    assert {s.resource.type.rsplit(":", 1)[1] for s in plan.of(IGNORED)} == {
        "ModelVersion", "CodeVersion", "EnvironmentVersion"}
    updated = {s.resource.type.rsplit(":", 1)[1] for s in plan.of(UPDATE)}
    assert not updated & {"OnlineEndpoint", "ModelVersion", "CodeVersion", "EnvironmentVersion"}
    assert plan.step(WRITER).changed == ["properties.parameters.tags.value.cost-center",
                                         "tags.cost-center"]


def test_a_new_cluster_vm_size_replaces_the_cluster_deleting_it_first(dev: StackRun) -> None:
    plan = clean(day2_plan(dev, shared_run("dev", {"computeClusters": [
        {"name": "cpu", "vmSize": "Standard_D4s_v3", "vmPriority": "LowPriority"}]})))
    step = plan.step("cluster-cpu")
    assert (step.op, step.delete_first, step.replace_because) == (
        REPLACE, True, ["properties.properties.vmSize"])
    assert ops(plan) == [(REPLACE, "cluster-cpu")]  # its identity and grants stay


def test_a_new_instance_type_rolls_to_a_new_deployment_without_an_outage(dev: StackRun) -> None:
    rolled = shared_run("dev", endpoint({**BLUE, "traffic": 100,
                                         "instanceType": "Standard_DS3_v2"}))
    plan = clean(day2_plan(dev, rolled))
    assert ops(plan) == [(CREATE, f"{SCORE}-blue-ds3v2"), (UPDATE, WRITER),
                         (DELETE, f"{SCORE}-blue-ds2v2")]
    assert traffic(rolled) == {"blue-ds3v2": 100}


def test_a_system_assigned_identity_replaces_the_endpoint_and_its_deployments(
        dev: StackRun) -> None:
    switched = shared_run("dev", endpoint({**BLUE, "traffic": 100}, identity="systemAssigned"))
    plan = clean(day2_plan(dev, switched))
    steps = ops(plan)
    # what names the endpoint goes first: its logs' setting, its traffic and its deployments
    assert steps[:4] == [(DELETE_REPLACED, "diagnostics-endpoint-score"), (DELETED_WITH, WRITER),
                         (DELETED_WITH, f"{SCORE}-blue-ds2v2"), (REPLACE, SCORE)]
    assert plan.step(SCORE, REPLACE).delete_first  # the name stays: Azure has one endpoint
    assert {(REPLACE, WRITER), (REPLACE, f"{SCORE}-blue-ds2v2"), (DELETE, f"{SCORE}-identity"),
            (REPLACE, "diagnostics-endpoint-score")} <= set(steps)
    assert traffic(switched) == {"blue-ds2v2": 100}


SAMPLE_DATA_OFF = {"sampleData": False, "existingSecrets": ["sample-secret"]}


def test_turning_sample_data_off_deletes_no_secret_through_the_data_plane(dev: StackRun) -> None:
    # the secret stays in the vault, unmade now: the endpoint reads it as an existing secret
    plan = clean(day2_plan(dev, shared_run("dev", SAMPLE_DATA_OFF)))
    secret = plan.step("sample-secret")
    assert (secret.op, secret.resource.type) == (DELETE, "azure-native:resources:Deployment")
    assert [(f.verdict, f.rule) for f in secret.findings] == [(NOTE, "template-leaves")]
    assert "Microsoft.KeyVault/vaults/secrets kv-mlplat-dev-k3x9q/sample-secret" in \
        secret.findings[0].message


def test_removing_the_cluster_deletes_it_with_its_identity_and_grants(dev: StackRun) -> None:
    plan = clean(day2_plan(dev, shared_run("dev", {"computeClusters": [],
                                                   "batchEndpoints": []})))
    batch = {s.resource.name for s in plan.steps if s.resource.name.startswith(("batch-",
                                                                                "assets-"))}
    assert {s.resource.name for s in plan.steps} - batch == {
        "cluster-cpu", "cluster-cpu-identity", "cluster-cpu-registry-acrpull",
        "cluster-cpu-storage-storage-blob-data-contributor",
        "cluster-cpu-storage-storage-queue-data-contributor",
        "cluster-cpu-storage-storage-table-data-contributor",
        "ml-registry-cluster-cpu-azureml-registry-user"}  # its publisher role on the ML registry
    # the batch deployment goes with its endpoint
    assert {s.op for s in plan.steps} == {DELETE, DELETED_WITH}
    # the one thing not proven without Azure: the compute delete's query parameter
    assert [f.rule for _, f in plan.findings] == ["compute-delete"]


def test_a_new_auth_mode_is_written_by_the_writer_alone(dev: StackRun) -> None:
    plan = clean(day2_plan(dev, shared_run("dev", endpoint({**BLUE, "traffic": 100},
                                                          authMode="AMLToken"))))
    assert ops(plan) == [(UPDATE, WRITER)]
    assert plan.step(WRITER).changed == ["properties.parameters.authMode.value"]


@pytest.fixture(scope="module")
def dev_destroyed(dev: StackRun) -> Plan:
    return day2_plan(dev, None)


def test_destroying_dev_deletes_everything_and_calls_no_data_plane(dev: StackRun,
                                                                   dev_destroyed: Plan) -> None:
    plan = clean(dev_destroyed)
    assert {s.resource.urn for s in plan.steps} == {u for u, r in dev.resources.items() if r.custom}
    assert {s.op for s in plan.steps} == {DELETE, DELETED_WITH}
    skipped = {s.resource.name: s.deleted_with.name for s in plan.steps
               if s.op == DELETED_WITH and s.deleted_with}
    assert skipped["sample-secret"] == "workspace-key-vault"
    assert skipped["cluster-cpu"] == "workspace"  # no compute delete call of its own
    assert skipped[f"{SCORE}-blue-ds2v2"] == SCORE
    names = [s.resource.name for s in plan.steps]
    assert names.index(SCORE) < names.index("workspace") < names.index("resource-group")


def test_destroying_dev_and_creating_it_again_draws_names_azure_has_free(
        dev_destroyed: Plan) -> None:
    # the key vault keeps its name; the workspace, user-assigned identities only, is not
    # soft-deleted at all (concept-soft-delete)
    assert dev_destroyed.reserved == {("azure-native:keyvault:Vault", "kv-mlplat-dev-k3x9q")}
    again = shared_run("dev", suffix="r7m2q")  # a new stack draws a new suffix
    plan = clean(day2_plan(None, again, reserved=dev_destroyed.reserved))
    assert {s.op for s in plan.steps} == {CREATE}
    # the rule that would have fired on a name without the suffix (reserved for 14 days)
    same = day2_plan(None, shared_run("dev"), reserved=dev_destroyed.reserved)
    assert {(s.resource.name, f.rule, f.verdict) for s, f in same.findings} == {
        ("workspace-key-vault", "soft-deleted-name", REFUSED)}


def test_destroying_prod_is_refused_for_the_data_and_after_unprotect_keeps_it(
        prod: StackRun) -> None:
    refused = day2_plan(prod, None)
    kept = {r.name for r in prod.resources.values() if r.protect}
    assert {s.resource.name for s in refused.of(PROTECTED)} == kept
    assert {s.resource.name for s, f in refused.findings if f.verdict == REFUSED} == kept
    assert {"workspace", "workspace-storage", "workspace-key-vault", "registry", "workspace-logs",
            "data-storage", "data-container", "resource-group"} <= kept

    unprotected = clean(day2_plan(prod, None, unprotect=True))
    assert {s.resource.name for s in unprotected.of(RETAIN)} == kept
    assert not [s for s in unprotected.steps
                if s.op in (DELETE, DELETE_REPLACED) and s.resource.name in kept]
    assert unprotected.reserved == set()  # nothing soft-deleted: the data stays as it is


ALICE = {"name": "alice", "assignedUser": "11111111-aaaa-4bbb-8ccc-000000000001"}
STOP = {"action": "Stop", "cron": "0 19 * * 1-5", "timeZone": "W. Europe Standard Time"}


def test_a_new_compute_instance_size_replaces_the_instance_deleting_it_first() -> None:
    base = shared_run("dev", {"computeInstances": [ALICE]})
    plan = clean(day2_plan(base, shared_run("dev", {"computeInstances": [
        {**ALICE, "vmSize": "Standard_DS12_v2", "idleMinutesBeforeShutdown": 30}]})))
    step = plan.step("instance-alice")
    assert (step.op, step.delete_first, step.replace_because) == (
        REPLACE, True, ["properties.properties.vmSize"])
    # the new instance is made with the idle time of the state (an ignored change); the new
    # schedules resource starts from what the instance reports and calls the action
    assert ops(plan) == [(DELETE_REPLACED, "instance-alice-schedules"),
                         (REPLACE, "instance-alice"), (REPLACE, "instance-alice-schedules")]
    sent = plan.step("instance-alice").resource.inputs["properties"]["properties"]
    assert sent["idleTimeBeforeShutdown"] == "PT60M"


def _asked(step: Step) -> list[str]:
    """What ``step`` changes of the schedules resource (``taken``, what Azure reports of the
    instance, is read at its creation only)."""
    return [path for path in step.changed if not path.startswith("taken")]


def test_idle_time_and_schedules_change_by_their_actions_and_the_instance_stays() -> None:
    base = shared_run("dev", {"computeInstances": [ALICE]})
    idle = clean(day2_plan(base, shared_run("dev", {"computeInstances": [
        {**ALICE, "idleMinutesBeforeShutdown": 30}]})))
    assert ops(idle) == [(UPDATE, "instance-alice-schedules")]
    assert _asked(idle.step("instance-alice-schedules")) == ["idleTimeBeforeShutdown"]
    assert idle.findings == []

    scheduled = day2_plan(base, shared_run("dev", {"computeInstances": [
        {**ALICE, "schedules": [STOP]}]}))
    assert ops(clean(scheduled)) == [(UPDATE, "instance-alice-schedules")]
    assert "schedules" in _asked(scheduled.step("instance-alice-schedules"))
    # the updateSchedules action is published only in the 2021-07-01 API
    assert {(s.resource.name, f.verdict) for s, f in scheduled.findings} == {
        ("instance-alice-schedules", AT_RISK)}


# --- pulumi refresh, then up: what azure-native's Read puts into the state's inputs ---------------

def test_a_refresh_puts_the_traffic_azure_routes_into_the_endpoints_state(dev: StackRun) -> None:
    state = refreshed(dev)
    endpoint = state.one("machinelearningservices:OnlineEndpoint")
    assert endpoint.inputs["properties"]["traffic"] == {"blue-ds2v2": 100}
    assert endpoint.outputs["properties"]["traffic"] == {"blue-ds2v2": 100}
    assert refreshed(state).resources == state.resources  # a second refresh finds nothing new


def test_refresh_then_a_tag_change_keeps_the_traffic(dev: StackRun) -> None:
    plan = clean(day2_plan(refreshed(dev), shared_run("dev", {"tags": {"cost-center": "x"}})))
    # the endpoint ignores its traffic, so no PUT without it; the writer puts it again, tags too
    assert (UPDATE, SCORE) not in ops(plan)
    writer = plan.step(WRITER, UPDATE)
    assert writer.resource.inputs["properties"]["parameters"]["traffic"]["value"] == {
        "blue-ds2v2": 100}


def test_refresh_then_blue_green_shifts_through_the_writer_only(dev: StackRun) -> None:
    green = {**BLUE, "name": "green"}
    added = shared_run("dev", endpoint({**BLUE, "traffic": 100}, {**green, "traffic": 0}))
    shifted = shared_run("dev", endpoint({**BLUE, "traffic": 0}, {**green, "traffic": 100}))
    assert ops(clean(day2_plan(refreshed(dev), added))) == [(CREATE, f"{SCORE}-green-ds2v2")]
    assert ops(clean(day2_plan(refreshed(state_after(refreshed(dev), added)), shifted))) == [
        (UPDATE, WRITER)]


def test_refresh_then_an_identity_change_is_refused_until_the_traffic_is_zero(
        dev: StackRun) -> None:
    system = endpoint(BLUE | {"traffic": 100}, identity="systemAssigned",
                      secrets=["sample-secret"])
    refused = day2_plan(refreshed(dev), shared_run("dev", system))
    found = [(s.resource.name, f.verdict) for s, f in refused.findings if f.rule == "stale-traffic"]
    assert found == [(SCORE, REFUSED)]
    assert "set every deployment's traffic to 0" in \
        refused.step(SCORE, REPLACE).findings[-1].message
    # the way out: traffic to zero and up (the writer routes nothing), refresh, then the change
    zero = shared_run("dev", endpoint(BLUE | {"traffic": 0}))
    after_zero = state_after(refreshed(dev), zero)
    clean(day2_plan(refreshed(after_zero), shared_run("dev", endpoint(
        BLUE | {"traffic": 0}, identity="systemAssigned", secrets=["sample-secret"]))))


def state_after(base: StackRun, head: StackRun) -> StackRun:
    """The state ``pulumi up`` from ``base`` to ``head`` leaves: ``head``'s resources, with what the
    engine sent (ignored paths from the state) and, where it made no step, the state's outputs."""
    steps = {s.resource.urn: s for s in day2_plan(base, head).steps}
    resources = {}
    for urn, r in head.resources.items():
        was = base.resources.get(urn)
        step = steps.get(urn)
        sent = step.resource if step else r
        if was is not None and step is None:
            sent = dataclasses.replace(r, inputs=sent_inputs(r.inputs, was.inputs,
                                                             r.ignore_changes),
                                       outputs=was.outputs)
        resources[urn] = sent
    return dataclasses.replace(head, resources=resources)


# Batch endpoints: dev's score-batch has blue (the default) on the cpu cluster.
BATCH_WRITER = "batch-score-batch-default"


def default(run: StackRun) -> str:
    name: str = run.outputs["batchEndpoints"]["score-batch"]["defaultDeployment"]
    return name


def test_a_new_default_batch_deployment_is_written_by_the_writer_alone(dev: StackRun) -> None:
    added = shared_run("dev", batch_endpoint("blue", "green"))
    switched = shared_run("dev", batch_endpoint("blue", "green", defaultDeployment="green"))
    add, switch = clean(day2_plan(dev, added)), clean(day2_plan(added, switched))
    assert ops(add) == [(CREATE, "batch-score-batch-green")]  # blue stays the default
    assert ops(switch) == [(UPDATE, BATCH_WRITER)]
    assert switch.step(BATCH_WRITER).changed == [
        "properties.parameters.defaultDeployment.value"]
    assert [default(r) for r in (dev, added, switched)] == ["blue", "blue", "green"]


def test_retiring_the_default_batch_deployment_moves_the_default_before_the_delete() -> None:
    both = shared_run("dev", batch_endpoint("blue", "green"))
    plan = clean(day2_plan(both, shared_run("dev", BATCH_GREEN)))
    assert ops(plan) == [(UPDATE, BATCH_WRITER), (DELETE, "batch-score-batch-blue")]
    assert [f.rule for _, f in plan.findings] == []  # no batch-default-delete


def test_moving_a_batch_deployment_to_another_cluster_grants_that_cluster_first(
        dev: StackRun) -> None:
    moved = shared_run("dev", {
        "computeClusters": [{"name": "cpu", "vmPriority": "LowPriority"},
                            {"name": "batch", "vmPriority": "LowPriority"}],
        "batchEndpoints": [{"name": "score-batch", "deployments": [
            {"name": "blue", "cluster": "batch", **BATCH_SAMPLE}]}]})
    plan = clean(day2_plan(dev, moved))
    update = plan.step("batch-score-batch-blue")
    assert (update.op, update.changed) == (UPDATE, ["properties.compute"])
    assert [(f.rule, f.verdict) for f in update.findings] == [("immutable", AT_RISK)]
    names = [(s.op, s.resource.name) for s in plan.steps]
    queue = "cluster-batch-storage-storage-queue-data-contributor"
    assert names.index((CREATE, queue)) < names.index((UPDATE, "batch-score-batch-blue"))
    # the cpu cluster's batch roles go last, once nothing runs batch jobs there
    assert names.index((UPDATE, "batch-score-batch-blue")) < names.index(
        (DELETE, "cluster-cpu-storage-storage-queue-data-contributor"))


# Customer-managed keys: Azure takes the key when the workspace is created, and only a key (or a
# version) of the same vault afterwards.
def test_turning_the_customer_managed_key_on_for_an_existing_workspace_is_refused(
        dev: StackRun) -> None:
    plan = day2_plan(dev, shared_run("dev", {"customerManagedKey": True}))
    workspace = plan.step("workspace")
    refused = [f.message for f in workspace.findings if f.verdict == REFUSED]
    assert workspace.op == UPDATE and len(refused) == 1
    # the flag and the key, each with why: a new workspace is the way
    assert "hbiWorkspace" in refused[0] and "encryption.status" in refused[0]
    assert "original Azure Key Vault" in refused[0] and "only when you create" in refused[0]
    # the storage account takes a key on an existing account: an update nothing refuses
    storage = plan.step("workspace-storage")
    assert storage.op == UPDATE and "encryption.keySource" in storage.changed
    assert [f for f in storage.findings if f.verdict in FAILING] == []


def test_a_new_key_version_plans_as_an_update_at_risk(prod: StackRun) -> None:
    # a refresh reads the key's newest version (Keys_Get: "the current version"), which the
    # next up hands the workspace: only its keyIdentifier changes
    path = ("encryption", "keyVaultProperties", "keyIdentifier")
    workspace = prod.one("machinelearningservices:Workspace", "workspace")
    old_uri = workspace.inputs["encryption"]["keyVaultProperties"]["keyIdentifier"]
    new_uri = old_uri.rsplit("/", 1)[0] + "/0123456789abcdef0123456789abcdef"
    inputs = {**workspace.inputs, "encryption": {
        **workspace.inputs["encryption"], "keyVaultProperties": {
            **workspace.inputs["encryption"]["keyVaultProperties"], path[2]: new_uri}}}
    rotated = dataclasses.replace(prod, resources={
        **prod.resources, workspace.urn: dataclasses.replace(workspace, inputs=inputs)})
    plan = clean(day2_plan(prod, rotated))
    step = plan.step("workspace")
    assert (step.op, step.changed) == (UPDATE, [".".join(path)])
    assert [(f.rule, f.verdict) for f in step.findings] == [("immutable", AT_RISK)]
    assert "PATCH" in step.findings[0].message
