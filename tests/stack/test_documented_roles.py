"""Every role a workload identity or a person holds is one Microsoft documents for it, and every
role Microsoft documents for it is held: the stacks checked against a table written from the
pages, not from the code.

Pages (MicrosoftDocs/azure-ai-docs ``articles/machine-learning/`` unless said):
- KEYLESS: how-to-disable-local-auth-storage (2026-01-30), "Scenarios for role assignments" and
  "Limitations";
- IDENTITY: how-to-identity-based-service-authentication (seed 002), the user-assigned workspace
  identity's table, Compute cluster, Data storage, private registry;
- NETWORK: how-to-managed-network, "Required permissions" and "Azure Machine Learning studio";
- ENDPOINT: concept-endpoints-online-auth, "Automatic role assignment for endpoint identity";
- INSTANCE: how-to-create-compute-instance, "Create on behalf of";
- ATTACH: how-to-attach-kubernetes-to-workspace;
- ROLES: how-to-assign-roles (AzureML Data Scientist; Managed Identity Operator footnote);
- SECRETS: how-to-use-secrets-in-runs, and seed 003 (scoring code reads its secrets);
- REGISTRIES: how-to-manage-registries ("To let a user only read assets ... the built-in Reader
  role"), how-to-registry-network-isolation (the identity that creates assets "must be assigned
  the AzureML Registry User, owner, or contributor role"), how-to-assign-roles (AzureML Registry
  User); no page names a role for the endpoint or cluster identity that runs a registry asset:
  Reader, the role for using assets, is the package's choice (at risk).
- BATCH: how-to-authenticate-batch-endpoint, "Configure RBAC for batch endpoint invoke" (the
  invoker's actions, which AzureML Data Scientist holds) and "How authorization works" (the
  invoker reads and writes the data stores).
- CMK: concept-customer-managed-keys ("The managed identity for the services that you help secure
  by using a customer-managed key must have the following permissions to the key vault: Wrap
  Key, Unwrap Key, Get"), which Key Vault Crypto Service Encryption User holds (built-in roles,
  Security); storage and container-registry customer-managed-keys assign it on the vault, the
  package on the key alone (Key Vault rbac-guide: roles on individual keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from components.azure.roles import ROLE_BY_GUID
from components.testing.mocks import DEPLOYER_OBJECT_ID
from components.testing.runner import Registration, StackRun
from offline.policy_check import stack_settings
from stack.config import StackSettings
from stack.config.batch_endpoints import batch_clusters

from ..conftest import ALICE, BATCH, FULL, ROLE_ASSIGNMENT, SHARED, TEAM, shared_run

Settings = Callable[[StackSettings], bool]
ALWAYS: Settings = lambda s: True  # noqa: E731


@dataclass(frozen=True)
class Need:
    """One role Microsoft documents for a kind of principal on a kind of scope."""

    principal: str
    role: str
    scope: str
    page: str
    when: Settings = ALWAYS
    """The stacks in which the need applies (the feature that brings it is on)."""


def _network(s: StackSettings) -> bool:
    return s.network is not None


def _data(s: StackSettings) -> bool:
    return s.data_storage is not None


def _private_registry(s: StackSettings) -> bool:
    return s.private_registry_id is not None


def _cmk(s: StackSettings) -> bool:
    return s.customer_managed_key


def _uploads(s: StackSettings) -> bool:
    return s.sample_data or any(e.deployments for e in s.online_endpoints)


# --- the Azure ML registry (mlRegistry): publishers and consumers -------------------------------
def _registry(s: StackSettings) -> bool:
    return s.ml_registry is not None


def _publishes(s: StackSettings) -> bool:
    return s.ml_registry is not None and s.ml_registry.publish


def _consumes(s: StackSettings) -> bool:
    return s.ml_registry is not None and not s.ml_registry.publish


REGISTRY_NEEDS: tuple[Need, ...] = (
    *(Need(kind, "AzureML Registry User", "ml registry", "REGISTRIES: the identity that creates "
           "assets (jobs and CI register models and environments)", _publishes)
      for kind in ("cluster", "automation", "registry publisher")),
    *(Need(kind, "Reader", "ml registry", "REGISTRIES: using assets", _consumes)
      for kind in ("cluster", "automation")),
    Need("registry consumer", "Reader", "ml registry", "REGISTRIES: using assets"),
    Need("endpoint", "Reader", "ml registry", "REGISTRIES: using assets (at risk: no page "
         "names the endpoint identity's role)", _registry),
    Need("workspace", "Azure AI Enterprise Network Connection Approver", "ml registry",
         "NETWORK: the private endpoint rule to the registry",
         lambda s: _network(s) and _registry(s)),
)
"""What publishers and consumers of an Azure ML registry need (REGISTRIES)."""


DOCUMENTED: tuple[Need, ...] = (
    # The user-assigned workspace identity (IDENTITY, its table).
    *(Need("workspace", role, scope, "IDENTITY: roles required on the workspace's user-assigned "
           "identity") for role, scope in (
        ("Contributor", "workspace"), ("Contributor", "workspace storage"),
        ("Storage Blob Data Contributor", "workspace storage"), ("Contributor", "key vault"),
        ("Key Vault Administrator", "key vault"), ("Contributor", "workspace registry"),
        ("Contributor", "application insights"))),
    *(Need("workspace", "Azure AI Enterprise Network Connection Approver", scope,
           "NETWORK: the workspace identity approves its managed network's private endpoints",
           when) for scope, when in (("workspace storage", _network), ("key vault", _network),
                                     ("workspace registry", _network),
                                     ("data storage", lambda s: _network(s) and _data(s)))),
    *(Need("workspace", "Reader", scope, "NETWORK, studio: Reader on the client network's "
           "storage private endpoints for the workspace identity", when)
      for scope, when in (("storage private endpoint", _network),)),
    Need("workspace", "Managed Identity Operator", "registry pull identity",
         "IDENTITY, private registry: the workspace assigns the identity to ACR Tasks",
         _private_registry),
    *(Need("workspace", role, "kubernetes cluster", "ATTACH: the workspace identity on the "
           "cluster it attaches", lambda s: s.kubernetes is not None)
      for role in ("Reader", "Kubernetes Extension Contributor",
                   "Azure Kubernetes Service Cluster Admin Role")),
    # Compute clusters and instances (IDENTITY, Compute cluster; KEYLESS; SECRETS).
    *(Need(kind, "AcrPull", "workspace registry", "IDENTITY: compute pulls images as its "
           "identity") for kind in ("cluster", "instance")),
    *(Need(kind, "Storage Blob Data Contributor", "workspace storage", "KEYLESS: Model "
           "Registry and ML Flow, jobs write to the identity-based default datastore")
      for kind in ("cluster", "instance")),
    *(Need(kind, "AcrPull", "private registry", "IDENTITY: pulling base images from a private "
           "registry", _private_registry) for kind in ("cluster", "instance", "endpoint")),
    *(Need(kind, "Storage Blob Data Reader", "data container", "IDENTITY, Data storage: "
           "compute reads identity-based data as itself", _data)
      for kind in ("cluster", "instance")),
    *(Need(kind, "Key Vault Secrets User", "secret", "SECRETS: the identity reads the named "
           "secrets", lambda s: False) for kind in ("cluster", "instance", "endpoint")),
    Need("instance", "Storage File Data Privileged Contributor", "workspace storage",
         "KEYLESS, Limitations: the instance's user-assigned identity"),
    Need("instance", "Contributor", "workspace", "IDENTITY: idle shutdown needs the identity to "
         "be Contributor on the workspace"),
    # The instance's owner (INSTANCE; KEYLESS: Compute Instance, notebooks).
    Need("instance owner", "AzureML Compute Operator", "compute instance",
         "INSTANCE, Create on behalf of"),
    *(Need(person, role, "workspace storage", "KEYLESS: users need Storage Blob Data "
           "Contributor and Storage File Data Privileged Contributor")
      for person in ("instance owner", "data user")
      for role in ("Storage Blob Data Contributor", "Storage File Data Privileged Contributor")),
    Need("data user", "Storage Blob Data Reader", "data container",
         "IDENTITY, Data storage: users read identity-based data as themselves"),
    Need("data user", "AzureML Data Scientist", "workspace", "ROLES: submit jobs"),
    # Online endpoints (ENDPOINT; KEYLESS for the storage role, the stricter of the two).
    Need("endpoint", "AcrPull", "workspace registry", "ENDPOINT"),
    Need("endpoint", "Storage Blob Data Contributor", "workspace storage",
         "KEYLESS: managed online endpoint (ENDPOINT says Storage Blob Data Reader)"),
    Need("endpoint", "AzureML Metrics Writer (preview)", "workspace", "ENDPOINT"),
    # Kubernetes compute's own identity (ATTACH).
    Need("kubernetes compute", "AcrPull", "workspace registry", "ATTACH"),
    Need("kubernetes compute", "Storage Blob Data Reader", "workspace storage", "ATTACH"),
    # The private registry's pull identity (IDENTITY, private registry).
    Need("registry pull", "AcrPull", "private registry", "IDENTITY, private registry"),
    # The CI identity that ships models (ROLES).
    Need("automation", "AzureML Data Scientist", "workspace", "ROLES: deploy endpoints"),
    Need("automation", "Storage Blob Data Contributor", "workspace storage",
         "KEYLESS: registering a model from local files"),
    Need("automation", "Managed Identity Operator", "endpoint identity",
         "ROLES, footnote: assigning a user-assigned identity to an endpoint",
         lambda s: any(e.identity == "userAssigned" for e in s.online_endpoints)),
    # Batch endpoints: the cluster identity their jobs run as (KEYLESS: Parallel Run Step) and
    # the invokers the stack grants (BATCH; the CI identity and data users hold both already).
    *(Need("batch cluster", role, "workspace storage", "KEYLESS: Parallel Run Step needs the "
           "compute's user-assigned identity to hold it") for role in (
        "Storage Queue Data Contributor", "Storage Table Data Contributor")),
    Need("batch invoker", "AzureML Data Scientist", "workspace", "BATCH: the invoke actions"),
    Need("batch invoker", "Storage Blob Data Contributor", "workspace storage",
         "BATCH: the invoker reads and writes the data stores; KEYLESS: datastores and datasets"),
    # The identity the services encrypted with the customer-managed key use it as (CMK).
    Need("encryption", "Key Vault Crypto Service Encryption User", "encryption key",
         "CMK: Wrap Key, Unwrap Key, Get", _cmk),
    # Whoever runs pulumi up and uploads (KEYLESS: "registration of a model from local files").
    Need("deployer", "Storage Blob Data Contributor", "assets container", "KEYLESS", _uploads),
    *REGISTRY_NEEDS,
)
"""Microsoft's documented needs. Key Vault Secrets User applies per named secret (checked on
its own below), never by default."""

PURPOSES = {"workspace": "workspace", "registry-pull": "registry pull",
            "automation": "automation", "cluster-": "cluster", "instance-": "instance",
            "endpoint-": "endpoint", "kubernetes-": "kubernetes compute",
            "encryption": "encryption"}
"""Identity purposes (id-<workload>-<env>-<purpose>) by the kind of principal: a name, or a prefix
followed by the workload's name. Others are the workspace's additional identities
(workspaceIdentities), which this package grants nothing."""


def principal_kinds(run: StackRun, s: StackSettings, principal_id: str) -> frozenset[str]:
    """What a principal is to the stack (a person can own an instance and read the data)."""
    if principal_id == DEPLOYER_OBJECT_ID:
        return frozenset({"deployer"})
    holder = run.owner_of(principal_id)
    if holder is None:
        users = {u.object_id for u in s.data_users}
        return frozenset({
            *(["instance owner"] if principal_id in {
                i.assigned_user_object_id for i in s.compute_instances} else []),
            *(["data user"] if principal_id in users else []),
            *(["batch invoker"] if principal_id in {
                u.object_id for e in s.batch_endpoints for u in e.invokers} - users else []),
            *([kind for kind, people in (
                ("registry publisher", s.ml_registry.publishers),
                ("registry consumer", s.ml_registry.consumers))
               if principal_id in {u.object_id for u in people}] if s.ml_registry else [])})
    if holder.type.endswith("UserAssignedIdentity"):
        purpose = str(holder.azure_name).split(f"-{run.stack}-", 1)[1]
        batch = {f"cluster-{c}" for c in batch_clusters(s)}
        return frozenset({next((kind for prefix, kind in PURPOSES.items()
                                if purpose == prefix or (prefix.endswith("-")
                                and purpose.startswith(prefix))), "additional identity"),
                          *(["batch cluster"] if purpose in batch else [])})
    return frozenset({{"Workspace": "workspace", "Compute": "cluster",
                       "OnlineEndpoint": "endpoint"}[holder.type.rsplit(":", 1)[1]]})


def scope_kind(run: StackRun, s: StackSettings, scope: str) -> str:
    if "/secrets/" in scope:
        return "secret"
    if "/providers/microsoft.machinelearningservices/registries/" in scope.lower():
        return "ml registry"
    owner: Registration | None = run.owner_of(scope)
    if owner is None:
        return ("private registry" if scope == s.private_registry_id else
                "workspace registry" if scope == s.existing_registry_id else scope)
    by_name = {"workspace-storage": "workspace storage", "data-storage": "data storage",
               "data-container": "data container", "assets-container": "assets container",
               "registry": "workspace registry", "workspace-key-vault": "key vault",
               "workspace-insights": "application insights", "workspace": "workspace",
               "encryption-key": "encryption key"}
    if owner.name in by_name:
        return by_name[owner.name]
    kind = owner.type.rsplit(":", 1)[1]
    if kind == "PrivateEndpoint":
        return "storage private endpoint" if "-pe-storage-" in owner.name or \
            owner.name.endswith("-pe-data-blob") else "private endpoint"
    if kind == "UserAssignedIdentity":
        return "registry pull identity" if owner.name.startswith("registry-pull") \
            else "endpoint identity"
    if kind == "Compute":
        return "compute instance"
    if kind == "ManagedCluster":
        return "kubernetes cluster"
    return kind


def held(run: StackRun) -> set[tuple[str, frozenset[str], str, str]]:
    """(principal id, what it is, role, kind of scope) of every role assignment."""
    s = stack_settings(run)
    return {(a.inputs["principalId"], principal_kinds(run, s, a.inputs["principalId"]),
             ROLE_BY_GUID[a.inputs["roleDefinitionId"].rsplit("/", 1)[1]],
             scope_kind(run, s, a.inputs["scope"])) for a in run.of_type(ROLE_ASSIGNMENT)}


RUNS = {"dev": ("dev", None), "prod": ("prod", None), "aks": ("aks", None),
        "everything": ("prod", FULL), "batch": ("prod", BATCH),
        "system": ("dev", {"workspaceIdentity": "systemAssigned", "computeClusters": [
            {"name": "cpu", "identity": "systemAssigned"}], "onlineEndpoints": [
            {"name": "score", "identity": "systemAssigned", "secrets": ["sample-secret"]}],
            "batchEndpoints": []}),  # a batch cluster runs as a user-assigned identity
        "registry": ("dev", {"mlRegistry": {
            "id": f"{SHARED}/Microsoft.MachineLearningServices/registries/mlreg-shared",
            "publish": True, "publishers": [{"objectId": ALICE, "type": "User"}],
            "consumers": [{"objectId": TEAM, "type": "Group"}]}})}


@pytest.fixture(params=sorted(RUNS))
def documented_run(request: pytest.FixtureRequest) -> StackRun:
    stack, overrides = RUNS[request.param]
    return shared_run(stack, overrides)


def test_no_principal_holds_a_role_microsoft_does_not_document(documented_run: StackRun) -> None:
    s = stack_settings(documented_run)
    undocumented = {(kinds, role, scope) for _, kinds, role, scope in held(documented_run)
                    if not any(n.principal in kinds and (n.role, n.scope) == (role, scope)
                               for n in DOCUMENTED)
                    and (role, scope) != ("Key Vault Secrets User", "secret")}
    assert undocumented == set(), s


def test_every_principal_holds_every_role_microsoft_documents_for_it(
        documented_run: StackRun) -> None:
    s = stack_settings(documented_run)
    found = held(documented_run)
    system = {("cluster", "AcrPull", "workspace registry"),  # Azure grants these itself
              ("endpoint", "AcrPull", "workspace registry"),
              ("endpoint", "Storage Blob Data Contributor", "workspace storage"),
              ("endpoint", "AzureML Metrics Writer (preview)", "workspace")}
    identities = {r.outputs["principalId"] for r in documented_run.of_type(
        "azure-native:managedidentity:UserAssignedIdentity")}
    everyone = {(pid, kinds) for pid, kinds, _, _ in found} | {
        (pid, principal_kinds(documented_run, s, pid)) for pid in identities}
    for pid, kinds in everyone:
        own = {(role, scope) for p, _, role, scope in found if p == pid}
        holder = documented_run.owner_of(pid)
        is_system = holder is not None and not holder.type.endswith("UserAssignedIdentity")
        missing = [n for n in DOCUMENTED if n.principal in kinds and n.when(s)
                   and (n.role, n.scope) not in own
                   and not (is_system and (n.principal, n.role, n.scope) in system)]
        assert missing == [], f"{sorted(kinds)} {pid} lacks {missing}"


def test_each_named_secret_is_granted_alone_to_the_workloads_that_read_it(
        everything: StackRun) -> None:
    s = stack_settings(everything)
    readers = {f"cluster-{c.compute_name}": c.secrets for c in s.compute_clusters}
    readers |= {f"instance-{i.name}": i.secrets for i in s.compute_instances}
    readers |= {f"endpoint-{e.name}": e.secrets for e in s.online_endpoints}
    granted = {(a.parent.rsplit("::", 1)[1], a.inputs["scope"].rsplit("/secrets/", 1)[1])
               for a in everything.of_type(ROLE_ASSIGNMENT) if "/secrets/" in a.inputs["scope"]}
    assert granted == {(who, secret) for who, secrets in readers.items() for secret in secrets}
