"""Diagnostic settings on their own: each resource's logs, every category its type has, to Log
Analytics."""

from __future__ import annotations

import pytest

from components import catalog
from components.arguments import ArgumentsError
from components.compute import COMPUTE
from components.diagnostics import SETTING_NAME, Diagnostics, DiagnosticsArgs, LogTarget
from components.endpoint import ONLINE_ENDPOINT
from components.workspace import KEY_VAULT

from .kit import GROUP, WORKSPACE_ID, run

LOGS = f"{GROUP}/Microsoft.OperationalInsights/workspaces/log-team"
VAULT = f"{GROUP}/Microsoft.KeyVault/vaults/kv-team"
ENDPOINT = f"{WORKSPACE_ID}/onlineEndpoints/score"


def test_each_resource_sends_every_category_of_its_type_and_no_retention() -> None:
    r = run(lambda: Diagnostics("logs", DiagnosticsArgs(log_analytics_id=LOGS, targets=[
        LogTarget("key-vault", KEY_VAULT, VAULT), LogTarget("score", ONLINE_ENDPOINT, ENDPOINT)])))
    settings = {s.name: s for s in r.of_type("azure-native:monitor:DiagnosticSetting")}
    vault, score = settings["logs-key-vault"], settings["logs-score"]
    assert vault.inputs == {
        "name": SETTING_NAME, "resourceUri": VAULT, "workspaceId": LOGS,
        "logs": [{"category": "AuditEvent", "enabled": True},
                 {"category": "AzurePolicyEvaluationDetails", "enabled": True}]}
    # an endpoint's console, traffic and event logs (how-to-monitor-online-endpoints)
    assert [log["category"] for log in score.inputs["logs"]] == [
        "AmlOnlineEndpointConsoleLog", "AmlOnlineEndpointEventLog", "AmlOnlineEndpointTrafficLog"]
    assert score.id == f"{ENDPOINT}/providers/Microsoft.Insights/diagnosticSettings/{SETTING_NAME}"


def test_a_resource_without_resource_logs_is_refused_in_words() -> None:
    with pytest.raises(ArgumentsError) as refused:
        DiagnosticsArgs(log_analytics_id=LOGS, targets=[
            LogTarget("cluster", COMPUTE, f"{WORKSPACE_ID}/computes/cpu")])
    logged = sorted(t.label for t in catalog.TYPES.values() if t.logs is not None)
    assert str(refused.value).splitlines()[1] == (
        f"  - targets[0].type = '{COMPUTE}' is not allowed: a resource type Azure Monitor lists "
        f"resource logs for: {', '.join(logged)}")
    assert {"ml workspace", "key vault", "blob service", "online endpoint"} <= set(logged)
