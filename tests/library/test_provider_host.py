"""The component package through its real provider host: ``python provider/ <engine>`` started as
the Pulumi CLI starts it, GetSchema and Construct called over gRPC for every component, against a
resource monitor and engine served in this process and answered by the Azure mocks
(components/testing/provider_host.py). One host serves the whole session, as one serves a
deployment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from components import package
from components.azure.roles import ROLE_BY_GUID
from components.blob_upload import ENTRA_BLOB
from components.propagation import MINIMUM_PULUMI_CLI, ROLE_PROPAGATION_HOOK
from components.testing import StackRun
from components.testing.mocks import SUBSCRIPTION_ID
from components.testing.provider_host import Constructed, MockDeployment, ProviderHost
from offline.schema import schema

from ..conftest import PROJECT_DIR, ROLE_ASSIGNMENT

GROUP = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ml-shared/providers"
WORKSPACE_ID = f"{GROUP}/Microsoft.MachineLearningServices/workspaces/mlw-shared"
REGISTRY_ID = f"{GROUP}/Microsoft.ContainerRegistry/registries/crshared"
CLUSTER_ID = f"{GROUP}/Microsoft.ContainerService/managedClusters/aks-shared"
WORKSPACE_PRINCIPAL = "00000000-aaaa-4bbb-8ccc-00000000000a"
MODEL = "azureml://registries/shared/models/fraud/versions/3"
ENVIRONMENT = "azureml://registries/shared/environments/sklearn/versions/7"
CODE = f"{WORKSPACE_ID}/codes/fraud-score/versions/1"
# What the engine hands the hook when Azure accepted a create and its operation then failed
# (plugin.InitError: go-multierror's list), and when Azure refused the request itself.
ACCEPTED_THEN_FAILED = ("1 error occurred:\n\t* Status=200 Code=\"BadArgument\" Message=\"Startup "
                        "task failed due to authorization error.\"\n\n")
REFUSED = ("Status=403 Code=\"AuthorizationFailed\" Message=\"The client 'x' does not have "
           "authorization to perform action 'Microsoft.Storage/storageAccounts/read'\"")

IDENTITY = "mlplatform:index:Identity"
WORKSPACE = "mlplatform:index:MlWorkspace"
CLUSTER = "mlplatform:index:ComputeCluster"
ENDPOINT = "mlplatform:index:OnlineEndpoint"
KUBERNETES = "mlplatform:index:KubernetesCompute"
ML_REGISTRY = "mlplatform:index:MlRegistry"
ML_REGISTRY_ID = f"{GROUP}/Microsoft.MachineLearningServices/registries/mlreg-shared"
PEOPLE = "00000000-aaaa-4bbb-8ccc-00000000000b"
"""A group of data scientists, by object id."""
BATCH = "mlplatform:index:BatchEndpoint"
INVOKER = "33333333-aaaa-4bbb-8ccc-000000000003"


def deployment_inputs(name: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "modelId": MODEL, "environmentId": ENVIRONMENT, "codeId": CODE, **more}


@pytest.fixture(scope="session")
def deployment() -> Iterator[MockDeployment]:
    with MockDeployment(project="consumer", stack="dev") as served:
        yield served


@pytest.fixture(scope="session")
def host(deployment: MockDeployment,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderHost]:
    with ProviderHost.start(PROJECT_DIR / "provider", deployment,
                            cwd=tmp_path_factory.mktemp("consumer"),
                            pythonpath=[PROJECT_DIR]) as started:
        yield started


@pytest.fixture(scope="session")
def built(host: ProviderHost) -> dict[str, Constructed]:
    """Every component with only its required inputs (plus the one choice the two that need one
    take) and with every input, constructed into one deployment; later ones refer to earlier
    ones by the ids they output, as a consumer's program does."""
    out: dict[str, Constructed] = {}

    def construct(key: str, type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
        out[key] = host.construct(type_, key, inputs)
        return out[key].outputs

    place = {"resourceGroupName": "rg-ml-shared", "location": "westeurope"}
    construct("identity-required", IDENTITY, {**place, "identityName": "id-minimal"})
    scorer = construct("identity-every", IDENTITY, {**place, "identityName": "id-scoring-team",
                                                    "allowUnlistedLocation": False,
                                                    "tags": {"team": "fraud"}})
    names = {"storageAccountName": "stscoring7q2", "keyVaultName": "kv-scoring-7q2",
             "applicationInsightsName": "appi-scoring", "logAnalyticsName": "log-scoring"}
    construct("workspace-required", WORKSPACE, {**place, **names, "workspaceName": "mlw-min",
                                                 "existingRegistryId": REGISTRY_ID})
    workspace = construct("workspace-every", WORKSPACE, {
        **place, **names, "workspaceName": "mlw-scoring-7q2", "registryName": "crscoring7q2",
        "registrySku": "Premium", "identityId": scorer["resourceId"], "protect": True,
        "encryptionIdentityId": scorer["resourceId"], "encryptionKeyVaultName": "kvk-scoring-7q2",
        "highBusinessImpact": True,
        "storageSku": "Standard_ZRS", "storageSoftDeleteRetentionDays": 14,
        "keyVaultPurgeProtection": True, "keyVaultSoftDeleteRetentionDays": 90,
        "logRetentionDays": 90, "allowUnlistedLocation": False, "tags": {"team": "fraud"}})
    construct("cluster-required", CLUSTER, {"workspaceId": WORKSPACE_ID, "computeName": "cpu"})
    train = construct("cluster-every", CLUSTER, {
        "workspaceId": workspace["resourceId"], "computeName": "train",
        "identityId": scorer["resourceId"], "vmSize": "Standard_DS3_v2",
        "vmPriority": "LowPriority", "minNodes": 0, "maxNodes": 4,
        "idleSecondsBeforeScaleDown": 600, "secrets": ["fraud-api-key"], "batchJobs": True,
        "allowUnlistedVmSize": False, "tags": {"team": "fraud"}})
    construct("batch-required", BATCH, {"workspaceId": WORKSPACE_ID,
                                         "endpointName": "fraud-batch-min"})
    construct("batch-every", BATCH, {
        "workspaceId": WORKSPACE_ID, "endpointName": "fraud-batch-7q2",
        "defaultDeployment": "green", "tags": {"team": "fraud"},
        "invokers": [{"objectId": INVOKER, "type": "User"}],
        "deployments": [
            deployment_inputs("blue", computeId=train["resourceId"]),
            deployment_inputs("green", computeId=train["resourceId"],
                              scoringScript="batch_driver.py", instanceCount=2,
                              miniBatchSize=20, maxConcurrencyPerInstance=2,
                              outputAction="AppendRow", outputFileName="scores.csv",
                              maxRetries=5, timeoutSeconds=45, errorThreshold=10,
                              loggingLevel="Debug", environmentVariables={"MODE": "strict"})]})
    construct("endpoint-required", ENDPOINT, {"workspaceId": WORKSPACE_ID,
                                               "endpointName": "fraud-min-7q2"})
    construct("endpoint-deployments", ENDPOINT, {
        "workspaceId": WORKSPACE_ID, "endpointName": "fraud-scoring-7q2",
        "identityId": scorer["resourceId"], "authMode": "AADToken",
        "publicNetworkAccess": "Disabled", "secrets": ["fraud-api-key"],
        "allowUnlistedVmSize": False, "tags": {"team": "fraud"},
        "deployments": [deployment_inputs(
            "blue", scoringScript="score.py", instanceType="Standard_DS3_v2",
            instanceCount=2, traffic=100, environmentVariables={"MODE": "strict"})]})
    construct("kubernetes-required", KUBERNETES, {
        "workspaceId": WORKSPACE_ID, "workspacePrincipalId": WORKSPACE_PRINCIPAL,
        "computeName": "serve-min", "identityId": scorer["resourceId"],
        "allowInsecureConnections": True})
    construct("kubernetes-created", KUBERNETES, {
        "workspaceId": WORKSPACE_ID, "workspacePrincipalId": WORKSPACE_PRINCIPAL,
        "computeName": "serve", "identityId": scorer["resourceId"], "clusterName": "aks-serve",
        "nodeVmSize": "Standard_NC4as_T4_v3", "nodeCount": 3,
        "instanceTypes": [{"name": "gpu-small", "cpu": "2", "memory": "8Gi", "gpu": 1}],
        "tlsCname": "score.contoso.com", "tlsCertificate": CERT, "tlsKey": KEY,
        "routerServiceType": "loadBalancer", "internalLoadBalancer": True,
        "installNvidiaDevicePlugin": True,
        "allowInsecureConnections": False, "tags": {"team": "fraud"}})
    aks = construct("kubernetes-existing", KUBERNETES, {
        "workspaceId": WORKSPACE_ID, "workspacePrincipalId": WORKSPACE_PRINCIPAL,
        "computeName": "serve-shared", "identityId": scorer["resourceId"],
        "existingClusterId": CLUSTER_ID, "instanceTypes": [{"name": "cpu-small"}],
        "tlsCname": "score.contoso.com", "tlsSecret": "inference-tls"})
    construct("endpoint-kubernetes", ENDPOINT, {
        "workspaceId": WORKSPACE_ID, "endpointName": "fraud-k8s-7q2", "authMode": "Key",
        "identityId": scorer["resourceId"], "computeId": aks["resourceId"],
        "deployments": [deployment_inputs("green", instanceType="cpu-small")]})
    # the Azure ML registry: an existing one granted on, and one created with every input
    construct("registry-required", ML_REGISTRY, {"existingId": ML_REGISTRY_ID})
    construct("registry-created", ML_REGISTRY, {
        **place, "registryName": "mlreg-scoring", "replicationLocations": ["northeurope"],
        "allowUnlistedLocation": False, "storageAccountType": "Standard_ZRS",
        "publicNetworkAccess": "Disabled", "protect": True, "tags": {"team": "fraud"},
        "publishers": [{"objectId": PEOPLE, "type": "Group"}],
        "consumers": [{"objectId": scorer["principalId"], "type": "ServicePrincipal"}]})
    return out


CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZm9y\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEG\n-----END PRIVATE KEY-----\n"
"""A certificate and key for the inference router, as PEM (placeholders)."""

REQUIRED_CHOICE = {WORKSPACE: {"existingRegistryId"}, KUBERNETES: {"allowInsecureConnections"},
                   ML_REGISTRY: {"existingId"}}
"""What the required-only builds of the two components that need a choice add to the required
inputs (the schema cannot say "one of")."""


def roles(run: StackRun) -> set[tuple[str, str, str]]:
    """Every role assignment as (principal id, role, scope id)."""
    return {(a.inputs["principalId"], ROLE_BY_GUID[a.inputs["roleDefinitionId"].rsplit("/", 1)[1]],
             a.inputs["scope"]) for a in run.of_type(ROLE_ASSIGNMENT)}


def kinds(run: StackRun, *, hooked: bool = False) -> set[str]:
    """The short types of the Azure and Kubernetes resources the run registered (with an error
    hook only, if ``hooked``)."""
    return {r.type.rsplit(":", 1)[1] for r in run.resources.values()
            if r.custom and (r.error_hooks or not hooked)}


def test_the_host_serves_the_package_schema(host: ProviderHost) -> None:
    assert host.schema() == schema()


def test_every_input_of_the_schema_goes_through_construct(host: ProviderHost,
                                                          built: dict[str, Constructed]) -> None:
    package_schema = host.schema()
    resources, types = package_schema["resources"], package_schema["types"]
    sent: dict[str, set[str]] = {token: set() for token in resources}
    entries = {(ENDPOINT, "deployments"): "OnlineDeployment",
               (KUBERNETES, "instanceTypes"): "InstanceType",
               (BATCH, "deployments"): "BatchDeployment", (BATCH, "invokers"): "Invoker",
               (ML_REGISTRY, "publishers"): "RegistryPrincipal",
               (ML_REGISTRY, "consumers"): "RegistryPrincipal"}
    nested: dict[str, set[str]] = {entry: set() for entry in entries.values()}
    for c in built.values():
        sent[c.type] |= set(c.inputs)
        for (type_, field), entry in entries.items():
            for item in c.inputs.get(field, []) if c.type == type_ else []:
                nested[entry] |= set(item)
    assert sent == {token: set(r["inputProperties"]) for token, r in resources.items()}
    assert nested == {entry: set(types[f"mlplatform:index:{entry}"]["properties"])
                      for entry in entries.values()}
    for key, c in built.items():
        if key.endswith("-required"):
            required = set(resources[c.type]["requiredInputs"])
            assert set(c.inputs) == required | REQUIRED_CHOICE.get(c.type, set()), key


def test_every_component_returns_every_output_it_declares(host: ProviderHost,
                                                          built: dict[str, Constructed]) -> None:
    resources = host.schema()["resources"]
    assert {c.type for c in built.values()} == {f"mlplatform:index:{k.__name__}"
                                                for k in package.COMPONENTS}
    for key, c in built.items():
        assert set(c.outputs) == set(resources[c.type]["properties"]), key
        assert all(isinstance(v, str) and v for v in c.outputs.values()), (key, c.outputs)
    scorer = built["identity-every"].outputs
    assert scorer["resourceId"] == (f"{GROUP}/Microsoft.ManagedIdentity/userAssignedIdentities/"
                                    "id-scoring-team")


@pytest.mark.parametrize(("type_", "inputs", "words"), [
    (WORKSPACE, {"resourceGroupName": "rg", "location": "westeurope", "workspaceName": "mlw-x",
                 "storageAccountName": "stx", "keyVaultName": "kv-x",
                 "applicationInsightsName": "appi-x", "logAnalyticsName": "log-x"},
     ["registryName", "existingRegistryId", "exactly one", "None"]),
    (WORKSPACE, {"resourceGroupName": "rg", "location": "westeurope", "workspaceName": "mlw-y",
                 "storageAccountName": "sty", "keyVaultName": "kv-y",
                 "applicationInsightsName": "appi-y", "logAnalyticsName": "log-y",
                 "registryName": "crscoringy", "existingRegistryId": REGISTRY_ID},
     ["registryName = 'crscoringy' is not allowed: a registry to create, or existingRegistryId "
      "(the resource id of one to use), exactly one"]),
    (WORKSPACE, {"resourceGroupName": "rg", "location": "westeurop", "workspaceName": "mlw-z",
                 "storageAccountName": "St-Team-ML-dev-way-too-long-name", "keyVaultName": "kv_bad",
                 "applicationInsightsName": "appi-z", "logAnalyticsName": "log-z",
                 "registryName": "crz", "keyVaultSoftDeleteRetentionDays": 3},
     ["MlWorkspace 'mlw-z': invalid arguments:",
      "storageAccountName = 'St-Team-ML-dev-way-too-long-name' is not allowed: 3-24 characters: "
      "lowercase letters and digits only",
      "keyVaultName = 'kv_bad' is not allowed: 3-24 characters",
      "registryName = 'crz' is not allowed: 5-50 characters",
      "keyVaultSoftDeleteRetentionDays = 3 is not allowed: a whole number from 7 to 90",
      "location = 'westeurop' is not allowed: an Azure public region; did you mean westeurope? "
      "(a newer region: set allowUnlistedLocation: true)"]),
    (KUBERNETES, {"workspaceId": WORKSPACE_ID, "workspacePrincipalId": WORKSPACE_PRINCIPAL,
                  "computeName": "serve-x", "identityId": f"{GROUP}/Microsoft.ManagedIdentity/"
                  "userAssignedIdentities/id-x"},
     ["tlsCname is missing: the router's host name with its certificate and key (or a "
      "Kubernetes secret holding them, in an existing cluster), or allowInsecureConnections: "
      "true"]),
    (CLUSTER, {"workspaceId": WORKSPACE_ID, "computeName": "half", "maxNodes": 2.5},
     ["maxNodes = 2.5 is not allowed: a whole number from 1 to 1000"]),
    (CLUSTER, {"workspaceId": WORKSPACE_ID, "computeName": "Bad_Name!", "vmSize": "Standard_A0",
               "minNodes": 4, "maxNodes": 3, "vmPriority": "Spot"},
     ["ComputeCluster 'Bad_Name!': invalid arguments:",
      "computeName = 'Bad_Name!' is not allowed: 3-24 characters",
      "vmPriority = 'Spot' is not allowed: one of Dedicated, LowPriority",
      "maxNodes = 3 is not allowed: at least minNodes (4)",
      "vmSize = 'Standard_A0' is not allowed: a size of a series Azure ML compute supports",
      "(a newer size: set allowUnlistedVmSize: true)"]),
    (ENDPOINT, {"workspaceId": WORKSPACE_ID, "endpointName": "fraud_scoring", "authMode": "Token",
                "deployments": [deployment_inputs("blue", traffic=60),
                                deployment_inputs("green", traffic=60, instanceType="Standard_A0",
                                                  environmentVariables={"HF_TOKEN": "hf_x1"})]},
     ["OnlineEndpoint 'fraud_scoring': invalid arguments:",
      "endpointName = 'fraud_scoring' is not allowed: 3-32 characters",
      "authMode = 'Token' is not allowed: one of AADToken, AMLToken, Key",
      "deployments = 'blue=60, green=60' is not allowed: traffic shares that sum to 100 (or are "
      "all 0); these sum to 120",
      "deployments[1].environmentVariables.HF_TOKEN (a secret: its name says so; not shown) is "
      "not allowed: a value that is not secret",
      "deployments[1].instanceType = 'Standard_A0' is not allowed: "]),
    (KUBERNETES, {"workspaceId": WORKSPACE_ID, "workspacePrincipalId": WORKSPACE_PRINCIPAL,
                  "identityId": f"{GROUP}/Microsoft.ManagedIdentity/userAssignedIdentities/id-x",
                  "computeName": "Bad_Name!", "nodeCount": 0, "routerServiceType": "ingress",
                  "instanceTypes": [{"name": "gpu", "gpu": 1}, {"name": "gpu"}],
                  "tlsCname": "score.contoso.com", "tlsCertificate": "MIIB", "tlsKey": "MIGH"},
     ["KubernetesCompute 'Bad_Name!': invalid arguments:",
      "computeName = 'Bad_Name!' is not allowed: 3-24 characters",
      "nodeCount = 0 is not allowed: a whole number from 1 to 100",
      "routerServiceType = 'ingress' is not allowed: one of loadBalancer, nodePort, clusterIP",
      "instanceTypes[1].name = 'gpu' is not allowed: a name no other instance type has",
      "nodeVmSize = 'Standard_D4s_v5' is not allowed: with instance types that ask for GPUs (gpu)",
      "tlsCertificate (a secret, not shown) is not allowed: a PEM certificate",
      "tlsKey (a secret, not shown) is not allowed: a PEM private key"]),
    (KUBERNETES, {"workspaceId": WORKSPACE_ID, "workspacePrincipalId": WORKSPACE_PRINCIPAL,
                  "identityId": f"{GROUP}/Microsoft.ManagedIdentity/userAssignedIdentities/id-x",
                  "computeName": "serve-y", "existingClusterId": CLUSTER_ID,
                  "clusterName": "aks-y", "tlsCname": "score.contoso.com",
                  "tlsSecret": "inference-tls", "tlsKey": KEY},
     ["clusterName = 'aks-y' is not allowed: nothing with existingClusterId",
      "tlsSecret = 'inference-tls' is not allowed: nothing beside tlsCertificate and tlsKey"]),
    (ML_REGISTRY, {"registryName": "_bad", "location": "westeurop",
                   "storageAccountType": "Standard_XRS",
                   "publishers": [{"objectId": "not-a-guid", "type": "Robot"}],
                   "consumers": [{"objectId": PEOPLE}, {"objectId": PEOPLE}]},
     ["MlRegistry '_bad': invalid arguments:",
      "registryName = '_bad' is not allowed: 2-32 characters",
      "storageAccountType = 'Standard_XRS' is not allowed: one of Standard_LRS",
      "publishers[0].objectId = 'not-a-guid' is not allowed: an Entra ID object id",
      "publishers[0].type = 'Robot' is not allowed: one of ServicePrincipal, User, Group",
      "consumers[1].objectId = '00000000-aaaa-4bbb-8ccc-00000000000b' is not allowed: an object "
      "id listed once",
      "resourceGroupName is missing: where the registry is created",
      "location = 'westeurop' is not allowed: an Azure public region"]),
    (BATCH, {"workspaceId": WORKSPACE_ID, "endpointName": "fraud_batch",
             "defaultDeployment": "red", "invokers": [{"objectId": "alice"}],
             "deployments": [deployment_inputs("blue", computeId=CLUSTER_ID,
                                               outputAction="Append", errorThreshold=-3)]},
     ["BatchEndpoint 'fraud_batch': invalid arguments:",
      "endpointName = 'fraud_batch' is not allowed: 3-32 characters",
      "invokers[0].objectId = 'alice' is not allowed: an Entra ID object id",
      "deployments[0].outputAction = 'Append' is not allowed: one of AppendRow, SummaryOnly",
      "deployments[0].errorThreshold = -3 is not allowed"]),
    (WORKSPACE, {"resourceGroupName": "rg-ml", "location": "westeurope",
                 "workspaceName": "mlw-cmk", "storageAccountName": "stmlwcmk",
                 "keyVaultName": "kv-mlw-cmk", "logAnalyticsName": "log-mlw-cmk",
                 "applicationInsightsName": "appi-mlw-cmk", "registryName": "crmlwcmk",
                 "encryptionIdentityId": f"{GROUP}/Microsoft.ManagedIdentity/"
                                         "userAssignedIdentities/id-cmk"},
     ["encryptionIdentityId = ", "is not allowed: nothing without encryptionKeyVaultName"]),
    (BATCH, {"workspaceId": WORKSPACE_ID, "endpointName": "fraud-batch-x",
             "defaultDeployment": "red",
             "deployments": [deployment_inputs("blue", computeId=CLUSTER_ID)]},
     ["defaultDeployment = 'red' is not allowed: the name of one of deployments (blue)"]),
    (CLUSTER, {"workspaceId": WORKSPACE_ID, "computeName": "batch", "batchJobs": True},
     ["batchJobs = True is not allowed without identityId: False: batch jobs need the cluster "
      "to run as a user-assigned identity"]),
], ids=["workspace-required-only", "workspace-both-registries", "workspace-every-mistake",
        "kubernetes-required-only", "cluster-half-a-node", "cluster-every-mistake-at-once",
        "endpoint-every-mistake-at-once", "kubernetes-every-mistake-at-once",
        "kubernetes-existing-cluster-mistakes", "registry-every-mistake-at-once",
        "batch-every-mistake-at-once", "workspace-key-without-vault",
        "batch-default-unknown", "cluster-batch-without-identity"])
def test_inputs_the_components_cannot_build_are_refused_by_name(host: ProviderHost, type_: str,
                                                                inputs: dict[str, Any],
                                                                words: list[str]) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        host.construct(type_, inputs.get("workspaceName") or inputs.get("endpointName")
                       or inputs.get("registryName") or inputs["computeName"], inputs)
    for word in words:
        assert word in refused.value.details(), (word, refused.value.details())
    assert "MIIB" not in refused.value.details() and "MIGH" not in refused.value.details()


def test_each_component_registers_what_it_is_made_of_and_no_upload(
        built: dict[str, Constructed]) -> None:
    made = {key: kinds(c.run) for key, c in built.items()}
    assert made["identity-every"] == {"UserAssignedIdentity"}
    assert {"Workspace", "StorageAccount", "Vault", "Registry", "RoleAssignment"} \
        <= made["workspace-every"]
    assert "Registry" not in made["workspace-required"]  # an existing one, by id
    assert {"Compute", "RoleAssignment"} <= made["cluster-every"]
    assert {"OnlineEndpoint", "OnlineDeployment", "RoleAssignment"} <= made["endpoint-deployments"]
    assert "OnlineDeployment" not in made["endpoint-required"]
    assert {"ManagedCluster", "Extension", "Compute", "InstanceType"} <= made["kubernetes-created"]
    assert "ManagedCluster" not in made["kubernetes-existing"]
    assert {"BatchEndpoint", "BatchDeployment", "Deployment", "RoleAssignment"} \
        <= made["batch-every"]
    assert "BatchDeployment" not in made["batch-required"]
    # uploads are not part of the package: a dynamic resource would run in the consumer's Python
    assert all(r.type != ENTRA_BLOB for c in built.values() for r in c.run.resources.values())


def test_every_workload_retries_through_a_hook_its_construct_registered(
        deployment: MockDeployment, built: dict[str, Constructed]) -> None:
    hooked = {key: kinds(c.run, hooked=True) for key, c in built.items()}
    assert hooked == {
        "identity-required": set(), "identity-every": set(),
        # encrypted with a customer-managed key, its storage and Premium registry wait for the
        # key's grant too
        "workspace-required": {"Workspace"},
        "workspace-every": {"Workspace", "StorageAccount", "Registry"},
        "cluster-required": {"Compute"}, "cluster-every": {"Compute"},
        "endpoint-required": set(), "endpoint-deployments": {"OnlineDeployment"},
        "kubernetes-required": {"Compute"}, "kubernetes-created": {"Compute"},
        "kubernetes-existing": {"Compute"}, "endpoint-kubernetes": {"OnlineDeployment"},
        "registry-required": set(), "registry-created": set(),
        "batch-required": set(), "batch-every": {"BatchDeployment"}}
    names: list[str] = []
    for c in built.values():
        bound = {name for r in c.run.resources.values() for name in r.error_hooks}
        assert len(bound) <= 1  # one hook per Construct, bound to each of its workloads
        names += bound
    assert len(set(names)) == len(names) == 10  # unique in the deployment's one registry
    for name in names:
        assert name.startswith(f"{ROLE_PROPAGATION_HOOK}/") and name in deployment.error_hooks


def test_a_hook_answers_the_engine_from_the_host_process(deployment: MockDeployment,
                                                         built: dict[str, Constructed]) -> None:
    [cluster] = [r for r in built["cluster-every"].run.resources.values() if r.error_hooks]
    [name] = cluster.error_hooks
    ask = dict(urn=cluster.urn, type_=cluster.type)
    assert deployment.error_hook(name, "create", [ACCEPTED_THEN_FAILED], **ask) is False
    assert deployment.error_hook(name, "delete", [REFUSED], **ask) is False
    assert deployment.error_hook(name, "create", ["Status=409 Code=\"Conflict\" Message=\"cannot "
                                                  "create already existing resource\""],
                                 **ask) is False
    warnings = [m for severity, m in deployment.logs if severity == "WARNING"]
    assert any(cluster.urn in m and "Azure accepted the create" in m
               and "run pulumi up again" in m for m in warnings), warnings


def test_an_identity_passed_by_id_holds_the_roles_its_workloads_need(
        built: dict[str, Constructed]) -> None:
    scorer = built["identity-every"].outputs
    me = scorer["principalId"]
    endpoint = built["endpoint-deployments"].run
    assert roles(endpoint) >= {
        (me, "AcrPull", f"{GROUP}/Microsoft.ContainerRegistry/registries/crmlw-shared"),
        (me, "AzureML Metrics Writer (preview)", WORKSPACE_ID),
        (me, "Key Vault Secrets User",
         f"{GROUP}/Microsoft.KeyVault/vaults/kv-mlw-shared/secrets/fraud-api-key")}
    registered = endpoint.one("machinelearningservices:OnlineEndpoint")
    assert registered.inputs["identity"]["userAssignedIdentities"] == [scorer["resourceId"]]
    for key, cluster in (("kubernetes-existing", CLUSTER_ID),
                         ("kubernetes-created", f"{GROUP}/Microsoft.ContainerService/"
                                                "managedClusters/aks-serve")):
        assert {(WORKSPACE_PRINCIPAL, role, cluster) for role in (
            "Reader", "Kubernetes Extension Contributor",
            "Azure Kubernetes Service Cluster Admin Role")} <= roles(built[key].run), key
    attach = next(r for r in built["kubernetes-existing"].run.of_type(
        "azure-native:machinelearningservices:Compute"))
    on_aks = built["endpoint-kubernetes"].run.one("machinelearningservices:OnlineEndpoint")
    assert on_aks.inputs["properties"]["compute"] == attach.id == \
        built["kubernetes-existing"].outputs["resourceId"]


def test_a_registry_grants_publishers_and_consumers_by_object_id(
        built: dict[str, Constructed]) -> None:
    scorer = built["identity-every"].outputs["principalId"]
    created = built["registry-created"]
    registry = created.run.one("machinelearningservices:Registry")
    assert created.outputs["resourceId"] == registry.id
    assert created.outputs["assetUriPrefix"] == "azureml://registries/mlreg-scoring"
    assert roles(created.run) == {(PEOPLE, "AzureML Registry User", registry.id),
                                  (scorer, "Reader", registry.id)}
    assert registry.protect and registry.inputs["publicNetworkAccess"] == "Disabled"
    assert kinds(built["registry-required"].run) == set()  # an existing one: nothing to grant


def test_a_batch_endpoint_passed_clusters_by_id_grants_its_invokers_and_runs_there(
        built: dict[str, Constructed]) -> None:
    train = built["cluster-every"]
    me = built["identity-every"].outputs["principalId"]
    storage = next(scope for who, role, scope in roles(train.run)
                   if role == "Storage Blob Data Contributor")
    assert {(me, role, storage) for role in (
        "Storage Queue Data Contributor", "Storage Table Data Contributor")} <= roles(train.run)
    batch = built["batch-every"].run
    assert roles(batch) == {
        (INVOKER, "AzureML Data Scientist", WORKSPACE_ID),
        (INVOKER, "Storage Blob Data Contributor",
         f"{GROUP}/Microsoft.Storage/storageAccounts/stmlw-shared")}
    green = batch.one("machinelearningservices:BatchDeployment", "batch-every-green")
    assert green.inputs["properties"]["compute"] == train.outputs["resourceId"]
    assert green.inputs["properties"]["retrySettings"] == {"maxRetries": 5, "timeout": "PT45S"}
    writer = batch.one("resources:Deployment")
    assert writer.inputs["properties"]["parameters"]["defaultDeployment"] == {"value": "green"}


def test_numbers_reach_azure_as_whole_numbers(built: dict[str, Constructed]) -> None:
    # Construct hands every number over as a float; the package makes integers ints again
    cluster = built["cluster-every"].run.one("machinelearningservices:Compute")
    scale = cluster.inputs["properties"]["properties"]["scaleSettings"]
    assert scale["nodeIdleTimeBeforeScaleDown"] == "PT600S"
    assert (scale["minNodeCount"], scale["maxNodeCount"]) == (0, 4)


def test_an_engine_older_than_the_minimum_cli_is_refused(host: ProviderHost,
                                                         deployment: MockDeployment) -> None:
    deployment.cli_version = "3.243.0"
    try:
        with pytest.raises(grpc.RpcError) as refused:
            host.construct(CLUSTER, "old-cli", {"workspaceId": WORKSPACE_ID,
                                                "computeName": "old-cli"})
        host.construct(IDENTITY, "no-workload", {"resourceGroupName": "rg",
                                                  "location": "westeurope",
                                                  "identityName": "id-no-workload"})
    finally:
        deployment.cli_version = "3.244.0"
    for word in (MINIMUM_PULUMI_CLI, "#23347", "3.243.0"):
        assert word in refused.value.details()


def test_a_workspace_given_an_encryption_identity_is_encrypted_with_a_key_only_it_uses(
        built: dict[str, Constructed]) -> None:
    scorer = built["identity-every"].outputs
    made = built["workspace-every"].run
    key = made.one("keyvault:Key")
    assert roles(made) >= {(scorer["principalId"], "Key Vault Crypto Service Encryption User",
                            key.id)}
    ml = made.one("machinelearningservices:Workspace")
    assert ml.inputs["hbiWorkspace"] is True
    assert ml.inputs["encryption"]["status"] == "Enabled"
    assert ml.inputs["encryption"]["identity"] == {"userAssignedIdentity": scorer["resourceId"]}
    assert made.one("storage:StorageAccount").inputs["encryption"]["keySource"] == \
        "Microsoft.Keyvault"
    assert "encryption" in made.one("containerregistry:Registry").inputs  # Premium
    assert made.one("keyvault:Vault", "workspace-every-key-key-vault").inputs["properties"][
        "enablePurgeProtection"] is True
