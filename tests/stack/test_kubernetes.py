"""Kubernetes online endpoints (Pulumi.aks.yaml): an AKS cluster with the Azure ML extension,
attached as Kubernetes compute, serving the sample scoring app unchanged; every grant with its
source, before what needs it; what Kubernetes endpoints do not support refused in words."""

from __future__ import annotations

import pytest

from components.azure import sources
from components.kubernetes import AZURE_INSTANCE_TYPE, EXTENSION_TYPE, INSTANCE_TYPE
from components.propagation import ROLE_PROPAGATION_HOOK
from offline.plan import (
    CREATE,
    DELETE,
    DELETED_WITH,
    FAILING,
    REFUSED,
    REPLACE,
    UPDATE,
    day2_plan,
)
from offline.policy_check import check
from offline.report import plan, text

from ..conftest import PACK, ROLE_ASSIGNMENT, SAMPLE, assert_refused, grants, one, shared_run

SUBSCRIPTION = "/subscriptions/00000000-0000-4000-8000-000000000001"
EXISTING = (f"{SUBSCRIPTION}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/"
            "managedClusters/aks-shared")
COMPUTE = "azure-native:machinelearningservices:Compute"
KUBE = {"allowInsecureConnections": True}


def test_the_cluster_runs_as_an_identity_with_oidc_and_workload_identity(aks):
    cluster = one(aks, "containerservice:ManagedCluster")
    assert cluster.azure_name == "aks-mlplat-aks"
    assert cluster.inputs["identity"]["type"] == "SystemAssigned"
    assert cluster.inputs["oidcIssuerProfile"]["enabled"] is True
    assert cluster.inputs["securityProfile"]["workloadIdentity"]["enabled"] is True
    assert cluster.inputs["disableLocalAccounts"] is False  # the extension needs them
    pool = cluster.inputs["agentPoolProfiles"][0]
    assert (pool["vmSize"], pool["count"], pool["mode"]) == ("Standard_D4s_v5", 3, "System")
    assert aks.outputs["kubernetes"]["oidcIssuerUrl"] == cluster.outputs["oidcIssuerProfile"][
        "issuerURL"]


def test_the_extension_serves_inference_from_the_azureml_namespace(aks):
    extension = one(aks, "kubernetesconfiguration:Extension")
    cluster = one(aks, "containerservice:ManagedCluster")
    assert extension.inputs["extensionType"] == EXTENSION_TYPE
    assert extension.inputs["clusterName"] == cluster.azure_name
    assert extension.inputs["scope"] == {"cluster": {"releaseNamespace": "azureml"}}
    assert extension.inputs["configurationSettings"] == {
        "enableInference": "True", "inferenceRouterServiceType": "loadBalancer",
        "internalLoadBalancerProvider": "azure", "allowInsecureConnections": "True",
        "inferenceRouterHA": "True"}
    assert cluster.urn in extension.dependencies


def test_tls_comes_from_a_kubernetes_secret_and_never_through_pulumi():
    run = shared_run("aks", {"kubernetes": {"tls": {"cname": "score.contoso.com",
                                                    "secret": "inference-tls"}}})
    settings = one(run, "kubernetesconfiguration:Extension").inputs["configurationSettings"]
    assert settings["allowInsecureConnections"] == "False"
    assert (settings["sslCname"], settings["sslSecret"]) == ("score.contoso.com", "inference-tls")
    assert "configurationProtectedSettings" not in one(
        run, "kubernetesconfiguration:Extension").inputs


def test_instance_types_are_custom_resources_made_before_the_attach(aks):
    made = aks.of_type(INSTANCE_TYPE)
    assert [(t.inputs["metadata"]["name"], t.inputs["spec"]) for t in made] == [
        ("cpu-small", {"resources": {"requests": {"cpu": "1", "memory": "2Gi"},
                                     "limits": {"cpu": "1", "memory": "2Gi"}}})]
    extension = one(aks, "kubernetesconfiguration:Extension")
    compute = one(aks, "machinelearningservices:Compute")
    assert all(extension.urn in t.dependencies and t.urn in compute.dependencies for t in made)
    assert aks.outputs["kubernetes"]["instanceTypes"] == ["cpu-small", AZURE_INSTANCE_TYPE]


def test_the_attached_compute_runs_as_its_identity_after_every_grant_it_needs(aks):
    compute = one(aks, "machinelearningservices:Compute")
    cluster = one(aks, "containerservice:ManagedCluster")
    extension = one(aks, "kubernetesconfiguration:Extension")
    identity = one(aks, "UserAssignedIdentity", "kubernetes-aks-identity")
    props = compute.inputs["properties"]
    assert (props["computeType"], props["resourceId"]) == ("Kubernetes", cluster.id)
    assert props["properties"]["namespace"] == "azureml"
    assert props["properties"]["defaultInstanceType"] == "cpu-small"
    assert props["properties"]["extensionPrincipalId"] == extension.outputs[
        "aksAssignedIdentity"]["principalId"]
    assert compute.inputs["identity"] == {"type": "UserAssigned",
                                          "userAssignedIdentities": [identity.id]}
    mine = {a.urn for a in aks.of_type(ROLE_ASSIGNMENT) if a.parent.endswith("kubernetes-aks")}
    assert len(mine) == 5 and mine | {extension.urn} <= set(compute.dependencies)
    assert compute.error_hooks == [ROLE_PROPAGATION_HOOK]
    # updates of a Kubernetes compute fail in Azure: a change replaces it, deleting first
    assert (compute.replace_on_changes, compute.delete_before_replace) == (
        ["properties", "identity"], True)
    assert compute.deleted_with == one(aks, "machinelearningservices:Workspace").urn


def test_every_grant_holds_exactly_what_microsoft_names_with_its_source(aks):
    held = grants(aks)
    for role in ("Reader", "Kubernetes Extension Contributor",
                 "Azure Kubernetes Service Cluster Admin Role"):
        assert ("id-mlplat-aks-workspace", role, "aks-mlplat-aks") in held
    registry = one(aks, "containerregistry:Registry").azure_name
    storage = one(aks, "storage:StorageAccount", "workspace-storage").azure_name
    assert {("id-mlplat-aks-kubernetes-aks", "AcrPull", registry),
            ("id-mlplat-aks-kubernetes-aks", "Storage Blob Data Reader", storage)} <= held
    on_cluster = {g["role"]: g["source"] for g in aks.outputs["grants"]
                  if g["principal"] == "id-mlplat-aks-workspace"
                  and g["role"] in ("Reader", "Kubernetes Extension Contributor")}
    assert set(on_cluster.values()) == {sources.KUBERNETES_ATTACH}


def test_the_endpoint_runs_on_the_compute_and_its_container_as_the_endpoint_identity(aks):
    endpoint = one(aks, "machinelearningservices:OnlineEndpoint")
    compute = one(aks, "machinelearningservices:Compute")
    props = endpoint.inputs["properties"]
    assert (props["authMode"], props["compute"]) == ("AMLToken", compute.id)
    deployment = one(aks, "machinelearningservices:OnlineDeployment")
    assert deployment.inputs["properties"]["endpointComputeType"] == "Kubernetes"
    assert deployment.inputs["properties"]["instanceType"] == "cpu-small"
    identity = one(aks, "UserAssignedIdentity", "endpoint-score-identity")
    variables = deployment.inputs["properties"]["environmentVariables"]
    assert variables["AZURE_CLIENT_ID"] == identity.outputs["clientId"]
    held = grants(aks)
    assert ("id-mlplat-aks-endpoint-score", "Key Vault Secrets User",
            f"{one(aks, 'keyvault:Vault').azure_name}/secrets/sample-secret") in held
    writer = one(aks, "resources:Deployment", "endpoint-score-traffic").inputs["properties"]
    assert writer["parameters"]["compute"]["value"] == compute.id


def test_the_sample_scoring_code_runs_unchanged_on_both_kinds_of_endpoint(aks, dev):
    def served(run):
        d = one(run, "machinelearningservices:OnlineDeployment").inputs["properties"]
        code = run.owner_of(d["codeConfiguration"]["codeId"])
        return (code.inputs["properties"]["codeUri"].rsplit("/", 2)[-2],
                d["codeConfiguration"]["scoringScript"],
                sorted(d["environmentVariables"]))

    assert served(aks) == served(dev)  # the same code version, script and variables


def test_an_existing_cluster_is_attached_as_it_is():
    run = shared_run("aks", {"kubernetes": {**KUBE, "existingClusterId": EXISTING}})
    assert run.of_type("azure-native:containerservice:ManagedCluster") == []
    extension = one(run, "kubernetesconfiguration:Extension")
    assert (extension.inputs["clusterName"], extension.inputs["resourceGroupName"]) == (
        "aks-shared", "rg-aks")
    assert one(run, "machinelearningservices:Compute").inputs["properties"][
        "resourceId"] == EXISTING
    assert ("id-mlplat-aks-workspace", "Reader", EXISTING) in grants(run)


def test_day_2_a_new_instance_type_rolls_the_deployment_and_leaves_the_compute(aks):
    larger = [{"name": "cpu-small"}, {"name": "cpu-large", "cpu": "2", "memory": "4Gi"}]
    added = shared_run("aks", {"kubernetes": {**KUBE, "instanceTypes": larger}})
    plan = day2_plan(aks, added)
    assert [(s.op, s.resource.name) for s in plan.steps] == [
        (CREATE, "kubernetes-aks-instance-type-cpu-large")]
    blue = {"name": "blue", **SAMPLE, "instanceType": "cpu-large", "traffic": 100,
            "environmentVariables": {"SECRET_NAME": "sample-secret",
                                     "BLOB_PATH": "ml-assets/samples/score/labels.json"}}
    moved = shared_run("aks", {"kubernetes": {**KUBE, "instanceTypes": larger},
                               "onlineEndpoints": [{"name": "score", "compute": "aks",
                                                    "authMode": "AMLToken",
                                                    "secrets": ["sample-secret"],
                                                    "deployments": [blue]}]})
    steps = [(s.op, s.resource.name) for s in day2_plan(added, moved).steps
             if s.resource.type != ROLE_ASSIGNMENT]
    assert steps == [(CREATE, "endpoint-score-blue-cpularge"), (UPDATE, "endpoint-score-traffic"),
                     (DELETE, "endpoint-score-blue-cpusmall")]


@pytest.mark.parametrize("change,op,verdicts", [
    ({"nodeCount": 4}, UPDATE, set()),  # AKS scales the pool in place
    ({"nodeVmSize": "Standard_D8s_v5"}, UPDATE, {REFUSED}),  # a pool's size is fixed
])
def test_day_2_the_node_pool_scales_in_place_and_keeps_its_size(aks, change, op, verdicts):
    other = shared_run("aks", {"kubernetes": {**KUBE, "instanceTypes": [{"name": "cpu-small"}],
                                              **change}})
    step = day2_plan(aks, other).step("kubernetes-aks-aks")
    assert (step.op, {f.verdict for f in step.findings}) == (op, verdicts)


def test_day_2_tls_is_an_update_of_the_extension(aks):
    tls = shared_run("aks", {"kubernetes": {"tls": {"cname": "score.contoso.com",
                                                    "secret": "inference-tls"}}})
    plan = day2_plan(aks, tls)
    assert [(s.op, s.resource.name) for s in plan.steps if s.resource.type != ROLE_ASSIGNMENT
            ] == [(UPDATE, "kubernetes-aks-extension")]
    assert plan.findings == []


def test_day_2_another_default_instance_type_replaces_the_attach_and_says_what_it_costs(aks):
    other = shared_run("aks", {"kubernetes": {**KUBE, "instanceTypes": [
        {"name": "cpu-medium", "cpu": "2", "memory": "4Gi"}, {"name": "cpu-small"}]}})
    plan = day2_plan(aks, other)
    assert plan.step("kubernetes-aks").op == REPLACE
    # the endpoint on it goes with it, and deleting a deployment with traffic is refused first
    assert REFUSED in {f.verdict for _, f in plan.findings}


KUBERNETES_BAD = [
    ({"onlineEndpoints": [{"name": "score", "compute": "aks", "authMode": "AADToken"}]},
     ["ml-platform:onlineEndpoints[0].authMode = 'AADToken' is not allowed on a Kubernetes "
      "endpoint", "AMLToken or Key"]),
    ({"onlineEndpoints": [{"name": "score", "compute": "gpu", "authMode": "Key"}]},
     ["ml-platform:onlineEndpoints[0].compute = 'gpu' is not allowed", "(aks)"]),
    ({"onlineEndpoints": [{"name": "score", "compute": "aks", "authMode": "Key",
                           "deployments": [{**SAMPLE, "name": "blue",
                                            "instanceType": "Standard_DS2_v2"}]}]},
     ["onlineEndpoints[0].deployments[0].instanceType = 'Standard_DS2_v2' is not allowed",
      "cpu-small, defaultinstancetype"]),
    ({"onlineEndpoints": [{"name": "score", "compute": "aks", "authMode": "Key",
                           "deployments": [{**SAMPLE, "name": "blue", "instanceType": "cpu-small",
                                            "environment": "azureml://registries/azureml/"
                                                           "environments/sklearn/versions/1"}]}]},
     ["deployments[0].environment = 'azureml://registries/", "registry environments are not "
      "supported"]),
    ({"onlineEndpoints": [{"name": "score", "compute": "aks", "authMode": "Key",
                           "publicNetworkAccess": "Enabled"}]},
     ["onlineEndpoints[0].publicNetworkAccess = 'Enabled' is not allowed on a Kubernetes"]),
    ({"kubernetes": {"name": "aks"}}, ["ml-platform:kubernetes.tls is missing", "{cname, secret}",
                                       "allowInsecureConnections: true"]),
    ({"kubernetes": {**KUBE, "instanceTypes": [{"name": "defaultinstancetype"}]}},
     ["kubernetes.instanceTypes[0].name = 'defaultinstancetype' is not allowed", "Azure creates"]),
    ({"kubernetes": {**KUBE, "instanceTypes": [{"name": "a1"}, {"name": "a1"}]}},
     ["ml-platform:kubernetes.instanceTypes", "'a1'"]),
    ({"kubernetes": {**KUBE, "instanceTypes": [{"name": "a1", "memory": "2GB"}]}},
     ["ml-platform:kubernetes.instanceTypes[0].memory = '2GB'"]),
    ({"protectStatefulResources": True},
     ["ml-platform:kubernetes.allowInsecureConnections = true is not allowed where "
      "ml-platform:protectStatefulResources is true"]),
    ({"network": {"uploadsFromNetwork": True}, "registrySku": "Premium",
      "computeClusters": [{"name": "cpu"}]},
     ["ml-platform:kubernetes is not allowed with ml-platform:network", "does not support "
      "Kubernetes compute"]),
    ({"kubernetes": {**KUBE, "existingClusterId": "aks-shared"}},
     ["ml-platform:kubernetes.existingClusterId = 'aks-shared'"]),
]


@pytest.mark.parametrize("override,words", KUBERNETES_BAD,
                         ids=[str(i) for i in range(len(KUBERNETES_BAD))])
def test_what_kubernetes_endpoints_do_not_support_is_refused_in_words(override, words):
    assert_refused(override, words, stack="aks")


def test_a_managed_endpoint_still_takes_only_vm_sizes():
    assert_refused({"onlineEndpoints": [{"name": "score", "deployments": [
        {**SAMPLE, "name": "blue", "instanceType": "cpu-small"}]}]},
        ["onlineEndpoints[0].deployments[0].instanceType = 'cpu-small' is not allowed",
         "a VM size (Standard_...) on a managed endpoint"])


def test_destroying_it_deletes_the_cluster_with_what_runs_in_it_and_calls_no_kubernetes_api(aks):
    plan = day2_plan(aks, None)
    assert [(s.resource.name, f.verdict) for s, f in plan.findings
            if f.verdict in FAILING] == []
    cluster = one(aks, "containerservice:ManagedCluster")
    in_it = [r for r in aks.resources.values()
             if r.type in (INSTANCE_TYPE, "azure-native:kubernetesconfiguration:Extension")]
    assert in_it and all(r.deleted_with == cluster.urn for r in in_it)
    assert {plan.step(r.name).op for r in in_it} == {DELETED_WITH}


def test_the_preview_shows_every_piece_and_each_grant_with_its_document(aks):
    shown = text(plan(aks, PACK))
    for piece in ("containerservice:ManagedCluster  kubernetes-aks-aks -> aks-mlplat-aks",
                  "kubernetesconfiguration:Extension  kubernetes-aks-extension -> azureml",
                  "InstanceType  kubernetes-aks-instance-type-cpu-small",
                  "machinelearningservices:Compute  kubernetes-aks -> aks",
                  "machinelearningservices:OnlineDeployment  endpoint-score-blue-cpusmall"):
        assert piece in shown, piece
    access = shown.split("\nACCESS")[1].split("\nNETWORK")[0]
    assert access.count("[how-to-attach-kubernetes-to-workspace]") == 5
    assert "[" in access and all(
        "[" in line for line in access.splitlines()[1:] if line.startswith("        "))


def test_day_2_moving_an_endpoint_off_the_cluster_replaces_it(aks):
    managed = shared_run("aks", {"onlineEndpoints": [{"name": "score", "authMode": "AMLToken"}]})
    step = day2_plan(aks, managed).step("endpoint-score")
    assert step.op == REPLACE and "properties.compute" in step.changed


def test_a_production_stack_on_kubernetes_fails_the_network_policies_as_the_readme_says():
    production = shared_run("aks", {"protectStatefulResources": True, "kubernetes": {
        "tls": {"cname": "score.contoso.com", "secret": "inference-tls"}}})
    assert {v.policy for v in check(production, PACK)} == {
        "network-workspace-private", "network-dependents-private", "network-endpoint-private"}
