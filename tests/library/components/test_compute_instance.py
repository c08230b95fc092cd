"""A compute instance on its own: one user's, and its identity's roles."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from components import (
    ComputeInstance,
    ComputeInstanceArgs,
)
from components.arguments import ArgumentsError
from components.compute_instance import InstanceSchedule
from components.instance_schedules import INSTANCE_SCHEDULES, InstanceSchedulesProvider, change

from ...conftest import grants
from .kit import GROUP, STORAGE_ID, WORKSPACE_ID, existing, identity, run, waits_for


def test_an_instance_belongs_to_one_user_and_its_identity_can_shut_it_down() -> None:
    r = run(lambda: ComputeInstance("alice", ComputeInstanceArgs(
        workspace=existing(), compute_name="alice-x1", identity=identity(),
        assigned_user_object_id="11111111-aaaa-4bbb-8ccc-000000000001",
        assigned_user_tenant_id="t")))
    alice = "11111111-aaaa-4bbb-8ccc-000000000001"
    assert grants(r) == {
        ("id-team", "AcrPull", f"{GROUP}/Microsoft.ContainerRegistry/registries/crmlw-team"),
        ("id-team", "Storage Blob Data Contributor", STORAGE_ID),
        ("id-team", "Contributor", WORKSPACE_ID),  # idle shutdown acts as the identity
        # it mounts the file share as itself (keyless page, Limitations)
        ("id-team", "Storage File Data Privileged Contributor", STORAGE_ID),
        # the owner starts, stops and opens this instance only, and works on the storage as self
        (alice, "AzureML Compute Operator", "alice-x1"),
        (alice, "Storage Blob Data Contributor", STORAGE_ID),
        (alice, "Storage File Data Privileged Contributor", STORAGE_ID)}
    assert {a.inputs["principalType"] for a in r.of_type(
        "azure-native:authorization:RoleAssignment") if a.inputs["principalId"] == alice} == {
        "User"}
    props = r.one("machinelearningservices:Compute").inputs["properties"]["properties"]
    assert props["computeInstanceAuthorizationType"] == "personal"
    assert props["sshSettings"] == {"sshPublicAccess": "Disabled"}
    assert len(waits_for(r, "machinelearningservices:Compute")) == 4


# --- idle shutdown and schedules ---------------------------------------------------------------

STOP = {"action": "Stop", "cron": "0 19 * * 1-5", "time_zone": "W. Europe Standard Time"}
ARM_STOP: dict[str, Any] = {
    "action": "Stop", "triggerType": "Cron", "status": "Enabled",
    "cron": {"expression": "0 19 * * 1-5", "timeZone": "W. Europe Standard Time"}}
COMPUTE_ID = f"{WORKSPACE_ID}/computes/alice-x1"


def test_the_instance_takes_its_schedules_at_creation_and_changes_them_by_azures_actions(
        ) -> None:
    r = run(lambda: ComputeInstance("alice", ComputeInstanceArgs(
        workspace=existing(), compute_name="alice-x1", identity=identity(),
        assigned_user_object_id="11111111-aaaa-4bbb-8ccc-000000000001",
        assigned_user_tenant_id="t", idle_minutes_before_shutdown=30,
        schedules=[STOP, {**STOP, "action": "Start", "cron": "0 8 * * 1-5", "enabled": False}])))
    compute = r.one("machinelearningservices:Compute")
    props = compute.inputs["properties"]["properties"]
    start = {**ARM_STOP, "action": "Start", "status": "Disabled",
             "cron": {**ARM_STOP["cron"], "expression": "0 8 * * 1-5"}}
    assert props["schedules"] == {"computeStartStop": [ARM_STOP, start]}
    assert props["idleTimeBeforeShutdown"] == "PT30M"
    # a later PUT would not change them: the compute ignores them, its schedules resource calls
    assert compute.ignore_changes == ["properties.properties.idleTimeBeforeShutdown",
                                      "properties.properties.schedules"]
    schedules = r.one(INSTANCE_SCHEDULES)
    assert schedules.inputs == {
        "computeId": compute.id, "idleTimeBeforeShutdown": "PT30M",
        "schedules": [ARM_STOP, start],
        # what Azure reports of the new instance: the same, so creating it calls nothing
        "taken": {"idleTimeBeforeShutdown": "PT30M", "schedules": [ARM_STOP, start]}}
    assert schedules.id == f"{compute.id}/schedules"


class _Token:
    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        return AccessToken("t", 0)


def _calls(olds: dict[str, Any], news: dict[str, Any], status: int = 200
           ) -> list[tuple[str, str, Any]]:
    sent: list[tuple[str, str, Any]] = []

    def send(request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
        assert isinstance(request.data, bytes)
        sent.append((request.get_method(), request.full_url, json.loads(request.data)))
        return status, {}, b'{"error": {"code": "BadRequest"}}'
    change(COMPUTE_ID, olds, news, _Token(), send)
    return sent


def test_only_the_values_azure_does_not_have_are_sent_each_by_its_action() -> None:
    was = {"idleTimeBeforeShutdown": "PT60M", "schedules": []}
    assert _calls(was, was) == []  # a new instance took them at its creation
    url = f"https://management.azure.com{COMPUTE_ID}"
    assert _calls(was, {"idleTimeBeforeShutdown": "PT30M", "schedules": [ARM_STOP]}) == [
        ("POST", f"{url}/updateIdleShutdownSetting?api-version=2025-12-01",
         {"idleTimeBeforeShutdown": "PT30M"}),
        ("POST", f"{url}/updateSchedules?api-version=2021-07-01",
         {"computeStartStop": [ARM_STOP]})]
    with pytest.raises(RuntimeError, match=r"updateSchedules of .* was refused \(400\)"):
        _calls(was, {**was, "schedules": [ARM_STOP]}, status=400)


def test_the_schedules_resource_is_replaced_only_with_another_instance() -> None:
    provider = InstanceSchedulesProvider()
    was = {"computeId": COMPUTE_ID, "idleTimeBeforeShutdown": "PT60M", "schedules": [],
           "taken": {"idleTimeBeforeShutdown": "PT60M", "schedules": []}}
    assert not provider.diff("id", was, {**was, "taken": {}}).changes  # read at creation only
    assert provider.diff("id", was, {**was, "idleTimeBeforeShutdown": "PT30M"}).replaces == []
    assert provider.diff("id", was, {**was, "computeId": f"{COMPUTE_ID}2"}).replaces == [
        "computeId"]


@pytest.mark.parametrize("cron", ["0 19 * * 1-5", "*/15 8-18 * * *", "0,30 7 1 1-12/2 0,6"])
def test_cron_expressions_of_five_fields_are_taken(cron: str) -> None:
    assert InstanceSchedule(action="Stop", cron=cron).cron == cron


@pytest.mark.parametrize("cron", ["0 19 * * * *", "60 1 * * *", "0 8 * * 7", "*/0 * * * *",
                                  "0 18-8 * * *", "@daily"])
def test_cron_expressions_azure_does_not_take_are_refused(cron: str) -> None:
    with pytest.raises(ArgumentsError, match="five fields"):
        InstanceSchedule(action="Stop", cron=cron)
