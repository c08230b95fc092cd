"""An AKS cluster that serves Kubernetes online endpoints: the identity-first successor of the AKS
web service with pod identity (seed 003).

AAD pod identity is retired, and Azure ML serves from Kubernetes through its cluster extension
(``how-to-deploy-kubernetes-extension``, ``how-to-attach-kubernetes-to-workspace``):

- the cluster (created here, or an existing one by id) runs as a managed identity, keeps its
  local accounts ("local accounts must stay enabled" for the extension) and has the OIDC issuer
  and workload identity on, for the team's own pods; Azure ML's own pods do not need them;
- the ``Microsoft.AzureML.Kubernetes`` extension, released into the ``azureml`` namespace, with
  inference on and its router behind an (internal) load balancer, with TLS from a Kubernetes
  secret or, only when asked for, plain HTTP;
- the instance types, which are custom resources of the extension in the cluster ("instance
  types are represented as a custom resource definition (CRD) installed with the Azure Machine
  Learning extension", how-to-manage-kubernetes-instance-types), put with the Kubernetes provider
  on the cluster's admin credentials (the local accounts the extension keeps), marked secret;
- the cluster attached to the workspace as Kubernetes compute, running as its own user-assigned
  identity, with the first instance type as its default; attaching needs the workspace identity
  to hold Reader, Kubernetes Extension Contributor and Azure Kubernetes Service Cluster Admin Role
  on the cluster, and the compute identity AcrPull and Storage Blob Data Reader, all before the
  attach.

The scoring container of a Kubernetes online deployment runs as the *endpoint's* identity, as on
managed endpoints ("An online deployment runs your user container with the endpoint identity",
concept-endpoints-online-auth), so :class:`~components.endpoint.OnlineEndpoint` grants that
identity what the scoring code reads; no federated credential is needed for it.

The attached compute is replaced, not updated, on any change of its properties: in-place updates
of a Kubernetes compute fail in Azure (microsoft/edge-ai's Azure ML module replaces it for the same
reason).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import containerservice as cs
from pulumi_azure_native import kubernetesconfiguration as kc
from pulumi_azure_native import machinelearningservices as ml

from .access import Grant, Principal, after, grant
from .azure import sources
from .azure.resource_ids import parse_resource_id
from .identity import UserIdentity, ml_identity
from .workspace import WorkspaceRef

NAMESPACE = "azureml"
"""The extension's release namespace, where deployments run (it exists once the extension is in;
an attach names a namespace that must exist)."""
EXTENSION_TYPE = "Microsoft.AzureML.Kubernetes"
INSTANCE_TYPE_API = "amlarc.azureml.com/v1alpha1"
"""API version of the extension's ``InstanceType`` custom resource."""
INSTANCE_TYPE = f"kubernetes:{INSTANCE_TYPE_API}:InstanceType"
"""The Pulumi type of an instance type."""
AZURE_INSTANCE_TYPE = "defaultinstancetype"
"""The instance type Azure creates itself when it attaches a cluster (100m CPU and 2Gi
requested)."""
ROUTER_SERVICE_TYPES = ("loadBalancer", "nodePort", "clusterIP")
"""How the extension's inference router is exposed (``inferenceRouterServiceType``)."""


@dataclass(frozen=True)
class InstanceType:
    """A Kubernetes instance type: the resources each deployment instance requests (and is
    limited to)."""

    name: str
    cpu: str = "1"
    """CPU request and limit, e.g. ``1`` or ``500m``."""
    memory: str = "2Gi"
    """Memory request and limit, e.g. ``2Gi``."""
    gpu: int = 0
    """``nvidia.com/gpu`` limit (0: none)."""

    def spec(self) -> dict[str, Any]:
        """The ``InstanceType`` custom resource's spec."""
        limits: dict[str, Any] = {"cpu": self.cpu, "memory": self.memory}
        if self.gpu:
            limits["nvidia.com/gpu"] = self.gpu
        return {"resources": {"requests": {"cpu": self.cpu, "memory": self.memory},
                              "limits": limits}}


@dataclass
class AksClusterSpec:
    """An AKS cluster the component creates for inference."""

    cluster_name: str
    node_vm_size: str = "Standard_D4s_v5"
    """At least 4 vCPUs and 14 GB for the extension (how-to-deploy-kubernetes-extension)."""
    node_count: int = 3
    """Three nodes or more run the inference router highly available (``inferenceRouterHA``)."""


@dataclass
class KubernetesComputeArgs:
    """Arguments of :class:`KubernetesCompute`: ``cluster`` creates a cluster, ``existing_id``
    uses one (in the workspace's subscription)."""

    workspace: WorkspaceRef
    workspace_principal: Principal
    """What the workspace runs as: it attaches the cluster and needs roles on it."""
    compute_name: str
    """Name of the attached compute in the workspace (what endpoints name as ``compute``)."""
    identity: UserIdentity
    """The attached compute's user-assigned identity."""
    cluster: AksClusterSpec | None = None
    existing_id: str | None = None
    instance_types: Sequence[InstanceType] = (InstanceType("cpu-small"),)
    """The first is the compute's default; Azure's own ``defaultinstancetype`` is there too."""
    router_service_type: str = "loadBalancer"
    internal_load_balancer: bool = True
    """Put a load-balanced router on an internal Azure load balancer (no public IP)."""
    tls_cname: str | None = None
    """The host name scoring requests use, the certificate's name (``sslCname``)."""
    tls_secret: str | None = None
    """A Kubernetes secret in the ``azureml`` namespace with ``cert.pem`` and ``key.pem``
    (``sslSecret``), created by you or cert-manager: no certificate goes through Pulumi."""
    allow_insecure_connections: bool = False
    """Serve plain HTTP (no TLS): only when asked for."""
    tags: Mapping[str, str] = field(default_factory=dict)


class KubernetesCompute(pulumi.ComponentResource):
    """An AKS cluster with the Azure ML extension, attached to a workspace as Kubernetes
    compute, and the roles the attach needs."""

    cluster_id: pulumi.Output[str]
    compute: ml.Compute
    id: pulumi.Output[str]
    """Resource id of the attached compute (what a Kubernetes endpoint's ``compute`` names)."""
    name: pulumi.Output[str]
    """Name of the attached compute in the workspace."""
    instance_types: tuple[str, ...]
    grants: list[Grant]
    oidc_issuer_url: pulumi.Output[str | None]
    """The cluster's OIDC issuer, for federating the team's own service accounts (None for an
    existing cluster)."""

    def __init__(self, name: str, args: KubernetesComputeArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:kubernetes:KubernetesCompute", name, {}, opts)
        if (args.cluster is None) == (args.existing_id is None):
            raise ValueError("KubernetesComputeArgs needs exactly one of cluster and existing_id")
        if not args.allow_insecure_connections and not (args.tls_cname and args.tls_secret):
            raise ValueError("KubernetesComputeArgs needs tls_cname and tls_secret, or "
                             "allow_insecure_connections")
        if args.router_service_type not in ROUTER_SERVICE_TYPES:
            raise ValueError(f"router_service_type must be one of {ROUTER_SERVICE_TYPES}")
        if AZURE_INSTANCE_TYPE in {t.name for t in args.instance_types}:
            raise ValueError(f"{AZURE_INSTANCE_TYPE} is Azure's own instance type; name yours "
                             "otherwise")
        ws = args.workspace
        self.instance_types = (*(t.name for t in args.instance_types), AZURE_INSTANCE_TYPE)
        # What runs in a created cluster goes with it (deleted_with=aks): no Kubernetes API call.
        aks = self._cluster(name, args, args.cluster) if args.cluster else None
        made: list[pulumi.Resource] = [aks] if aks else []
        if aks is not None:
            cluster_name: pulumi.Input[str] = aks.name
            group: pulumi.Input[str] = ws.resource_group_name
            self.cluster_id = aks.id
            self.oidc_issuer_url = aks.oidc_issuer_profile.apply(
                lambda p: p.issuer_url if p else None)  # ARM: issuerURL
        else:
            assert args.existing_id is not None
            existing = parse_resource_id(args.existing_id,
                                         "Microsoft.ContainerService/managedClusters")
            cluster_name, group = existing.name, existing.resource_group_name
            self.cluster_id = pulumi.Output.from_input(args.existing_id)
            self.oidc_issuer_url = pulumi.Output.from_input(None)

        settings = {"enableInference": "True",
                    "inferenceRouterServiceType": args.router_service_type,
                    "allowInsecureConnections": str(args.allow_insecure_connections),
                    # Azure's default, True, needs three nodes; an existing cluster keeps it
                    "inferenceRouterHA": str(args.cluster is None or args.cluster.node_count >= 3)}
        if args.internal_load_balancer and args.router_service_type == "loadBalancer":
            settings["internalLoadBalancerProvider"] = "azure"
        if args.tls_cname and args.tls_secret:
            settings |= {"sslCname": args.tls_cname, "sslSecret": args.tls_secret}
        extension = kc.Extension(
            f"{name}-extension", extension_name="azureml", cluster_name=cluster_name,
            cluster_rp="Microsoft.ContainerService", cluster_resource_name="managedClusters",
            resource_group_name=group, extension_type=EXTENSION_TYPE, release_train="stable",
            auto_upgrade_minor_version=True,
            scope=kc.ScopeArgs(cluster=kc.ScopeClusterArgs(release_namespace=NAMESPACE)),
            configuration_settings=settings,
            opts=pulumi.ResourceOptions(parent=self, depends_on=made, deleted_with=aks))
        credentials = cs.list_managed_cluster_admin_credentials_output(
            resource_group_name=group, resource_name=cluster_name,
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=made))
        kubeconfig: pulumi.Input[str] = credentials.kubeconfigs.apply(
            lambda k: base64.b64decode(k[0].value).decode())
        cluster = k8s.Provider(f"{name}-cluster", kubeconfig=pulumi.Output.secret(kubeconfig),
                               opts=pulumi.ResourceOptions(parent=self))
        # The extension installs the custom resource definition; the attach names the default.
        types = [k8s.apiextensions.CustomResource(
            f"{name}-instance-type-{t.name}", api_version=INSTANCE_TYPE_API, kind="InstanceType",
            metadata={"name": t.name}, spec=t.spec(),
            opts=pulumi.ResourceOptions(parent=self, provider=cluster, depends_on=[extension],
                                        deleted_with=aks))
            for t in args.instance_types]

        me, it = args.workspace_principal, args.identity.principal
        self.grants = [
            *(grant(self, f"{name}-workspace", me, role, self.cluster_id,
                    sources.KUBERNETES_ATTACH)
              for role in ("Reader", "Kubernetes Extension Contributor",
                           "Azure Kubernetes Service Cluster Admin Role")),
            grant(self, f"{name}-registry", it, "AcrPull", ws.container_registry_id,
                  sources.KUBERNETES_COMPUTE),
            grant(self, f"{name}-storage", it, "Storage Blob Data Reader", ws.storage_account_id,
                  sources.KUBERNETES_COMPUTE),
        ]
        default = args.instance_types[0].name
        self.compute = ml.Compute(
            name,
            compute_name=args.compute_name,
            **ws.inside(),
            identity=ml_identity(args.identity),
            properties=ml.KubernetesArgs(
                compute_type="Kubernetes",
                resource_id=self.cluster_id,
                disable_local_auth=True,
                properties=ml.KubernetesPropertiesArgs(
                    namespace=NAMESPACE, default_instance_type=default,
                    extension_principal_id=extension.aks_assigned_identity.apply(
                        lambda i: i.principal_id if i else None)),
            ),
            tags=dict(args.tags),
            # Attached once the extension runs and the workspace may reach the cluster; replaced
            # on any change (updates fail in Azure), deleting first since its name stays.
            opts=after(self.grants, also=[extension, *types], parent=self,
                       replace_on_changes=["properties", "identity"], delete_before_replace=True,
                       deleted_with=ws.resource),
        )
        self.id, self.name = self.compute.id, self.compute.name
        self.register_outputs({"cluster_id": self.cluster_id, "id": self.id, "name": self.name})

    def _cluster(self, name: str, args: KubernetesComputeArgs,
                 spec: AksClusterSpec) -> cs.ManagedCluster:
        ws = args.workspace
        return cs.ManagedCluster(
            f"{name}-aks",
            resource_name_=spec.cluster_name,
            resource_group_name=ws.resource_group_name,
            location=ws.location,
            dns_prefix=spec.cluster_name,
            identity=cs.ManagedClusterIdentityArgs(type=cs.ResourceIdentityType.SYSTEM_ASSIGNED),
            agent_pool_profiles=[cs.ManagedClusterAgentPoolProfileArgs(
                name="system", mode=cs.AgentPoolMode.SYSTEM, count=spec.node_count,
                vm_size=spec.node_vm_size, os_type=cs.OSType.LINUX,
                type=cs.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS)],
            enable_rbac=True,
            disable_local_accounts=False,  # the Azure ML extension needs the local accounts
            oidc_issuer_profile=cs.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=cs.ManagedClusterSecurityProfileArgs(
                workload_identity=cs.ManagedClusterSecurityProfileWorkloadIdentityArgs(
                    enabled=True)),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self))
