"""One declaration per component: the same mistake is refused in words, every problem at once and
before any resource, whether it comes from Python, from the stack file or through the component
package (``tests/library/test_provider_host.py`` sends it over Construct)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any, cast

import pulumi
import pytest

from components import (
    ComputeClusterArgs,
    ComputeInstanceArgs,
    KubernetesComputeArgs,
    Principal,
    WorkspaceRef,
)
from components.arguments import ArgumentsError
from components.compute import ComputeClusterSpec
from components.kubernetes import KubernetesComputeSpec
from stack.config import ConfigError, parse_settings
from stack.config.kubernetes import KubernetesSettings

WORKSPACE = WorkspaceRef.existing("/subscriptions/00000000-0000-0000-0000-000000000000/"
                                  "resourceGroups/rg-ml/providers/"
                                  "Microsoft.MachineLearningServices/workspaces/mlw-team")
MISTAKES = {"compute_name": "Bad_Name!", "vm_size": "Standard_A0", "vm_priority": "Spot",
            "min_nodes": 4, "max_nodes": 3}
"""A cluster with every kind of mistake: a name Azure refuses, a size Azure ML does not offer, a
choice that does not exist, and nodes that cannot be."""
NAME_RULE = ("3-24 characters: letters, digits and hyphens, starting with a letter, ending with "
             "a letter or digit, and not ending in a hyphen followed by digits only (gpu-2)")
SIZES = ("a size of a series Azure ML compute supports: DDSv4, Dv2, Dv3, DSv2, DSv3, EAv4, Ev3, "
         "ESv3, FSv2, FX, H, HBv2, HBv3, HC, LSv2, M, NCv3, NDv2, NVv3, NCasT4_v3, NDasrA100_v4, "
         "ND-H100-v5, ND-H200-v5")
IDENTITY: Any = None
"""What a workload runs as: never read, the arguments are refused before any resource."""
AKS = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/"
       "Microsoft.ContainerService/managedClusters/aks-shared")


@pytest.fixture
def event_loop() -> Iterator[None]:
    """An event loop for Outputs made outside a program (a stack run leaves none behind)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    loop.close()
    asyncio.set_event_loop(None)


def test_the_library_refuses_every_mistake_at_once_before_any_resource() -> None:
    with pytest.raises(ArgumentsError) as refused:  # making the arguments: no component yet
        ComputeClusterArgs(workspace=WORKSPACE, **MISTAKES)
    assert str(refused.value).splitlines() == [
        "ComputeClusterArgs: invalid arguments:",
        f"  - compute_name = 'Bad_Name!' is not allowed: {NAME_RULE}",
        "  - vm_priority = 'Spot' is not allowed: one of Dedicated, LowPriority",
        "  - max_nodes = 3 is not allowed: at least min_nodes (4)",
        f"  - vm_size = 'Standard_A0' is not allowed: {SIZES} (a newer size: set "
        "allow_unlisted_vm_size: true)"]
    assert isinstance(refused.value, pulumi.RunError)  # the CLI prints it without a traceback


def test_the_stack_file_refuses_the_same_values_under_its_keys() -> None:
    # The size is a rule across keys (allowUnlistedVmSizes is the stack's): it reads the entry
    # once the entry reads, so it is told in the next round.
    config = {"name": "Bad_Name!", "vmSize": "Standard_A0", "vmPriority": "Spot",
              "minNodes": 4, "maxNodes": 3}
    with pytest.raises(ConfigError) as refused:
        parse_settings("ml-platform", {"computeClusters": json.dumps([config])}, "dev")
    key = "ml-platform:computeClusters[0]"
    assert sorted(refused.value.problems) == sorted([
        f"{key}.name = 'Bad_Name!' is not allowed: {NAME_RULE}",
        f"{key}.vmPriority = 'Spot' is not allowed: one of Dedicated, LowPriority",
        f"{key}.maxNodes = 3 is not allowed: at least minNodes (4)"])


def test_an_unknown_argument_is_named_with_the_closest_one() -> None:
    with pytest.raises(ArgumentsError) as refused:
        ComputeClusterSpec(compute_name="cpu", nodes=2)  # type: ignore[call-arg]  # the mistake
    assert refused.value.problems[0].words() == \
        "nodes is not an argument; did you mean min_nodes?"


def test_values_known_only_at_deployment_are_taken_as_they_are(event_loop: None) -> None:
    later = pulumi.Output.from_input("/subscriptions/x/resourceGroups/g/providers/"
                                     "Microsoft.ContainerRegistry/registries/crbase")
    args = ComputeClusterArgs(workspace=WORKSPACE, compute_name="cpu",
                              extra_pulls={"private-registry": later})
    assert args.extra_pulls["private-registry"] is later


def test_a_size_newer_than_the_list_is_taken_when_asked() -> None:
    assert ComputeClusterArgs(workspace=WORKSPACE, compute_name="cpu", vm_size="Standard_A0",
                              allow_unlisted_vm_size=True).vm_size == "Standard_A0"


def test_an_endpoint_with_every_mistake_is_refused_in_python_and_in_the_stack_file() -> None:
    from components import OnlineDeploymentSpec, OnlineEndpointArgs

    def deployment(name: str, **more: Any) -> OnlineDeploymentSpec:
        return OnlineDeploymentSpec.model_construct(  # made whole: checked with the endpoint
            name=name, model_id="m", environment_id="e", code_id="c", **{
                "scoring_script": "score.py", "instance_type": "Standard_DS2_v2",
                "instance_count": 1, "traffic": 0, "environment_variables": {}, **more})

    with pytest.raises(ArgumentsError) as refused:
        OnlineEndpointArgs(workspace=WORKSPACE, endpoint_name="fraud-scoring", auth_mode="Token",
                           deployments=[deployment("blue", traffic=60),
                                        deployment("green", traffic=60,
                                                   environment_variables={"HF_TOKEN": "hf_x1"})])
    assert [p.words() for p in refused.value.problems] == [
        "auth_mode = 'Token' is not allowed: one of AADToken, AMLToken, Key",
        "deployments = 'blue=60, green=60' is not allowed: traffic shares that sum to 100 (or "
        "are all 0); these sum to 120",
        "deployments[1].environment_variables.HF_TOKEN (a secret: its name says so; not shown) "
        "is not allowed: a value that is not secret, since a deployment's environment "
        "variables are part of its definition, which whoever reads the deployment reads (\"this "
        "practice would expose the secrets in the deployment definition\", "
        "concept-secret-injection); a secret the scoring code needs goes in the workspace key "
        "vault: name it in the endpoint's secrets, and the code reads it as the endpoint "
        "identity (it finds the vault at KEY_VAULT_URL)"]
    assert "hf_x1" not in str(refused.value)

    sample = {"model": "samples/score/model", "code": "samples/score/code",
              "environment": "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"}
    with pytest.raises(ConfigError) as config:
        parse_settings("ml-platform", {"onlineEndpoints": json.dumps([{
            "name": "fraud", "authMode": "Token", "deployments": [
                {**sample, "name": "blue", "traffic": 60},
                {**sample, "name": "green", "traffic": 60}]}])}, "dev")
    assert config.value.problems == [
        "ml-platform:onlineEndpoints[0].authMode = 'Token' is not allowed: one of AADToken, "
        "AMLToken, Key",
        "ml-platform:onlineEndpoints[0].deployments = 'blue=60, green=60' is not allowed: "
        "traffic shares that sum to 100 (or are all 0); these sum to 120"]


def test_data_and_ci_trust_are_refused_the_same_way_in_python_and_in_the_stack_file() -> None:
    from components import AutomationIdentityArgs, DataStorageArgs, FederatedCredential
    from components.identity import UserIdentity

    with pytest.raises(ArgumentsError) as data:
        DataStorageArgs(resource_group_name="rg-ml", location="westeurope",
                        account_name="St-Team-ML-dev-way-too-long-name", container_name="Data",
                        existing_id="/subscriptions/x/resourceGroups/g/providers/"
                                    "Microsoft.Storage/storageAccounts/stdata")
    assert [p.words() for p in data.value.problems] == [
        "container_name = 'Data' is not allowed: Container of the data: 3-63 lowercase letters, "
        "digits and single hyphens.",
        "account_name = 'St-Team-ML-dev-way-too-long-name' is not allowed: 3-24 characters: "
        "lowercase letters and digits only"]

    github = "https://token.actions.githubusercontent.com"
    twice = [FederatedCredential(name="main", issuer=github, subject="repo:o/r:ref:main"),
             FederatedCredential(name="main-again", issuer=github, subject="repo:o/r:ref:main")]
    with pytest.raises(ArgumentsError) as trust:
        AutomationIdentityArgs(workspace=WORKSPACE, identity=cast(UserIdentity, None),
                               credentials=twice)
    assert [p.words() for p in trust.value.problems] == [
        "credentials[1].subject = 'repo:o/r:ref:main' is not allowed: a subject no other "
        "credential of this issuer trusts"]
    with pytest.raises(ConfigError) as config:
        parse_settings("ml-platform", {"automationCredentials": json.dumps(
            [c.model_dump() for c in twice])}, "dev")
    assert config.value.problems == [
        "ml-platform:automationCredentials[1].subject = 'repo:o/r:ref:main' is not allowed: a "
        "subject no other credential of this issuer trusts"]


# --- a compute instance ------------------------------------------------------------------------

INSTANCE_MISTAKES = {"assigned_user_object_id": "alice", "vm_size": "Standard_A0",
                     "idle_minutes_before_shutdown": 5, "secrets": ["db password"],
                     "schedules": [{"action": "Pause", "cron": "0 25 * * *",
                                    "time_zone": "Europe/Paris"}]}
"""An instance with every kind of mistake: an owner who is not an object id, a size Azure ML does
not offer, a shutdown Azure refuses, a secret name Key Vault refuses, a schedule with an action,
an hour and a time zone Azure does not know (and a name, below)."""
CRON = ("five fields: minute, hour, day of month, month, day of week (0-6, Sunday = 0), each *, "
        "a number, a range a-b or a list of them, with an optional /step, e.g. '0 18 * * 1-5'")
TIME_ZONE = ("a Windows time zone id, e.g. UTC, W. Europe Standard Time or Pacific Standard Time "
             "(not an IANA name such as Europe/Paris)")
OBJECT_ID = "an Entra ID object id (a GUID such as 00000000-0000-0000-0000-000000000000)"
SECRET_NAMES = "key vault secret names: 1-127 letters, digits and hyphens"


def test_the_library_refuses_every_mistake_of_an_instance_at_once() -> None:
    with pytest.raises(ArgumentsError) as refused:
        ComputeInstanceArgs(workspace=WORKSPACE, compute_name="Bad_Name!", identity=IDENTITY,
                            assigned_user_tenant_id="t", **INSTANCE_MISTAKES)
    assert str(refused.value).splitlines() == [
        "ComputeInstanceArgs: invalid arguments:",
        f"  - assigned_user_object_id = 'alice' is not allowed: {OBJECT_ID}",
        "  - idle_minutes_before_shutdown = 5 is not allowed: a whole number from 15 to 4320",
        "  - schedules[0].action = 'Pause' is not allowed: one of Start, Stop",
        f"  - schedules[0].cron = '0 25 * * *' is not allowed: {CRON}",
        f"  - schedules[0].time_zone = 'Europe/Paris' is not allowed: {TIME_ZONE}",
        f"  - secrets[0] = 'db password' is not allowed: {SECRET_NAMES}",
        f"  - compute_name = 'Bad_Name!' is not allowed: {NAME_RULE}",
        f"  - vm_size = 'Standard_A0' is not allowed: {SIZES} (a newer size: set "
        "allow_unlisted_vm_size: true)"]


def test_the_stack_file_refuses_the_same_instance_under_its_keys() -> None:
    # The size is a rule across keys again (allowUnlistedVmSizes): told in the next round.
    config = {"name": "Bad_Name!", "assignedUser": "alice", "vmSize": "Standard_A0",
              "idleMinutesBeforeShutdown": 5, "secrets": ["db password"],
              "schedules": [{"action": "Pause", "cron": "0 25 * * *", "timeZone": "Europe/Paris"}]}
    with pytest.raises(ConfigError) as refused:
        parse_settings("ml-platform", {"computeInstances": json.dumps([config])}, "dev")
    key = "ml-platform:computeInstances[0]"
    assert sorted(refused.value.problems) == sorted([
        f"{key}.name = 'Bad_Name!' is not allowed: {NAME_RULE}",
        f"{key}.assignedUser = 'alice' is not allowed: {OBJECT_ID}",
        f"{key}.idleMinutesBeforeShutdown = 5 is not allowed: a whole number from 15 to 4320",
        f"{key}.schedules[0].action = 'Pause' is not allowed: one of Start, Stop",
        f"{key}.schedules[0].cron = '0 25 * * *' is not allowed: {CRON}",
        f"{key}.schedules[0].timeZone = 'Europe/Paris' is not allowed: {TIME_ZONE}",
        f"{key}.secrets[0] = 'db password' is not allowed: {SECRET_NAMES}"])


def test_an_instance_name_known_only_at_deployment_is_taken_as_it_is(event_loop: None) -> None:
    later = pulumi.Output.from_input("alice-x1")
    args = ComputeInstanceArgs(workspace=WORKSPACE, compute_name=later, identity=IDENTITY,
                               assigned_user_object_id="11111111-AAAA-4BBB-8CCC-000000000001",
                               assigned_user_tenant_id="t")
    assert args.compute_name is later
    assert args.assigned_user_object_id == "11111111-aaaa-4bbb-8ccc-000000000001"  # as Azure


# --- a Kubernetes compute ----------------------------------------------------------------------

CERT, KEY = "MIIBszCCAVmgAwIBAgIU", "MIGHAgEAMBMGByqGSM49"
"""A certificate and key that are not PEM (their headers are missing); never quoted."""
KUBERNETES_MISTAKES = {
    "compute_name": "Bad_Name!", "node_count": 0, "router_service_type": "ingress",
    "instance_types": [{"name": "gpu", "gpu": 1}, {"name": "gpu"}],
    "tls": {"cname": "score.contoso.com", "certificate": CERT, "key": KEY}}
"""A Kubernetes compute with every kind of mistake: a name Azure refuses, no nodes, a router that
does not exist, an instance type twice, a GPU instance type on nodes without GPUs, and a
certificate and key that are not PEM."""
GPU_SIZE = ("with instance types that ask for GPUs (gpu), a GPU size of the NC, ND or NV family "
            "(e.g. Standard_NC4as_T4_v3, Standard_NC6s_v3): this one has no GPU")
PEM_CERTIFICATE = "a PEM certificate with its full chain (a -----BEGIN CERTIFICATE----- line)"
PEM_KEY = "a PEM private key (a -----BEGIN ... PRIVATE KEY----- line)"


def test_the_library_refuses_every_mistake_of_a_kubernetes_compute_at_once() -> None:
    with pytest.raises(ArgumentsError) as refused:
        KubernetesComputeArgs(workspace=WORKSPACE, workspace_principal=Principal("ws", "p"),
                              identity=IDENTITY, **KUBERNETES_MISTAKES)
    assert str(refused.value).splitlines() == [
        "KubernetesComputeArgs: invalid arguments:",
        f"  - compute_name = 'Bad_Name!' is not allowed: {NAME_RULE}",
        "  - node_count = 0 is not allowed: a whole number from 1 to 100",
        "  - router_service_type = 'ingress' is not allowed: one of loadBalancer, nodePort, "
        "clusterIP",
        "  - instance_types[1].name = 'gpu' is not allowed: a name no other instance type has",
        f"  - node_vm_size = 'Standard_D4s_v5' is not allowed: {GPU_SIZE}",
        "  - cluster_name is missing: the name of the AKS cluster to create (or "
        "existing_cluster_id, a cluster of your own)",
        f"  - tls.certificate (a secret, not shown) is not allowed: {PEM_CERTIFICATE}",
        f"  - tls.key (a secret, not shown) is not allowed: {PEM_KEY}"]


def test_the_stack_file_refuses_the_same_kubernetes_compute_under_its_keys() -> None:
    config = {"name": "Bad_Name!", "nodeCount": 0, "routerServiceType": "ingress",
              "instanceTypes": [{"name": "gpu", "gpu": 1}, {"name": "gpu"}],
              "tls": {"cname": "score.contoso.com", "certificate": CERT, "key": KEY}}
    with pytest.raises(ConfigError) as refused:
        parse_settings("ml-platform", {"kubernetes": json.dumps(config)}, "aks")
    key = "ml-platform:kubernetes"
    assert sorted(refused.value.problems) == sorted([
        f"{key}.name = 'Bad_Name!' is not allowed: {NAME_RULE}",
        f"{key}.nodeCount = 0 is not allowed: a whole number from 1 to 100",
        f"{key}.routerServiceType = 'ingress' is not allowed: one of loadBalancer, nodePort, "
        "clusterIP",
        f"{key}.instanceTypes[1].name = 'gpu' is not allowed: a name no other instance type has",
        f"{key}.nodeVmSize = 'Standard_D4s_v5' is not allowed: {GPU_SIZE}",
        f"{key}.tls.certificate (a secret, not shown) is not allowed: {PEM_CERTIFICATE}",
        f"{key}.tls.key (a secret, not shown) is not allowed: {PEM_KEY}"])
    assert CERT not in str(refused.value) and KEY not in str(refused.value)


@pytest.mark.parametrize("given", [{"node_count": 3}, {"node_vm_size": "Standard_D4s_v5"}])
def test_a_node_setting_with_an_existing_cluster_is_refused_even_at_its_default(
        given: dict[str, Any]) -> None:
    # it would size nothing: the existing cluster keeps its nodes
    with pytest.raises(ArgumentsError) as refused:
        KubernetesComputeSpec(compute_name="serve", existing_cluster_id=AKS,
                              allow_insecure_connections=True, **given)
    [name] = given
    assert str(refused.value).splitlines()[1:] == [
        f"  - {name} = {given[name]!r} is not allowed: nothing with existing_cluster_id (it sizes "
        "a cluster the component creates; the existing one keeps its nodes)"]


def test_the_stack_passes_on_what_its_file_gives_and_the_defaults_it_changes() -> None:
    entry = KubernetesSettings(existing_cluster_id=AKS, allow_insecure_connections=True)
    # node settings not given stay not given, so the component takes the existing cluster
    assert entry.arguments(KubernetesComputeSpec) == {
        "compute_name": "aks", "existing_cluster_id": AKS, "allow_insecure_connections": True}


# --- every component's arguments are one declaration ---

def test_every_components_arguments_are_a_declaration() -> None:
    import importlib
    import inspect
    import pkgutil

    import components
    from components.arguments import Arguments

    found = {}
    for module in pkgutil.walk_packages(components.__path__, "components."):
        if module.name == "components.package_args":
            continue  # the package's wire types, written from the declarations
        for name, value in vars(importlib.import_module(module.name)).items():
            if inspect.isclass(value) and name.endswith("Args") and \
                    value.__module__ == module.name:
                found[f"{module.name}.{name}"] = issubclass(value, Arguments)
    assert "components.network.PrivateNetworkArgs" in found  # the walk finds them
    assert [where for where, declared in found.items() if not declared] == []


def test_a_batch_endpoint_is_refused_the_same_way_in_python_and_in_the_stack_file() -> None:
    from components import BatchEndpointArgs, BatchModelDeploymentSpec, ClusterRef

    system = ClusterRef("/x/computes/cpu", "cpu", user_assigned=False)
    blue = BatchModelDeploymentSpec.model_construct(  # made whole: checked with the endpoint
        name="blue", model_id="m", environment_id="e", code_id="c", cluster=system)
    with pytest.raises(ArgumentsError) as refused:
        BatchEndpointArgs(workspace=WORKSPACE, endpoint_name="fraud-batch", deployments=[blue],
                          default_deployment="red")
    assert [p.words() for p in refused.value.problems] == [
        "default_deployment = 'red' is not allowed: the name of one of deployments (blue)",
        "deployments[0].cluster = 'cpu' is not allowed: a cluster that runs as a user-assigned "
        "identity: batch jobs need the cluster to run as a user-assigned identity, the one "
        "Microsoft documents Storage Queue and Table Data Contributor for "
        "(how-to-disable-local-auth-storage, Parallel Run Step)"]

    sample = {"model": "samples/score/model", "code": "samples/batch/code",
              "scoringScript": "batch_driver.py",
              "environment": "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"}
    with pytest.raises(ConfigError) as config:
        parse_settings("ml-platform", {"batchEndpoints": json.dumps([{
            "name": "fraud-batch", "defaultDeployment": "red", "deployments": [
                {**sample, "name": "blue", "cluster": "cpu"}]}])}, "dev")
    assert config.value.problems == [
        "ml-platform:batchEndpoints[0].defaultDeployment = 'red' is not allowed: the name of one "
        "of deployments (blue)"]
