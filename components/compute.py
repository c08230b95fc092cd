"""AmlCompute cluster that runs jobs as a managed identity.

The cluster scales to zero when idle, has SSH (remote login) closed and local (key) auth off.
Its identity pulls images and reads and writes job data as itself: AcrPull on the workspace
registry ("Set up authentication between Azure Machine Learning and other services", Compute
cluster) and Storage Blob Data Contributor on the workspace storage, where jobs write their outputs,
models and MLflow artifacts through the identity-based default datastore
(how-to-disable-local-auth-storage, "Scenarios for role assignments"). Azure grants AcrPull to a
system-assigned cluster identity itself, so the stack grants that one only the data role.
A cluster takes a system-assigned identity or user-assigned ones, never both.

``extra_pulls`` and ``extra_reads`` add AcrPull on more registries (a private base-image registry:
seed 002, "Pull Docker base image to machine learning compute cluster for training as is") and
Storage Blob Data Reader on more data (identity-based datastores: seed 002, "Data storage");
``secrets`` gives Key Vault Secrets User on each named secret of the workspace vault, which jobs
read as the cluster identity (how-to-use-secrets-in-runs), and on nothing else in the vault.

A cluster that runs batch endpoint deployments (``batch_jobs``) runs them as Parallel Run Step
jobs, which on keyless storage need Storage Queue Data Contributor and Storage Table Data
Contributor for the compute's user-assigned identity (how-to-disable-local-auth-storage,
"Scenarios for role assignments"); the cluster's identity holds them, once, however many
deployments run there (:class:`ClusterRef`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, InstanceOf, SkipValidation, StrictBool, StrictInt

from . import catalog
from .access import (
    PRINCIPAL_OR_SCOPE,
    ROLE_ASSIGNMENT,
    AzureGrant,
    Grant,
    Principal,
    after,
    grant,
    secret_grants,
)
from .arguments import (
    VM_SIZE_PATTERN,
    Arguments,
    Problem,
    SecretName,
    StrInput,
    azure_name,
    size_problems,
)
from .azure import sources
from .azure.names import RULES
from .azure.vm_sizes import ml_compute_size_problem
from .catalog import LIES, Fixed, Seconds, Shown
from .identity import USER_ASSIGNED_IDENTITY, UserIdentity, ml_identity, runs_as
from .network_provisioning import NETWORK_PROVISIONING
from .workspace import ML_WORKSPACE, WorkspaceRef, in_workspace

COMPUTE = catalog.register(catalog.ResourceType(
    "azure-native:machinelearningservices:Compute", "compute cluster",
    id_template=in_workspace("computes/{computeName}"), name="computeName",
    name_rule=RULES["compute"], kind_input="properties.computeType",
    requires={ML_WORKSPACE: "compute belongs to its workspace",
              NETWORK_PROVISIONING: "compute runs in the managed network, which only a compute or "
                                    "a call provisions on an existing workspace",
              USER_ASSIGNED_IDENTITY: "compute runs as its identity",
              ROLE_ASSIGNMENT: "nodes pull images and mount data as the identity when they start "
                               "(a compute instance starts at once)"}))
"""An Azure ML compute; each kind (cluster, instance, attached Kubernetes) is registered by the
module that makes it."""
catalog.require(ROLE_ASSIGNMENT, {COMPUTE: PRINCIPAL_OR_SCOPE})
VM_SIZE = Shown("vm size", "properties.properties.vmSize")
LOCAL_AUTH = Shown("local auth disabled", "properties.disableLocalAuth", False)
NODE_PUBLIC_IP = Shown("node public ip", "properties.properties.enableNodePublicIp")
"""Settings every kind of compute with nodes shows."""
catalog.register_kind(COMPUTE, catalog.Kind(
    "AmlCompute", Seconds(60, catalog.ESTIMATE),
    fixed=(Fixed("properties.properties.vmSize", LIES,
                 "Azure keeps a cluster's VM size on update and reports success",
                 "hashicorp/terraform-provider-azurerm#15825; Azure/azure-rest-api-specs#18889 ("
                 "\"the cluster is created with the previous vmSize\")"),
           Fixed("properties.properties.vmPriority", LIES,
                 "Azure keeps a cluster's VM priority on update (only scale settings update)",
                 "Azure/azure-rest-api-specs machineLearningServices Compute_Update: the PATCH "
                 "body carries scaleSettings only")),
    shown=(VM_SIZE,
           Shown("priority", "properties.properties.vmPriority", "Dedicated"),
           Shown("min nodes", "properties.properties.scaleSettings.minNodeCount"),
           Shown("max nodes", "properties.properties.scaleSettings.maxNodeCount"),
           Shown("idle before scale-down",
                 "properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown"),
           LOCAL_AUTH,
           Shown("ssh", "properties.properties.remoteLoginPortPublicAccess"),
           NODE_PUBLIC_IP)))


VmPriority = Literal["Dedicated", "LowPriority"]
"""Azure ML's ``VmPriority``."""


class ComputeClusterSpec(Arguments):
    """One AmlCompute cluster."""

    compute_name: Annotated[str, azure_name("compute")]
    """Name in the workspace (what jobs name as `compute: azureml:<name>`)."""
    vm_size: str = Field("Standard_DS3_v2", pattern=VM_SIZE_PATTERN)
    """VM size of the nodes, one Azure ML compute offers (a change replaces the cluster)."""
    vm_priority: VmPriority = "Dedicated"
    """LowPriority is cheaper and may be preempted."""
    min_nodes: StrictInt = Field(0, ge=0, le=1000)
    """Nodes kept when idle."""
    max_nodes: StrictInt = Field(2, ge=1, le=1000)
    """Nodes at most (at least min nodes)."""
    idle_seconds_before_scale_down: StrictInt = Field(120, ge=0, le=7 * 24 * 3600)
    """Seconds a node idles before it is released."""
    secrets: tuple[SecretName, ...] = ()
    """Names of workspace key vault secrets job code reads as the cluster identity (Key Vault
    Secrets User on each, never the whole vault); each must exist."""

    def cross_checks(self) -> list[Problem]:
        if self.max_nodes < self.min_nodes:
            return [Problem(("max_nodes",), self.max_nodes,
                            f"at least {{min_nodes}} ({self.min_nodes})")]
        return []


class ComputeClusterArgs(ComputeClusterSpec):
    """Arguments of :class:`ComputeCluster`: the cluster, the workspace it joins and what it runs
    as."""

    workspace: InstanceOf[WorkspaceRef]
    identity: SkipValidation[UserIdentity | None] = None
    """User-assigned identity jobs run as; None for a system-assigned identity."""
    extra_pulls: Mapping[str, StrInput] = {}
    """More registries to pull from, by a short target name (e.g. ``private-registry``)."""
    extra_reads: Mapping[str, StrInput] = {}
    """More blob data to read (an account or container id), by a short target name."""
    secrets_made_by: Sequence[pulumi.Resource] = ()
    """What creates those of ``secrets`` that the program makes: a grant on one secret is made
    after the secret exists."""
    node_public_ip: StrictBool = True
    """Nodes with public IPs (Azure's default); False in a managed network, where nodes reach
    out only through it (fixed at creation: a change replaces the cluster)."""
    allow_unlisted_vm_size: StrictBool = False
    """Take a VM size this package does not list for Azure ML compute (one newer than its
    list)."""
    batch_jobs: StrictBool = False
    """Runs batch endpoint deployments: its identity also gets Storage Queue Data Contributor and
    Storage Table Data Contributor on the workspace storage."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks() + offered_size(self.vm_size, self.allow_unlisted_vm_size)
        if self.batch_jobs and self.identity is None:
            found.append(Problem(("batch_jobs",), True, BATCH_IDENTITY, when="without {identity}"))
        return found


BATCH_IDENTITY = ("False: batch jobs need the cluster to run as a user-assigned identity, the one "
                  "Microsoft documents Storage Queue and Table Data Contributor for "
                  "(how-to-disable-local-auth-storage, Parallel Run Step)")
"""Why a batch deployment needs a cluster with a user-assigned identity."""
BATCH_ROLES = ("Storage Queue Data Contributor", "Storage Table Data Contributor")
"""What a batch job's compute identity needs on keyless workspace storage besides the blob role
every cluster gets (how-to-disable-local-auth-storage, Parallel Run Step)."""


@dataclass(frozen=True)
class ClusterRef:
    """A compute cluster as a batch deployment runs on it: its id, and what the program knows
    of its identity."""

    id: pulumi.Input[str]
    """Resource id of the cluster."""
    name: str
    """What problems call it (its name in the workspace, or its id)."""
    user_assigned: bool | None = None
    """Whether jobs run as a user-assigned identity; None where the program does not know (a
    cluster it does not make)."""
    batch_grants: Sequence[Grant] = ()
    """The batch data roles its identity holds (:data:`BATCH_ROLES`), which a deployment waits
    for."""

    @staticmethod
    def existing(compute_id: pulumi.Input[str]) -> ClusterRef:
        """A cluster this program does not make, by resource id: its identity must hold the batch
        roles already."""
        name = compute_id.rsplit("/", 1)[-1] if isinstance(compute_id, str) else "cluster"
        return ClusterRef(compute_id, name)


def offered_size(vm_size: str, allow_unlisted: bool) -> list[Problem]:
    """``vm_size`` where Azure ML compute does not offer it, unless ``allow_unlisted_vm_size``
    takes sizes newer than the list."""
    return [] if allow_unlisted else size_problems(
        ("vm_size",), vm_size, ml_compute_size_problem, "allow_unlisted_vm_size")


class ComputeCluster(pulumi.ComponentResource):
    """An AmlCompute cluster and the roles its identity needs."""

    id: pulumi.Output[str]
    name: pulumi.Output[str]
    """Name of the cluster in the workspace."""
    principal: Principal
    """What the cluster runs as: its user-assigned identity or its own system identity."""
    principal_id: pulumi.Output[str]
    """Principal id of the identity the cluster runs as."""
    client_id: pulumi.Output[str | None]
    """Client id of the user-assigned identity (a job's ``DEFAULT_IDENTITY_CLIENT_ID``); None when
    the cluster runs as its system-assigned identity."""
    grants: list[Grant]
    """The roles this component grants the cluster identity."""
    azure_grants: list[AzureGrant]
    """The roles Azure itself grants a system-assigned cluster identity (AcrPull on the workspace
    registry); none for a user-assigned one."""
    ref: ClusterRef
    """This cluster, for the batch deployments that run on it."""

    def __init__(self, name: str, args: ComputeClusterArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:compute:ComputeCluster", name, {}, opts)
        ws = args.workspace
        user = args.identity
        self.grants = [] if user is None else compute_grants(
            self, name, ws, user.principal, system_assigned=False,
            extra_pulls=args.extra_pulls, extra_reads=args.extra_reads, secrets=args.secrets,
            secrets_made_by=args.secrets_made_by)
        batch = [] if user is None or not args.batch_jobs else [
            grant(self, f"{name}-storage", user.principal, role, ws.storage_account_id,
                  sources.BATCH_JOBS) for role in BATCH_ROLES]
        self.grants += batch

        compute = ml.Compute(
            name,
            compute_name=args.compute_name,
            **ws.inside(),
            identity=ml_identity(args.identity),
            properties=ml.AmlComputeArgs(
                compute_type="AmlCompute",
                disable_local_auth=True,
                properties=ml.AmlComputePropertiesArgs(
                    vm_size=args.vm_size,
                    vm_priority=args.vm_priority,
                    scale_settings=ml.ScaleSettingsArgs(
                        min_node_count=args.min_nodes,
                        max_node_count=args.max_nodes,
                        node_idle_time_before_scale_down=f"PT{args.idle_seconds_before_scale_down}S",
                    ),
                    remote_login_port_public_access=ml.RemoteLoginPortPublicAccess.DISABLED,
                    enable_node_public_ip=args.node_public_ip,
                ),
            ),
            tags=dict(args.tags),
            # The cluster sets up image pulls and data mounts as its identity when it starts.
            opts=after(self.grants, also=in_network(ws), parent=self,
                       **compute_lifecycle(ws, CLUSTER_CREATE_ONLY)),
        )

        self.principal, self.client_id = runs_as(user, compute, compute.name)
        self.principal_id = pulumi.Output.from_input(self.principal.id)
        self.azure_grants = []
        if user is None:  # Azure grants a system identity AcrPull itself, but not data access
            self.grants = compute_grants(self, name, ws, self.principal, system_assigned=True,
                                         extra_pulls=args.extra_pulls, extra_reads=args.extra_reads,
                                         secrets=args.secrets,
                                         secrets_made_by=args.secrets_made_by)
            self.azure_grants = [AzureGrant(self.principal, "AcrPull", ws.container_registry_id,
                                            sources.CLUSTER_AUTOMATIC)]
        self.id = compute.id
        self.name = compute.name
        self.ref = ClusterRef(compute.id, args.compute_name, user is not None, batch)
        self.register_outputs({"id": self.id, "name": self.name,
                               "principal_id": self.principal_id, "client_id": self.client_id})


CLUSTER_CREATE_ONLY = ["properties.properties.vmSize", "properties.properties.vmPriority",
                       "properties.properties.enableNodePublicIp"]
"""What Azure keeps from a cluster's creation whatever an update says (terraform-provider-azurerm
#15825, Azure/azure-rest-api-specs#18889: the cluster stays on its first VM size; the REST PATCH
carries scale settings only)."""


def compute_lifecycle(ws: WorkspaceRef, create_only: list[str]) -> dict[str, Any]:
    """Resource options of a compute: a change of a ``create_only`` property replaces it (deleting
    it first, as the name stays), and deleting the workspace deletes it (Azure hard-deletes the
    computes of a workspace it deletes; concept-soft-delete), so a destroy makes no compute delete
    call of its own."""
    return dict(replace_on_changes=create_only, delete_before_replace=True,
                deleted_with=ws.resource)


def in_network(ws: WorkspaceRef) -> list[pulumi.Resource]:
    """What a compute or deployment waits for besides its grants: the workspace's managed network,
    provisioned ("To create an online deployment, you must manually provision the managed
    network"; the first compute would provision it otherwise, taking 30 minutes and more)."""
    return list(ws.ready)


def compute_grants(owner: pulumi.Resource, name: str, ws: WorkspaceRef, principal: Principal, *,
                   system_assigned: bool, extra_pulls: Mapping[str, pulumi.Input[str]],
                   extra_reads: Mapping[str, pulumi.Input[str]],
                   secrets: Sequence[str] = (),
                   secrets_made_by: Sequence[pulumi.Resource] = ()) -> list[Grant]:
    """What a compute identity needs to pull images and read and write job data: AcrPull on the
    workspace registry (Azure grants it to a system-assigned identity itself) and on
    ``extra_pulls``, Storage Blob Data Contributor on the workspace storage, Storage Blob Data
    Reader on ``extra_reads``, Key Vault Secrets User on each of ``secrets`` (after
    ``secrets_made_by``)."""
    pulls = dict(extra_pulls) if system_assigned else {"registry": ws.container_registry_id,
                                                       **extra_pulls}
    return ([grant(owner, f"{name}-{target}", principal, "AcrPull", scope,
                   sources.PRIVATE_REGISTRY if target in extra_pulls else sources.COMPUTE_IDENTITY)
             for target, scope in pulls.items()]
            + [grant(owner, f"{name}-storage", principal, "Storage Blob Data Contributor",
                     ws.storage_account_id, sources.JOB_OUTPUTS)]
            + [grant(owner, f"{name}-{target}", principal, "Storage Blob Data Reader", scope,
                     sources.COMPUTE_IDENTITY) for target, scope in extra_reads.items()]
            + secret_grants(owner, name, principal, ws.key_vault_id, secrets,
                            sources.SECRETS_IN_RUNS, depends_on=secrets_made_by))
