"""The component package other Pulumi languages use: its schema, construct with ids, the host."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml

from components import package
from components.testing import StackRun, run_program
from components.testing.mocks import SUBSCRIPTION_ID
from offline.schema import schema

from ..conftest import PROJECT_DIR, grants

GOLDEN = PROJECT_DIR / "tests" / "golden" / "schema.json"
WORKSPACE_ID = (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ml-shared/providers/"
                "Microsoft.MachineLearningServices/workspaces/mlw-shared")
WORKSPACE_PRINCIPAL = "00000000-aaaa-4bbb-8ccc-00000000000a"
CLUSTER_ID = (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ml-shared/providers/"
              "Microsoft.ContainerService/managedClusters/aks-shared")


def test_the_schema_is_the_recorded_contract():
    # regenerate after a deliberate change: python -m offline.schema > tests/golden/schema.json
    assert schema() == json.loads(GOLDEN.read_text())


def test_every_component_takes_references_as_ids_and_nothing_python():
    resources = schema()["resources"]
    assert set(resources) == {f"mlplatform:index:{c.__name__}" for c in package.COMPONENTS}
    for token, resource in resources.items():
        assert resource["isComponent"], token
        for name, spec in resource["inputProperties"].items():
            assert "$ref" not in spec or spec.get("items", {}).get("$ref", "").startswith(
                "#/types/mlplatform:"), (token, name)
    endpoint = resources["mlplatform:index:OnlineEndpoint"]
    assert endpoint["requiredInputs"] == ["endpointName", "workspaceId"]
    assert endpoint["properties"]["scoringUri"]["type"] == "string"


@pytest.fixture(scope="module")
def constructed() -> StackRun:
    """What the engine's construct does: each component built from a mapping of Python names."""
    def program():
        scorer = package.Identity("scorer", {"resource_group_name": "rg-ml-shared",
                                             "location": "westeurope",
                                             "identity_name": "id-scoring-team"})
        package.OnlineEndpoint("fraud", {"workspace_id": WORKSPACE_ID,
                                         "endpoint_name": "fraud-scoring-7q2",
                                         "identity_id": scorer.id, "secrets": ["fraud-api-key"]})
        package.ComputeCluster("train", {"workspace_id": WORKSPACE_ID, "compute_name": "train",
                                         "identity_id": scorer.id, "max_nodes": 4})
        aks = package.KubernetesCompute("serve", {
            "workspace_id": WORKSPACE_ID, "workspace_principal_id": WORKSPACE_PRINCIPAL,
            "compute_name": "serve", "identity_id": scorer.id, "existing_cluster_id": CLUSTER_ID,
            "instance_types": [{"name": "cpu-small"}], "tls_cname": "score.contoso.com",
            "tls_secret": "inference-tls"})
        package.OnlineEndpoint("fraud-k8s", {"workspace_id": WORKSPACE_ID,
                                             "endpoint_name": "fraud-k8s-7q2", "auth_mode": "Key",
                                             "identity_id": scorer.id, "compute_id": aks.id})
    return run_program(program, "consumer", "dev", {})


def test_a_kubernetes_compute_and_an_endpoint_on_it_by_ids(constructed):
    assert {("00000000-aaaa-4bbb-8ccc-00000000000a", role, CLUSTER_ID) for role in (
        "Reader", "Kubernetes Extension Contributor",
        "Azure Kubernetes Service Cluster Admin Role")} <= grants(constructed)
    compute = next(c for c in constructed.of_type("azure-native:machinelearningservices:Compute")
                   if c.inputs["properties"]["computeType"] == "Kubernetes")
    assert compute.inputs["properties"]["resourceId"] == CLUSTER_ID
    k8s = next(e for e in constructed.of_type(
        "azure-native:machinelearningservices:OnlineEndpoint") if e.name == "fraud-k8s")
    assert k8s.inputs["properties"]["compute"] == compute.id


def test_an_identity_passed_by_id_holds_the_roles_its_workloads_need(constructed):
    assert grants(constructed) >= {
        ("id-scoring-team", "AcrPull", f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/"
         "rg-ml-shared/providers/Microsoft.ContainerRegistry/registries/crmlw-shared"),
        ("id-scoring-team", "AzureML Metrics Writer (preview)", WORKSPACE_ID),
        ("id-scoring-team", "Key Vault Secrets User", f"/subscriptions/{SUBSCRIPTION_ID}/"
         "resourceGroups/rg-ml-shared/providers/Microsoft.KeyVault/vaults/kv-mlw-shared/secrets/"
         "fraud-api-key")}
    identity = constructed.one("UserAssignedIdentity")
    endpoint = constructed.one("machinelearningservices:OnlineEndpoint", "fraud")
    assert endpoint.inputs["identity"]["userAssignedIdentities"] == [identity.id]
    cluster = constructed.one("machinelearningservices:Compute", "train")
    assert cluster.inputs["properties"]["properties"]["scaleSettings"]["maxNodeCount"] == 4


def test_the_provider_host_starts_and_serves_on_a_port():
    host = subprocess.Popen([sys.executable, str(PROJECT_DIR / "provider"), "127.0.0.1:1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = host.stdout.readline().strip()
    finally:
        host.terminate()
        host.wait(timeout=10)
    assert port.isdigit(), host.stderr.read()


def readme_yaml_example() -> dict:
    readme = (PROJECT_DIR / "README.md").read_text()
    block = re.search(r"<!-- yaml-example -->\n```yaml\n(.*?)```", readme, re.S)
    assert block, "README has no YAML example"
    return yaml.safe_load(block.group(1))


def test_the_readme_yaml_program_uses_the_package_as_its_schema_says():
    resources = schema()["resources"]
    program = readme_yaml_example()
    used = [r for r in program["resources"].values() if r["type"].startswith("mlplatform:")]
    assert {r["type"] for r in used} == set(resources)
    for r in used:
        spec = resources[r["type"]]
        assert set(r["properties"]) <= set(spec["inputProperties"]), r["type"]
        assert set(spec.get("requiredInputs", [])) <= set(r["properties"]), r["type"]
    outputs = re.findall(r"\$\{(\w+)\.(\w+)\}", json.dumps(program))
    for resource, prop in outputs:
        token = program["resources"][resource]["type"]
        if token in resources:
            assert prop in resources[token]["properties"], (resource, prop)
