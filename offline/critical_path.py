"""The longest chain of resources `pulumi up` must create one after another, and the floor under it.

Pulumi creates a resource as soon as everything it depends on exists, so the wall time of a first
`pulumi up` is the longest path through the dependency graph the program declares, weighted by how
long Azure takes to create each resource. The floor is the same path over only the edges Azure
itself imposes (a resource inside a group needs the group, a workspace needs its dependents and,
with a user-assigned identity, the roles on them, a deployment needs its endpoint and its
identity's roles, ...). Every edge the program declares must be one of those (:data:`REQUIRED`);
an edge that is not would lengthen `pulumi up` for nothing.

Run ``python -m offline.critical_path dev`` to print the chain.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache

from components.kubernetes import INSTANCE_TYPE
from components.testing.mocks import (
    ENTRA_BLOB,
    KUBERNETES_PROVIDER,
    NETWORK_PROVISIONING,
    PROVIDER,
)
from components.testing.runner import Registration, StackRun

from .columns import fit
from .exits import FINDING, OK, run_tool, tool_parser
from .project import add_arguments, from_arguments

ML = "azure-native:machinelearningservices:"
DEPLOYMENT_DOC = ("Microsoft Learn, prompt flow 'Deploy a flow to online endpoint' (azure-docs PR "
                  "#115376): 'This deployment might take up to 20 minutes, depending on whether "
                  "the underlying environment or image is being built for the first time'")
ESTIMATE = ("estimate: typical time of the ARM create operation; Microsoft publishes no figure for "
            "it")

# Pulumi type (or type/computeType) -> (typical seconds to create, where the figure comes from).
SECONDS: dict[str, tuple[int, str]] = {
    "azure-native:resources:ResourceGroup": (2, ESTIMATE),
    "azure-native:managedidentity:UserAssignedIdentity": (5, ESTIMATE),
    "azure-native:managedidentity:FederatedIdentityCredential": (5, ESTIMATE),
    "azure-native:authorization:RoleAssignment": (10, ESTIMATE + " (propagation, up to 10 "
                                                  "minutes per Azure RBAC troubleshooting, is not "
                                                  "waited for by ARM or Pulumi)"),
    "azure-native:storage:StorageAccount": (25, ESTIMATE),
    "azure-native:storage:BlobServiceProperties": (3, ESTIMATE),
    "azure-native:storage:BlobContainer": (3, ESTIMATE),
    ENTRA_BLOB: (2, ESTIMATE + " (a small file; large models take their upload time)"),
    NETWORK_PROVISIONING: (30, "how-to-managed-network: provisioning takes about 30 minutes, done "
                               "here with the workspace (provisionNetworkNow), so the call finds "
                               "it done; 1,800 s when isolation is turned on later"),
    PROVIDER: (0, "configured locally by the engine"),
    "azure-native:network:VirtualNetwork": (10, ESTIMATE),
    "azure-native:network:PrivateEndpoint": (60, ESTIMATE),
    "azure-native:network:PrivateDnsZoneGroup": (10, ESTIMATE),
    "azure-native:privatedns:PrivateZone": (30, ESTIMATE),
    "azure-native:privatedns:VirtualNetworkLink": (30, ESTIMATE),
    "azure-native:keyvault:Vault": (20, ESTIMATE),
    "azure-native:containerregistry:Registry": (30, ESTIMATE),
    "azure-native:operationalinsights:Workspace": (30, ESTIMATE),
    "azure-native:applicationinsights:Component": (10, ESTIMATE),
    ML + "Workspace": (60, ESTIMATE),
    "azure-native:containerservice:ManagedCluster": (420, ESTIMATE + " (an AKS cluster with "
                                                           "its node pool)"),
    "azure-native:kubernetesconfiguration:Extension": (300, ESTIMATE + " (the extension's pods "
                                                             "start in the cluster)"),
    KUBERNETES_PROVIDER: (0, "configured locally by the engine"),
    INSTANCE_TYPE: (2, ESTIMATE + " (a Kubernetes object)"),
    ML + "Compute/Kubernetes": (60, ESTIMATE),
    ML + "Compute/AmlCompute": (60, ESTIMATE),
    ML + "Compute/ComputeInstance": (300, ESTIMATE + " (the instance boots a VM)"),
    ML + "Datastore": (3, ESTIMATE),
    ML + "ModelVersion": (3, ESTIMATE),
    ML + "CodeVersion": (3, ESTIMATE),
    ML + "EnvironmentVersion": (3, ESTIMATE + " (the image is built when a deployment first "
                                              "uses it)"),
    ML + "WorkspaceConnection": (3, ESTIMATE),
    ML + "OnlineEndpoint": (120, ESTIMATE),
    ML + "OnlineDeployment": (1200, DEPLOYMENT_DOC),
    "azure-native:resources:Deployment": (60, ESTIMATE + " (a template: puts the endpoint again, "
                                          "with traffic, or a secret)"),
    "random:index/randomString:RandomString": (0, "computed locally by pulumi-random"),
    "random:index/randomPassword:RandomPassword": (0, "computed locally by pulumi-random"),
}

_ANY_PRINCIPAL_OR_SCOPE = ("UserAssignedIdentity", "StorageAccount", "Vault", "Registry",
                           "Workspace", "Component", "BlobContainer", "Compute", "OnlineEndpoint",
                           "ManagedCluster", "PrivateEndpoint")

# (dependent, dependency) short type names -> why Azure needs the dependency to exist first.
REQUIRED: dict[tuple[str, str], str] = {
    **{("RoleAssignment", kind): "the principal and the scope of an assignment must exist"
       for kind in _ANY_PRINCIPAL_OR_SCOPE},
    ("RoleAssignment", "Deployment"): "a grant on one secret needs the secret, which a template "
                                      "puts",
    ("Workspace", "StorageAccount"): "a workspace is created with its storage account",
    ("Workspace", "Vault"): "a workspace is created with its key vault",
    ("Workspace", "Registry"): "a workspace is created with its registry",
    ("Workspace", "Component"): "a workspace is created with its Application Insights",
    ("Workspace", "UserAssignedIdentity"): "a workspace is created with its identities",
    ("Workspace", "RoleAssignment"): "a user-assigned workspace identity must reach its dependents "
                                     "when the workspace is created (seed 002)",
    ("Component", "Workspace"): "workspace-based Application Insights names its Log Analytics",
    ("BlobServiceProperties", "StorageAccount"): "settings of the account's blob service",
    ("BlobContainer", "StorageAccount"): "a container lives in its account",
    ("EntraBlob", "BlobContainer"): "a blob lives in its container",
    ("EntraBlob", "StorageAccount"): "a blob lives in its account",
    ("EntraBlob", "RoleAssignment"): "the deployer uploads as itself: Storage holds no data "
                                     "action for Owner or Contributor",
    ("Deployment", "Vault"): "the template puts a secret into its vault",
    ("Datastore", "Workspace"): "a datastore belongs to its workspace",
    ("Datastore", "BlobContainer"): "a datastore points at an existing container",
    ("Datastore", "StorageAccount"): "a datastore points at an existing account",
    **{(version, kind): reason
       for version in ("ModelVersion", "CodeVersion", "EnvironmentVersion")
       for kind, reason in (("Workspace", "an asset belongs to its workspace"),
                            ("EntraBlob", "an asset's files are uploaded before it is registered"),
                            ("Datastore", "a model URI names its datastore"),
                            ("BlobContainer", "a code URI names its container"),
                            ("StorageAccount", "an asset URI names its account"))},
    ("Compute", "Workspace"): "compute belongs to its workspace",
    ("ManagedNetworkProvisioning", "Workspace"): "it provisions the workspace's managed network",
    ("Compute", "ManagedNetworkProvisioning"): "compute runs in the managed network, which only "
                                               "a compute or a call provisions on an existing "
                                               "workspace",
    ("OnlineDeployment", "ManagedNetworkProvisioning"):
        "\"To create an online deployment, you must manually provision the managed network\"",
    ("Compute", "UserAssignedIdentity"): "compute runs as its identity",
    ("Compute", "RoleAssignment"): "nodes pull images and mount data as the identity when they "
                                   "start (a compute instance starts at once)",
    ("OnlineEndpoint", "Workspace"): "an endpoint belongs to its workspace",
    ("OnlineEndpoint", "UserAssignedIdentity"): "an endpoint runs as its identity",
    ("OnlineDeployment", "OnlineEndpoint"): "a deployment belongs to its endpoint",
    ("OnlineDeployment", "Workspace"): "a deployment belongs to its workspace",
    ("OnlineDeployment", "ModelVersion"): "a deployment serves a registered model",
    ("OnlineDeployment", "CodeVersion"): "a deployment runs registered code",
    ("OnlineDeployment", "EnvironmentVersion"): "a deployment runs in a registered environment",
    ("OnlineDeployment", "RoleAssignment"): "Azure fails a deployment whose identity cannot pull "
                                            "its image or read its model yet",
    ("OnlineDeployment", "UserAssignedIdentity"):
        "its client id is the deployment's AZURE_CLIENT_ID",
    ("OnlineDeployment", "Vault"): "the scoring code reads the vault when it starts",
    ("OnlineDeployment", "Deployment"): "the scoring code reads the secret a template puts, when "
                                        "it starts",
    ("OnlineDeployment", "StorageAccount"): "the scoring code reads blobs when it starts",
    ("OnlineDeployment", "EntraBlob"): "the scoring code reads the blob when it starts",
    ("Deployment", "OnlineDeployment"): "ARM refuses traffic to a deployment that does not exist",
    ("Deployment", "OnlineEndpoint"): "traffic is set on the endpoint",
    ("Deployment", "Workspace"): "the endpoint belongs to the workspace",
    ("Deployment", "UserAssignedIdentity"): "the endpoint is put again with its identity",
    ("Deployment", "Compute"): "a Kubernetes endpoint is put again on its compute",
    ("FederatedIdentityCredential", "UserAssignedIdentity"): "a credential belongs to its identity",
    ("FederatedIdentityCredential", "FederatedIdentityCredential"):
        "Entra ID refuses concurrent credential writes on one identity",
    **{("PrivateEndpoint", kind): "a private endpoint connects to its target"
       for kind in ("Workspace", "StorageAccount", "Vault", "Registry")},
    ("PrivateEndpoint", "VirtualNetwork"): "a private endpoint lives in its subnet",
    ("PrivateDnsZoneGroup", "PrivateEndpoint"): "a zone group names its endpoint's addresses",
    ("PrivateDnsZoneGroup", "PrivateZone"): "a zone group writes into its zones",
    ("VirtualNetworkLink", "PrivateZone"): "a link belongs to its zone",
    ("VirtualNetworkLink", "VirtualNetwork"): "a link names its network",
    ("Extension", "ManagedCluster"): "an extension is installed on its cluster",
    ("kubernetes", "ManagedCluster"): "the Kubernetes provider signs in with the cluster's "
                                      "credentials",
    ("InstanceType", "kubernetes"): "an instance type is put through the cluster's API",
    ("InstanceType", "Extension"): "the extension installs the InstanceType definition",
    ("Compute", "ManagedCluster"): "an attach names its cluster",
    ("Compute", "Extension"): "an attach needs the extension running",
    ("Compute", "InstanceType"): "the compute's default instance type must exist",
    ("OnlineEndpoint", "Compute"): "a Kubernetes endpoint runs on its attached compute",
    ("WorkspaceConnection", "Workspace"): "a connection belongs to its workspace",
    ("WorkspaceConnection", "azure-native"): "its target is the registry's login server, read "
                                             "through the provider of the registry's "
                                             "subscription",
    ("WorkspaceConnection", "UserAssignedIdentity"):
        "the connection's credentials are the identity",
    ("WorkspaceConnection", "RoleAssignment"): "image builds may use the connection at once; its "
                                               "identity must pull and the workspace may assign it",
}


def _short(type_: str) -> str:
    return type_.rsplit(":", 1)[1]


def seconds(r: Registration) -> int:
    """Typical seconds Azure takes to create ``r``."""
    if r.type == ML + "Compute":
        return SECONDS[f"{r.type}/{r.inputs['properties']['computeType']}"][0]
    return SECONDS[r.type][0]


def why_required(dependent: Registration, dependency: Registration) -> str | None:
    """Why Azure needs ``dependency`` before ``dependent``, or None when it does not."""
    if dependency.type.startswith("random:"):
        return "a name or value in the resource's inputs"
    if _short(dependency.type) == "ResourceGroup":
        return "created inside the group"
    return REQUIRED.get((_short(dependent.type), _short(dependency.type)))


@dataclass(frozen=True)
class Edge:
    dependent: Registration
    dependency: Registration
    reason: str | None


def edges(run: StackRun) -> list[Edge]:
    """Every dependency the program declares between two resources Azure creates."""
    found = []
    for r in run.resources.values():
        if not r.custom:
            continue
        for urn in dict.fromkeys(r.dependencies):
            d = run.resources.get(urn)
            if d is not None and d.custom:
                found.append(Edge(r, d, why_required(r, d)))
    return found


def longest_path(run: StackRun, only_required: bool = False) -> tuple[int, list[Registration]]:
    """The chain of resources with the largest total creation time, and that time."""
    after: dict[str, list[Registration]] = {}
    for e in edges(run):
        if e.reason or not only_required:
            after.setdefault(e.dependent.urn, []).append(e.dependency)

    @cache
    def chain(urn: str) -> tuple[int, tuple[str, ...]]:
        best: tuple[int, tuple[str, ...]] = (0, ())
        for d in after.get(urn, []):
            best = max(best, chain(d.urn))
        return best[0] + seconds(run.resources[urn]), best[1] + (urn,)

    total, urns = max((chain(r.urn) for r in run.resources.values() if r.custom),
                      default=(0, ()))
    return total, [run.resources[u] for u in urns]


def report(run: StackRun) -> str:
    """The program's critical path beside the floor, and any edge Azure does not need."""
    total, path = longest_path(run)
    floor, floor_path = longest_path(run, only_required=True)
    lines = [f"Critical path of stack '{run.stack}' (typical seconds to create; sources in "
             "offline/critical_path.py):"]
    lines += [f"  {seconds(r):>5}  {r.name}  ({_short(r.type)})" for r in path]
    same_chain = [r.urn for r in path] == [r.urn for r in floor_path]
    lines += [f"  {total:>5}  total, about {total / 60:.0f} minutes",
              f"Floor (only the edges Azure requires): {floor} s over {len(floor_path)} resources; "
              f"the program's chain is {'the same' if same_chain else 'different'}."]
    extra = [e for e in edges(run) if not e.reason]
    lines.append("Edges Azure does not require: " + (", ".join(
        f"{e.dependent.name} -> {e.dependency.name}" for e in extra) or "none"))
    return fit(lines)


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("python -m offline.critical_path", __doc__)
    parser.add_argument("stack", nargs="?", default="dev")
    add_arguments(parser)
    return run_tool(parser, argv, lambda args: _print(from_arguments(args).run(args.stack)))


def _print(run: StackRun) -> int:
    print(report(run))
    return FINDING if any(not e.reason for e in edges(run)) else OK


if __name__ == "__main__":
    sys.exit(main())
