"""Kubernetes online endpoints (Pulumi.aks.yaml): an AKS cluster with the Azure ML extension,
attached as Kubernetes compute, serving the sample scoring app unchanged; every grant with its
source, before what needs it; what Kubernetes endpoints do not support refused in words."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from components import catalog, package
from components.azure import sources
from components.azure.vm_sizes import nvidia_gpu_size_problem
from components.catalog import LIES, REFUSED
from components.kubernetes import (
    ATTACHED_WITH,
    AZURE_FILLS,
    AZURE_INSTANCE_TYPE,
    EXTENSION_TYPE,
    INSTANCE_TYPE,
    KUBERNETES_PROVIDER,
)
from components.propagation import ROLE_PROPAGATION_HOOK
from components.testing import StackRun, run_program, runner
from components.testing.mocks import SUBSCRIPTION_ID
from offline.day2.azure import refreshed
from offline.day2.check import day2_plan
from offline.day2.inputs import matches, value_at
from offline.day2.model import CREATE, DELETE, DELETED_WITH, FAILING, IGNORED, REPLACE, UPDATE
from offline.policy_check import check
from offline.report import plan, text

from ..conftest import (
    PACK,
    PROJECT_DIR,
    ROLE_ASSIGNMENT,
    SAMPLE,
    assert_refused,
    grants,
    one,
    owner,
    shared_run,
)

SUBSCRIPTION = f"/subscriptions/{SUBSCRIPTION_ID}"
EXISTING = (f"{SUBSCRIPTION}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/"
            "managedClusters/aks-shared")
COMPUTE = "azure-native:machinelearningservices:Compute"
EXTENSION = "kubernetesconfiguration:Extension"
KUBE = {"allowInsecureConnections": True}
CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZm9y\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEG\n-----END PRIVATE KEY-----\n"
TLS = {"cname": "score.contoso.com", "certificate": CERT, "key": KEY}


def b64(pem: str) -> str:
    return base64.b64encode(pem.encode()).decode()


def secret_run(overrides: dict[str, Any],
               run: Callable[[str, dict[str, Any]], StackRun] = shared_run) -> StackRun:
    """The aks stack with ``overrides``, its ``kubernetes`` as ``pulumi config set --secret
    --path`` leaves it: the whole key is a secret (pulumi/pulumi config.Map.SecureKeys), which the
    program reads decrypted."""
    pulumi.runtime.set_all_config({}, ["ml-platform:kubernetes"])
    try:
        return run("aks", overrides)
    finally:
        pulumi.runtime.set_all_config({}, [])


def test_the_cluster_runs_as_an_identity_with_oidc_and_workload_identity(aks: StackRun) -> None:
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


def test_the_extension_has_the_settings_az_k8s_extension_create_gives_aks(aks: StackRun) -> None:
    extension = one(aks, EXTENSION)
    cluster = one(aks, "containerservice:ManagedCluster")
    assert extension.inputs["extensionType"] == EXTENSION_TYPE
    assert extension.inputs["clusterName"] == cluster.azure_name
    assert extension.inputs["scope"] == {"cluster": {"releaseNamespace": "azureml"}}
    # AzureMLKubernetes.Create for managedClusters: the cluster's id and name, its region, no
    # service bus or relay, nginx ingress; the internal load balancer as the CLI derives it
    assert extension.inputs["configurationSettings"] == {
        "enableInference": "True", "enableTraining": "False",
        "inferenceRouterServiceType": "loadBalancer", "allowInsecureConnections": "True",
        "cluster_name": cluster.id, "clusterId": cluster.id,
        "prometheus.prometheusSpec.externalLabels.cluster_name": cluster.id,
        "domain": "westeurope.cloudapp.azure.com", "location": "westeurope",
        "jobSchedulerLocation": "westeurope", "cluster_name_friendly": "aks-mlplat-aks",
        "servicebus.enabled": "false", "relayserver.enabled": "false",
        "nginxIngress.enabled": "true", "installNvidiaDevicePlugin": "False",
        "internalLoadBalancerProvider": "azure",
        "scoringFe.serviceType.internalLoadBalancer": "True"}
    assert "configurationProtectedSettings" not in extension.inputs
    assert cluster.urn in extension.dependencies


@pytest.mark.parametrize("change,settings,gone", [
    ({"nodeCount": 2}, {"inferenceRouterHA": "false", "clusterPurpose": "DevTest"}, set()),
    ({"routerServiceType": "nodePort"}, {"scoringFe.serviceType.nodePort": "True"},
     {"internalLoadBalancerProvider", "scoringFe.serviceType.internalLoadBalancer"}),
])
def test_the_extension_takes_the_cli_settings_for_small_clusters_and_node_ports(
        change: dict[str, Any], settings: dict[str, str], gone: set[str]) -> None:
    found = one(shared_run("aks", {"kubernetes": {**KUBE, **change}}),
                EXTENSION).inputs["configurationSettings"]
    assert settings.items() <= found.items() and not gone & set(found)


@pytest.fixture(scope="module")
def tls() -> tuple[StackRun, list[Any]]:
    """The aks stack with the router's certificate and key, and every value that reached the
    engine as a secret."""
    secrets: list[Any] = []

    def recording(value: Any) -> Any:
        if isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            secrets.append(original(value))
        return original(value)

    original = runner.unwrap_secrets
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "unwrap_secrets", recording)
        run = secret_run({"kubernetes": {"tls": TLS}},  # a run of its own, recorded
                         lambda stack, overrides: runner.run_stack(stack, overrides, PROJECT_DIR))
    return run, secrets


def test_tls_on_a_created_cluster_is_the_certificate_sent_as_protected_settings(
        tls: tuple[StackRun, list[Any]]) -> None:
    run, secrets = tls
    extension = one(run, EXTENSION)
    settings = extension.inputs["configurationSettings"]
    assert (settings["allowInsecureConnections"], settings["sslCname"]) == (
        "False", "score.contoso.com")
    assert "sslSecret" not in settings  # nothing needs to be in the cluster before the extension
    # what the CLI makes of --config-protected sslCertPemFile=... sslKeyPemFile=...
    protected = {"scoringFe.sslCert": b64(CERT), "scoringFe.sslKey": b64(KEY)}
    assert extension.inputs["configurationProtectedSettings"] == protected
    assert protected in secrets  # the state keeps them encrypted


def test_a_renewed_certificate_updates_the_extension_and_nothing_else(
        tls: tuple[StackRun, list[Any]]) -> None:
    renewed = secret_run({"kubernetes": {"tls": {**TLS, "certificate": CERT.replace("Zm9y",
                                                                                   "bmV3")}}})
    steps = [s for s in day2_plan(tls[0], renewed).steps if s.resource.type != ROLE_ASSIGNMENT]
    assert [(s.op, s.resource.name, s.changed) for s in steps] == [
        (UPDATE, "kubernetes-aks-extension",
         ["configurationProtectedSettings.scoringFe.sslCert"])]
    assert all(not s.findings for s in steps)


def test_a_secret_the_offline_tools_cannot_decrypt_stands_for_itself() -> None:
    def encrypted(cipher: str) -> StackRun:
        return shared_run("aks", {"kubernetes": {"tls": {
            "cname": "score.contoso.com", "certificate": {"secure": f"v1:{cipher}"},
            "key": {"secure": "v1:key"}}}})

    plan_ = day2_plan(encrypted("old"), encrypted("renewed"))
    assert [s.resource.name for s in plan_.steps if s.resource.type != ROLE_ASSIGNMENT] == [
        "kubernetes-aks-extension"]


def test_tls_from_a_secret_already_in_an_existing_cluster() -> None:
    run = shared_run("aks", {"kubernetes": {"existingClusterId": EXISTING, "tls": {
        "cname": "score.contoso.com", "secret": "inference-tls"}}})
    settings = one(run, EXTENSION).inputs["configurationSettings"]
    assert settings["allowInsecureConnections"] == "False"
    # the CLI sends the secret's name as sslSecret and as the router's scoringFe.sslSecret
    assert (settings["sslCname"], settings["sslSecret"], settings["scoringFe.sslSecret"]) == (
        "score.contoso.com", "inference-tls", "inference-tls")
    assert "configurationProtectedSettings" not in one(run, EXTENSION).inputs


def test_instance_types_are_custom_resources_made_before_the_attach(aks: StackRun) -> None:
    made = aks.of_type(INSTANCE_TYPE)
    assert [(t.inputs["metadata"]["name"], t.inputs["spec"]) for t in made] == [
        ("cpu-small", {"resources": {"requests": {"cpu": "1", "memory": "2Gi"},
                                     "limits": {"cpu": "1", "memory": "2Gi"}}})]
    extension = one(aks, "kubernetesconfiguration:Extension")
    compute = one(aks, "machinelearningservices:Compute")
    assert all(extension.urn in t.dependencies and t.urn in compute.dependencies for t in made)
    assert aks.outputs["kubernetes"]["instanceTypes"] == ["cpu-small", AZURE_INSTANCE_TYPE]


def test_without_instance_types_nothing_goes_through_the_clusters_api_server(aks: StackRun) -> None:
    blue = {"name": "blue", **SAMPLE, "instanceType": AZURE_INSTANCE_TYPE}
    run = shared_run("aks", {"kubernetes": {**KUBE, "instanceTypes": []}, "onlineEndpoints": [
        {"name": "score", "compute": "aks", "authMode": "AMLToken", "deployments": [blue]}]})
    assert run.of_type(KUBERNETES_PROVIDER) == run.of_type(INSTANCE_TYPE) == []
    compute = one(run, "machinelearningservices:Compute")
    assert compute.inputs["properties"]["properties"]["defaultInstanceType"] == \
        AZURE_INSTANCE_TYPE
    # the preview says what instance types ask of the deployer, and only when there are some
    needs = [" ".join(text(plan(r, PACK)).split("DEPLOYER NEEDS")[1].split()).count(
        "instance types go through it on every preview, up and refresh") for r in (aks, run)]
    assert needs == [1, 0]
    assert "a network path to the API server of kubernetes cluster aks-mlplat-aks" in " ".join(
        text(plan(aks, PACK)).split())


def test_the_attached_compute_runs_as_its_identity_after_every_grant_it_needs(
        aks: StackRun) -> None:
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
    # updates of a Kubernetes compute change nothing: a change of what it is given replaces
    # it, deleting first (what Azure fills in is not among it); its tags are never sent again
    assert (compute.replace_on_changes, compute.delete_before_replace) == (
        list(ATTACHED_WITH), True)
    assert not {f for f in AZURE_FILLS for a in ATTACHED_WITH if f.startswith(a)}
    assert compute.ignore_changes == ["tags"]
    assert compute.deleted_with == one(aks, "machinelearningservices:Workspace").urn


def test_every_grant_holds_exactly_what_microsoft_names_with_its_source(aks: StackRun) -> None:
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


def test_the_endpoint_runs_on_the_compute_and_its_container_as_the_endpoint_identity(
        aks: StackRun) -> None:
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


def test_the_sample_scoring_code_runs_unchanged_on_both_kinds_of_endpoint(aks: StackRun,
                                                                          dev: StackRun) -> None:
    def served(run: StackRun) -> tuple[str, str, list[str]]:
        d = one(run, "machinelearningservices:OnlineDeployment").inputs["properties"]
        code = owner(run, d["codeConfiguration"]["codeId"])
        return (code.inputs["properties"]["codeUri"].rsplit("/", 2)[-2],
                d["codeConfiguration"]["scoringScript"],
                sorted(d["environmentVariables"]))

    assert served(aks) == served(dev)  # the same code version, script and variables


def test_an_existing_cluster_is_attached_as_it_is() -> None:
    run = shared_run("aks", {"kubernetes": {**KUBE, "existingClusterId": EXISTING}})
    assert run.of_type("azure-native:containerservice:ManagedCluster") == []
    extension = one(run, "kubernetesconfiguration:Extension")
    assert (extension.inputs["clusterName"], extension.inputs["resourceGroupName"]) == (
        "aks-shared", "rg-aks")
    assert one(run, "machinelearningservices:Compute").inputs["properties"][
        "resourceId"] == EXISTING
    assert ("id-mlplat-aks-workspace", "Reader", EXISTING) in grants(run)
    settings = extension.inputs["configurationSettings"]
    assert (settings["clusterId"], settings["cluster_name_friendly"], settings["location"]) == (
        EXISTING, "aks-shared", "westeurope")  # its region, read from the cluster as the CLI does
    assert "inferenceRouterHA" not in settings  # Azure's default on a cluster it does not size
    needs = " ".join(text(plan(run, PACK)).split("DEPLOYER NEEDS")[1].split())
    assert ("Azure Kubernetes Service Cluster Admin Role on kubernetes cluster aks-shared (outside "
            "the stack): reads its admin credentials to put the instance types") in needs
    assert "Reader on kubernetes cluster aks-shared (outside the stack)" in needs
    assert "Kubernetes Extension Contributor on kubernetes cluster aks-shared" in needs


def test_day_2_a_new_instance_type_rolls_the_deployment_and_leaves_the_compute(
        aks: StackRun) -> None:
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
def test_day_2_the_node_pool_scales_in_place_and_keeps_its_size(aks: StackRun,
                                                                change: dict[str, Any], op: str,
                                                                verdicts: set[str]) -> None:
    other = shared_run("aks", {"kubernetes": {**KUBE, "instanceTypes": [{"name": "cpu-small"}],
                                              **change}})
    step = day2_plan(aks, other).step("kubernetes-aks-aks")
    assert (step.op, {f.verdict for f in step.findings}) == (op, verdicts)


def test_day_2_tls_is_an_update_of_the_extension(aks: StackRun,
                                                 tls: tuple[StackRun, list[Any]]) -> None:
    plan_ = day2_plan(aks, tls[0])
    assert [(s.op, s.resource.name) for s in plan_.steps if s.resource.type != ROLE_ASSIGNMENT
            ] == [(UPDATE, "kubernetes-aks-extension")]
    assert plan_.findings == []


def test_day_2_a_tag_change_leaves_the_attached_compute_alone(aks: StackRun) -> None:
    retagged = shared_run("aks", {"kubernetes": KUBE, "tags": {"cost-center": "ml-other"}})
    steps = {s.resource.name: s.op for s in day2_plan(aks, retagged).steps}
    # the compute's tags are not sent (updates of a Kubernetes compute change nothing): the plan
    # shows the ignored step, no update
    assert steps["kubernetes-aks-aks"] == UPDATE and steps["kubernetes-aks"] == IGNORED


def test_day_2_after_a_refresh_what_azure_fills_in_does_not_reattach(aks: StackRun) -> None:
    compute = one(aks, "machinelearningservices:Compute")
    filled = sorted(f.path for f in catalog.get(compute.type).fills_of(compute.inputs))
    assert filled and set(filled) <= set(AZURE_FILLS)
    state = refreshed(aks)
    assert {p for p in filled if value_at(state.resources[compute.urn].inputs, p) is not None} == \
        set(filled)
    plan_ = day2_plan(state, aks)
    # one update that drops them again, which asks nothing of Azure: no re-attach, no finding
    step = plan_.step("kubernetes-aks")
    assert (step.op, step.findings) == (UPDATE, [])
    assert step.changed and all(any(matches(p, f) for f in filled) for p in step.changed)
    assert not plan_.failing


def test_day_2_an_update_of_a_kubernetes_compute_is_called_a_lie(aks: StackRun) -> None:
    compute = one(aks, "machinelearningservices:Compute")
    described = {**compute.inputs, "properties": {**compute.inputs["properties"],
                                                  "description": "serves scoring"}}
    state = dataclasses.replace(aks, resources={
        **aks.resources, compute.urn: dataclasses.replace(compute, inputs=described)})
    step = day2_plan(state, aks).step("kubernetes-aks")
    assert (step.op, [f.verdict for f in step.findings]) == (UPDATE, [LIES])
    assert "appear to succeed" in step.findings[0].message


def test_day_2_another_default_instance_type_replaces_the_attach_and_says_what_it_costs(
        aks: StackRun) -> None:
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
    ({"kubernetes": {"name": "aks"}}, ["ml-platform:kubernetes.tls is missing",
                                       "host name with its certificate and key", "a Kubernetes "
                                       "secret holding them, in an existing cluster",
                                       "allowInsecureConnections: true"]),
    ({"kubernetes": {"tls": {"cname": "score.contoso.com", "secret": "inference-tls"}}},
     ["ml-platform:kubernetes.tls.secret = 'inference-tls' is not allowed: certificate and key "
      "for a new cluster", "nothing makes it there first"]),
    ({"kubernetes": {"existingClusterId": EXISTING, "tls": {**TLS, "secret": "inference-tls"}}},
     ["ml-platform:kubernetes.tls.secret = 'inference-tls' is not allowed: nothing beside "
      "certificate and key: one of the two"]),
    ({"kubernetes": {"tls": {"cname": "score.contoso.com", "certificate": CERT}}},
     ["ml-platform:kubernetes.tls.key is missing"]),
    ({"kubernetes": {"tls": {**TLS, "certificate": "MIIB", "key": KEY.replace(
        "PRIVATE", "ENCRYPTED PRIVATE")}}},
     ["ml-platform:kubernetes.tls.certificate (a secret, not shown) is not allowed: a PEM "
      "certificate", "ml-platform:kubernetes.tls.key (a secret, not shown) is not allowed: a key "
      "without a passphrase", "ml-platform:kubernetes.tls.key is not allowed in plain text: a "
      "secret (pulumi config set --secret"]),
    ({"kubernetes": {**KUBE, "instanceTypes": [{"name": "gpu", "gpu": 1}]}},
     ["ml-platform:kubernetes.nodeVmSize = 'Standard_D4s_v5' is not allowed: with instance types "
      "that ask for GPUs (gpu), a GPU size"]),
    ({"kubernetes": {**KUBE, "nodeVmSize": "Standard_NV4as_v4",
                     "instanceTypes": [{"name": "gpu", "gpu": 1}]}},
     ["nodeVmSize = 'Standard_NV4as_v4' is not allowed", "the NVv4 series has AMD GPUs"]),
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
def test_what_kubernetes_endpoints_do_not_support_is_refused_in_words(override: dict[str, Any],
                                                                      words: list[str]) -> None:
    assert_refused(override, words, stack="aks")


def test_refusals_never_show_the_certificate_or_key() -> None:
    with pytest.raises(Exception) as caught:
        shared_run("aks", {"kubernetes": {"tls": {**TLS, "certificate": "MIIBszCC"}}})
    assert "MIIB" not in str(caught.value) and "MIGH" not in str(caught.value)


def test_a_gpu_instance_type_on_gpu_nodes_gets_nvidias_device_plugin() -> None:
    gpu = [{"name": "cpu-small"}, {"name": "gpu-t4", "cpu": "3", "memory": "24Gi", "gpu": 1}]
    run = shared_run("aks", {"kubernetes": {**KUBE, "nodeVmSize": "Standard_NC4as_T4_v3",
                                            "instanceTypes": gpu}})
    assert one(run, EXTENSION).inputs["configurationSettings"][
        "installNvidiaDevicePlugin"] == "True"  # the extension's default is not to
    assert one(run, INSTANCE_TYPE, "kubernetes-aks-instance-type-gpu-t4").inputs["spec"][
        "resources"]["limits"]["nvidia.com/gpu"] == 1
    # a cluster that runs a device plugin already says so
    own = shared_run("aks", {"kubernetes": {**KUBE, "existingClusterId": EXISTING,
                                            "instanceTypes": gpu,
                                            "installNvidiaDevicePlugin": False}})
    assert one(own, EXTENSION).inputs["configurationSettings"][
        "installNvidiaDevicePlugin"] == "False"


@pytest.mark.parametrize("size,problem", [
    ("Standard_NC6s_v3", None), ("Standard_NC4as_T4_v3", None), ("Standard_NV36ads_A10_v5", None),
    ("Standard_ND96isr_H100_v5", None), ("Standard_D4s_v5", "no GPU"),
    ("Standard_NV4as_v4", "NVv4"), ("Standard_NG8ads_V620_v1", "NGads V620"),
    ("Standard_NV4ads_V710_v5", "NVads V710 v5"), ("Standard_ND96isr_MI300X_v5", "MI300X"),
])
def test_nvidia_gpu_sizes_by_their_family_and_accelerator(size: str, problem: str | None) -> None:
    found = nvidia_gpu_size_problem(size)
    assert (found is None) if problem is None else (problem in str(found))


def test_the_package_takes_the_certificate_and_no_instance_types() -> None:
    workspace = (f"{SUBSCRIPTION}/resourceGroups/rg-ml-shared/providers/"
                 "Microsoft.MachineLearningServices/workspaces/mlw-shared")

    def program() -> None:
        scorer = package.Identity("scorer", {"resource_group_name": "rg-ml-shared",
                                             "location": "westeurope",
                                             "identity_name": "id-scoring"})
        package.KubernetesCompute("serve", {
            "workspace_id": workspace,
            "workspace_principal_id": "00000000-aaaa-4bbb-8ccc-00000000000a",
            "compute_name": "serve", "identity_id": scorer.resource_id, "instance_types": [],
            "tls_cname": "score.contoso.com", "tls_certificate": pulumi.Output.secret(CERT),
            "tls_key": pulumi.Output.secret(KEY)})

    run = run_program(program, "consumer", "dev", {})
    assert one(run, EXTENSION).inputs["configurationProtectedSettings"] == {
        "scoringFe.sslCert": b64(CERT), "scoringFe.sslKey": b64(KEY)}
    assert run.of_type(KUBERNETES_PROVIDER) == []


def test_a_managed_endpoint_still_takes_only_vm_sizes() -> None:
    assert_refused({"onlineEndpoints": [{"name": "score", "deployments": [
        {**SAMPLE, "name": "blue", "instanceType": "cpu-small"}]}]},
        ["onlineEndpoints[0].deployments[0].instanceType = 'cpu-small' is not allowed",
         "a VM size (Standard_...) on a managed endpoint"])


def test_destroying_it_deletes_the_cluster_with_what_runs_in_it_and_calls_no_kubernetes_api(
        aks: StackRun) -> None:
    plan = day2_plan(aks, None)
    assert [(s.resource.name, f.verdict) for s, f in plan.findings
            if f.verdict in FAILING] == []
    cluster = one(aks, "containerservice:ManagedCluster")
    in_it = [r for r in aks.resources.values()
             if r.type in (INSTANCE_TYPE, "azure-native:kubernetesconfiguration:Extension")]
    assert in_it and all(r.deleted_with == cluster.urn for r in in_it)
    assert {plan.step(r.name).op for r in in_it} == {DELETED_WITH}


def test_the_preview_shows_every_piece_and_each_grant_with_its_document(aks: StackRun) -> None:
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


def test_day_2_moving_an_endpoint_off_the_cluster_replaces_it(aks: StackRun) -> None:
    managed = shared_run("aks", {"onlineEndpoints": [{"name": "score", "authMode": "AMLToken"}]})
    step = day2_plan(aks, managed).step("endpoint-score")
    assert step.op == REPLACE and "properties.compute" in step.changed


def test_a_production_stack_on_kubernetes_fails_the_network_policies_as_the_readme_says() -> None:
    production = secret_run({"protectStatefulResources": True, "customerManagedKey": True,
                             "kubernetes": {"tls": TLS}})
    assert {v.policy for v in check(production, PACK)} == {
        "network-workspace-private", "network-dependents-private", "network-endpoint-private"}
