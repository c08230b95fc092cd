"""An AKS cluster that serves Kubernetes online endpoints: the identity-first successor of the AKS
web service with pod identity (seed 003).

AAD pod identity is retired, and Azure ML serves from Kubernetes through its cluster extension
(``how-to-deploy-kubernetes-extension``, ``how-to-attach-kubernetes-to-workspace``):

- the cluster (created here, or an existing one by id) runs as a managed identity, keeps its
  local accounts ("local accounts must stay enabled" for the extension) and has the OIDC issuer
  and workload identity on, for the team's own pods; Azure ML's own pods do not need them;
- the ``Microsoft.AzureML.Kubernetes`` extension, released into the ``azureml`` namespace, with
  the settings ``az k8s-extension create`` gives it on AKS (:func:`extension_settings`),
  inference on and its router behind an (internal) load balancer, with TLS from a certificate
  and key sent as protected settings, or from a Kubernetes secret already in an existing
  cluster, or, only when asked for, plain HTTP;
- the instance types, which are custom resources of the extension in the cluster ("instance
  types are represented as a custom resource definition (CRD) installed with the Azure Machine
  Learning extension", how-to-manage-kubernetes-instance-types), put with the Kubernetes provider
  on the cluster's admin credentials (the local accounts the extension keeps), marked secret.
  That is the one documented way to make them, and it reaches the cluster's API server on every
  preview, up and refresh; with no instance types of its own the component makes no Kubernetes
  API call and deployments use Azure's ``defaultinstancetype``;
- the cluster attached to the workspace as Kubernetes compute, running as its own user-assigned
  identity, with the first instance type as its default; attaching needs the workspace identity
  to hold Reader, Kubernetes Extension Contributor and Azure Kubernetes Service Cluster Admin Role
  on the cluster, and the compute identity AcrPull and Storage Blob Data Reader, all before the
  attach.

The scoring container of a Kubernetes online deployment runs as the *endpoint's* identity, as on
managed endpoints ("An online deployment runs your user container with the endpoint identity",
concept-endpoints-online-auth), so :class:`~components.endpoint.OnlineEndpoint` grants that
identity what the scoring code reads; no federated credential is needed for it.

Updates of a Kubernetes compute "appear to succeed" but change nothing (the known issue
``inferencing-updating-kubernetes-compute-appears-to-succeed``: "the CLI v2 and SDK v2 do not allow
updating any configuration of an existing Kubernetes compute"), so the attach is replaced on a
change of what it is given, never because of what Azure fills in itself, and its tags are left as
they are.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import containerservice as cs
from pulumi_azure_native import kubernetesconfiguration as kc
from pulumi_azure_native import machinelearningservices as ml
from pydantic import AfterValidator, Field, InstanceOf, SkipValidation, StrictBool, StrictInt

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, Grant, Principal, after, grant
from .arguments import (
    HIDDEN,
    MISSING,
    VM_SIZE_PATTERN,
    Arguments,
    Problem,
    StrInput,
    azure_name,
    resource_id,
)
from .azure import sources
from .azure.names import RULES
from .azure.resource_ids import parse_resource_id
from .azure.vm_sizes import nvidia_gpu_size_problem
from .catalog import LIES, REFUSED, Filled, Fixed, Seconds, Shown
from .compute import COMPUTE, LOCAL_AUTH
from .identity import UserIdentity, ml_identity
from .workspace import WorkspaceRef

NAMESPACE = "azureml"
"""The extension's release namespace, where deployments run (it exists once the extension is in;
an attach names a namespace that must exist)."""
EXTENSION_TYPE = "Microsoft.AzureML.Kubernetes"
INSTANCE_TYPE_API = "amlarc.azureml.com/v1alpha1"
"""API version of the extension's ``InstanceType`` custom resource."""
AZURE_INSTANCE_TYPE = "defaultinstancetype"
"""The instance type Azure creates itself when it attaches a cluster (100m CPU and 2Gi
requested)."""
NVIDIA_GPU = "nvidia.com/gpu"
"""The resource an instance type limits GPUs with (how-to-manage-kubernetes-instance-types)."""

ATTACHED_WITH = ("properties.computeType", "properties.resourceId", "properties.disableLocalAuth",
                 "properties.properties.namespace", "properties.properties.defaultInstanceType",
                 "properties.properties.extensionPrincipalId", "identity")
"""What the attach is given: a change of any replaces it (an update would change nothing)."""
AZURE_FILLS = ("properties.properties.instanceTypes", "properties.properties.vcName",
               "properties.properties.extensionInstanceReleaseTrain")
"""Fields of the attached compute Azure fills in its answers: a refresh copies them into the
state's inputs (azure-native ``Read`` applies the outputs' difference to the inputs), and the
next ``up`` drops them again in an update, which asks nothing of Azure. Not ignored: the engine
would keep the refreshed values in the inputs and send them when the attach is replaced
(pulumi/pulumi step_generator.go, ``processIgnoreChanges`` before the state is made)."""

# --- the types this module creates -----------------------------------------------------------

MANAGED_CLUSTER = catalog.register(catalog.ResourceType(
    "azure-native:containerservice:ManagedCluster", "kubernetes cluster",
    created_in=Seconds(420, catalog.ESTIMATE + " (an AKS cluster with its node pool)"),
    id_template=catalog.in_group("Microsoft.ContainerService/managedClusters/{resourceName}"),
    name="resourceName", name_rule=RULES["kubernetes cluster"], replaced_on=("location",),
    fixed=(Fixed("agentPoolProfiles[0].vmSize", REFUSED,
                 "\"You can't change the VM size of a node pool after you create it\" "
                 "(PropertyChangeNotAllowed in the API version azure-native sends): add a node "
                 "pool of the new size, then remove the old one",
                 "MicrosoftDocs/azure-aks-docs manage-node-pools.md (Limitations); "
                 "Azure/bicep-registry-modules#7130"),),
    shown=(Shown("tier", "sku.tier", "Free"),
           Shown("node vm size", "agentPoolProfiles.0.vmSize"),
           Shown("nodes", "agentPoolProfiles.0.count"),
           Shown("public network", "publicNetworkAccess", "Enabled"),
           Shown("private api server", "apiServerAccessProfile.enablePrivateCluster", False),
           Shown("local accounts disabled", "disableLocalAccounts", False),
           Shown("oidc issuer", "oidcIssuerProfile.enabled"),
           Shown("workload identity", "securityProfile.workloadIdentity.enabled")),
    logs=catalog.Logs(("kube-apiserver", "kube-audit", "kube-audit-admin",
                       "kube-controller-manager", "kube-scheduler", "cluster-autoscaler",
                       "cloud-controller-manager", "guard", "csi-azuredisk-controller",
                       "csi-azurefile-controller", "csi-snapshot-controller"),
                      catalog.SUPPORTED_LOGS + "microsoft-containerservice-managedclusters-"
                      "logs")))
catalog.require(ROLE_ASSIGNMENT, {MANAGED_CLUSTER: PRINCIPAL_OR_SCOPE})
EXTENSION = catalog.register(catalog.ResourceType(
    "azure-native:kubernetesconfiguration:Extension", "cluster extension",
    created_in=Seconds(300, catalog.ESTIMATE + " (the extension's pods start in the cluster)"),
    id_template=catalog.in_group("{clusterRp}/{clusterResourceName}/{clusterName}/providers/"
                                 "Microsoft.KubernetesConfiguration/extensions/{extensionName}"),
    name="extensionName",
    requires={MANAGED_CLUSTER: "an extension is installed on its cluster"},
    shown=(Shown("inference router", "configurationSettings.inferenceRouterServiceType"),
           Shown("internal load balancer", "configurationSettings.internalLoadBalancerProvider"),
           Shown("plain http", "configurationSettings.allowInsecureConnections"),
           Shown("tls name", "configurationSettings.sslCname"),
           Shown("tls from secret", "configurationSettings.sslSecret"),
           Shown("nvidia device plugin", "configurationSettings.installNvidiaDevicePlugin",
                 False))))
KUBERNETES_PROVIDER = catalog.register(catalog.ResourceType(
    "pulumi:providers:kubernetes", "kubernetes provider",
    created_in=Seconds(0, "configured locally by the engine"),
    # pulumi/pulumi-kubernetes DiffConfig (#577, #2771): a kubeconfig naming another cluster
    # replaces the provider and what it made
    replaced_on=("kubeconfig",),
    requires={MANAGED_CLUSTER: "the Kubernetes provider signs in with the cluster's "
                               "credentials"}))
INSTANCE_TYPE = catalog.register(catalog.ResourceType(
    f"kubernetes:{INSTANCE_TYPE_API}:InstanceType", "instance type",
    created_in=Seconds(2, catalog.ESTIMATE + " (a Kubernetes object)"),
    # a Kubernetes object is its kind, name and namespace (pulumi-kubernetes, as above)
    replaced_on=("apiVersion", "kind", "metadata.name", "metadata.namespace"),
    requires={KUBERNETES_PROVIDER: "an instance type is put through the cluster's API",
              EXTENSION: "the extension installs the InstanceType definition"},
    shown=(Shown("cpu", "spec.resources.requests.cpu"),
           Shown("memory", "spec.resources.requests.memory"))))
"""The Pulumi type of an instance type."""
_KNOWN_ISSUE = ("MicrosoftDocs/azure-ai-docs articles/machine-learning/known-issues/"
                "inferencing-updating-kubernetes-compute-appears-to-succeed.md")
catalog.register_kind(COMPUTE, catalog.Kind(
    "Kubernetes", Seconds(60, catalog.ESTIMATE),
    fixed=tuple(Fixed(path, LIES,
                      "updates of a Kubernetes compute \"appear to succeed\" but change nothing: "
                      "\"the CLI v2 and SDK v2 do not allow updating any configuration of an "
                      "existing Kubernetes compute\"", _KNOWN_ISSUE,
                      # leaving out what Azure fills in itself (after a refresh) asks nothing of it
                      unless=AZURE_FILLS)
                for path in ("properties", "tags")),
    fills=(Filled("properties.properties.instanceTypes", {AZURE_INSTANCE_TYPE: {"resources": {
               "requests": {"cpu": "100m", "memory": "2Gi"},
               "limits": {"cpu": "2", "memory": "2Gi"}}}},
               "MicrosoftDocs/azure-ai-docs how-to-manage-kubernetes-instance-types.md: "
               "defaultinstancetype \"is created when you attach a Kubernetes cluster\" and "
               "\"appear[s] in all clients\""),
           Filled("properties.properties.extensionInstanceReleaseTrain", "stable",
                  "Azure/azure-rest-api-specs machinelearningservices KubernetesProperties "
                  "(\"Extension instance release train\"): the extension's, which is stable")),
    shown=(Shown("default instance type", "properties.properties.defaultInstanceType"),
           Shown("namespace", "properties.properties.namespace"),
           LOCAL_AUTH),
    requires={MANAGED_CLUSTER: "an attach names its cluster",
              EXTENSION: "an attach needs the extension running",
              INSTANCE_TYPE: "the compute's default instance type must exist"}))

PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"


def tls_pem_problems(certificate: str, key: str) -> list[tuple[str, str]]:
    """What is wrong with a PEM certificate and key for the inference router, as (``certificate``
    or ``key``, what is allowed), in words that never quote them ("A certificate that contains the
    full certificate chain and is PEM encoded", "A key that's PEM encoded", "An SSL key in a PEM
    file with passphrase protection is not supported": how-to-secure-kubernetes-online-endpoint).
    """
    problems = []
    if PEM_CERTIFICATE not in certificate:
        problems.append(("certificate", f"a PEM certificate with its full chain (a "
                                        f"{PEM_CERTIFICATE} line)"))
    if "PRIVATE KEY-----" not in key:
        problems.append(("key", "a PEM private key (a -----BEGIN ... PRIVATE KEY----- line)"))
    elif "ENCRYPTED" in key:
        problems.append(("key", "a key without a passphrase (the extension does not take "
                                "passphrase-protected keys)"))
    return problems


# --- the arguments ----------------------------------------------------------------------------

KUBERNETES_NAME = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
"""A Kubernetes object name as an RFC 1123 label: at most 63 lowercase letters, digits and
hyphens (kubernetes.io, "Object Names and IDs")."""
HOST_NAME = (r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?"
             r"(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)+$")
"""A fully qualified host name: labels of letters, digits and inner hyphens, two or more."""
KUBERNETES_SECRET = r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$"
"""A Kubernetes secret name, a DNS subdomain name: at most 253 lowercase letters, digits, hyphens
and dots (same page)."""
ClusterName = Annotated[str, azure_name("kubernetes cluster")]
"""The name of an AKS cluster (:data:`components.azure.names.RULES`)."""
RouterServiceType = Literal["loadBalancer", "nodePort", "clusterIP"]
"""How the extension's inference router is exposed (``inferenceRouterServiceType``)."""


def _not_azures(name: str) -> str:
    if name == AZURE_INSTANCE_TYPE:
        raise ValueError(f"another name (Azure creates its own {AZURE_INSTANCE_TYPE} when it "
                         "attaches the cluster)")
    return name


class InstanceType(Arguments):
    """A Kubernetes instance type: the resources each deployment instance requests (and is
    limited to)."""

    name: Annotated[str, Field(pattern=KUBERNETES_NAME, json_schema_extra={
        "allowed": "a Kubernetes name: 1-63 lowercase letters, digits and hyphens, starting and "
                   f"ending with a letter or digit, other than {AZURE_INSTANCE_TYPE}"}),
                    AfterValidator(_not_azures)]
    """A Kubernetes resource name (Azure makes its own defaultinstancetype)."""
    cpu: str = Field("1", pattern=r"^\d+(\.\d+)?m?$")
    """CPU request and limit, e.g. 1 or 500m."""
    memory: str = Field("2Gi", pattern=r"^\d+(Ki|Mi|Gi|Ti)$")
    """Memory request and limit, e.g. 2Gi."""
    gpu: StrictInt = Field(0, ge=0, le=8)
    """NVIDIA GPUs (0: none); the extension then installs NVIDIA's device plugin, and a created
    cluster's nodes must have them."""

    def spec(self) -> dict[str, Any]:
        """The ``InstanceType`` custom resource's spec."""
        limits: dict[str, Any] = {"cpu": self.cpu, "memory": self.memory}
        if self.gpu:
            limits[NVIDIA_GPU] = self.gpu
        return {"resources": {"requests": {"cpu": self.cpu, "memory": self.memory},
                              "limits": limits}}


class RouterTls(Arguments):
    """TLS of the inference router: a host name and its certificate and key, or a Kubernetes secret
    holding them in an existing cluster (how-to-secure-kubernetes-online-endpoint)."""

    cname: str = Field(pattern=HOST_NAME, json_schema_extra={
        "allowed": "a fully qualified host name (score.contoso.com)"})
    """The host name scoring requests use, the certificate's name (sslCname)."""
    certificate: StrInput | None = None
    """The router's certificate, PEM with its full chain (pass a secret); with ``key``, sent to
    the extension as protected settings. A new one (renewal) updates the extension."""
    key: StrInput | None = None
    """The certificate's private key, PEM without a passphrase (pass a secret)."""
    secret: str | None = Field(None, pattern=KUBERNETES_SECRET, json_schema_extra={
        "allowed": "a Kubernetes secret name: 1-253 lowercase letters, digits, hyphens and dots, "
                   "starting and ending with a letter or digit"})
    """Instead of certificate and key, on an existing cluster only: a Kubernetes secret already in
    its azureml namespace with cert.pem and key.pem (sslSecret)."""

    def pems(self) -> tuple[str, str] | None:
        """The certificate and key as text, where they are known here (an ``Output`` is known
        only during the deployment)."""
        certificate, key = self.certificate, self.key
        return (certificate, key) if isinstance(certificate, str) and isinstance(key, str) \
            else None

    def cross_checks(self) -> list[Problem]:
        """One way to the certificate, and PEMs the extension takes (never quoted)."""
        if self.secret is not None:
            return [] if self.certificate is None and self.key is None else [Problem(
                ("secret",), self.secret, "nothing beside {certificate} and {key}: one of the two "
                "(\"They don't configure sslSecret and sslCertPemFile/sslKeyPemFile at the same "
                "time\")")]
        missing = [Problem((name,), MISSING, what) for name, what in (
            ("certificate", "the router's certificate, PEM with its full chain, as a secret (or "
                            "{secret} in an existing cluster)"),
            ("key", "its private key, PEM, as a secret")) if getattr(self, name) is None]
        pems = self.pems()
        return missing or ([] if pems is None else [
            Problem((which,), HIDDEN, what) for which, what in tls_pem_problems(*pems)])


def tls_problems(tls: RouterTls | None, existing_cluster_id: str | None,
                 allow_insecure_connections: bool) -> list[Problem]:
    """TLS, or plain HTTP only when asked for; a secret only where it can be there already."""
    if tls is None:
        return [] if allow_insecure_connections else [Problem(
            ("tls",), MISSING, "the router's host name with its certificate and key (or a "
            "Kubernetes secret holding them, in an existing cluster), or "
            "{allow_insecure_connections}: true")]
    if tls.secret is not None and tls.certificate is None and tls.key is None \
            and existing_cluster_id is None:
        return [Problem(("secret",), tls.secret, "{certificate} and {key} for a new cluster (the "
                        "extension needs the secret in the cluster's azureml namespace when it "
                        "installs, and nothing makes it there first)").within("tls")]
    return []


def cluster_name_problems(cluster_name: str | None, existing_cluster_id: str | None,
                          *, required: bool = True) -> list[Problem]:
    """A name for the cluster to create, and none for an existing one."""
    if existing_cluster_id is not None and cluster_name is not None:
        return [Problem(("cluster_name",), cluster_name, "nothing with {existing_cluster_id} (the "
                        "cluster is there already)")]
    if required and existing_cluster_id is None and cluster_name is None:
        return [Problem(("cluster_name",), MISSING, "the name of the AKS cluster to create (or "
                        "{existing_cluster_id}, a cluster of your own)")]
    return []


class KubernetesComputeSpec(Arguments):
    """An AKS cluster (created, or an existing one) with the Azure ML extension and its instance
    types, attached to a workspace as Kubernetes compute."""

    compute_name: Annotated[str, azure_name("compute")]
    """Name of the attached compute in the workspace (what endpoints name as compute)."""
    existing_cluster_id: Annotated[str, resource_id(
        "Microsoft.ContainerService/managedClusters", "kubernetes cluster")] | None = Field(
        None, json_schema_extra={"allowed": "an AKS cluster resource id: /subscriptions/<id>/"
                                            "resourceGroups/<group>/providers/"
                                            "Microsoft.ContainerService/managedClusters/<name>"})
    """An existing AKS cluster (in the workspace's subscription) instead of a new one."""
    node_vm_size: str = Field("Standard_D4s_v5", pattern=VM_SIZE_PATTERN)
    """VM size of a created cluster's nodes (at least 4 vCPUs and 14 GB for the extension; an
    NVIDIA GPU size for GPU instance types)."""
    node_count: StrictInt = Field(3, ge=1, le=100)
    """Nodes of a created cluster (3 or more: the inference router runs highly available,
    inferenceRouterHA)."""
    instance_types: tuple[InstanceType, ...] = (InstanceType(name="cpu-small"),)
    """Instance types deployments choose from (custom resources in the cluster, put through its
    API server, which must be reachable); the first is the compute's default; Azure's own
    defaultinstancetype is there too. None at all: no call to the API server, and the default is
    Azure's."""
    router_service_type: RouterServiceType = "loadBalancer"
    """How the inference router is exposed."""
    internal_load_balancer: StrictBool = True
    """A load-balanced router gets an internal Azure load balancer (no public IP), in the
    cluster's virtual network."""
    allow_insecure_connections: StrictBool = False
    """Serve scoring over plain HTTP (no TLS): only when asked for."""
    install_nvidia_device_plugin: StrictBool | None = None
    """Whether the extension installs NVIDIA's device plugin (unset: when an instance type asks
    for a GPU; false for a cluster that runs one already)."""

    def cross_checks(self) -> list[Problem]:
        return self._instance_types() + self._nodes() + self._router()

    def _instance_types(self) -> list[Problem]:
        seen: set[str] = set()
        found = []
        for i, t in enumerate(self.instance_types):
            if t.name in seen:
                found.append(Problem(("instance_types", i, "name"), t.name,
                                     "a name no other instance type has"))
            seen.add(t.name)
        return found

    def _nodes(self) -> list[Problem]:
        """Node settings size a cluster the component creates, with the GPUs its instance types
        ask for."""
        if self.existing_cluster_id is not None:
            return [Problem((name,), getattr(self, name), "nothing with {existing_cluster_id} (it "
                            "sizes a cluster the component creates; the existing one keeps its "
                            "nodes)")
                    for name in ("node_vm_size", "node_count") if name in self.model_fields_set]
        gpu = [t.name for t in self.instance_types if t.gpu]
        found = nvidia_gpu_size_problem(self.node_vm_size) if gpu else None
        return [Problem(("node_vm_size",), self.node_vm_size, f"with instance types that ask for "
                        f"GPUs ({', '.join(gpu)}), {found}")] if found else []

    def _router(self) -> list[Problem]:
        if "internal_load_balancer" in self.model_fields_set and \
                self.router_service_type != "loadBalancer":
            return [Problem(("internal_load_balancer",), self.internal_load_balancer,
                            f"nothing with {{router_service_type}} {self.router_service_type} "
                            "(only a loadBalancer router gets a load balancer)")]
        return []


class KubernetesComputeArgs(KubernetesComputeSpec):
    """Arguments of :class:`KubernetesCompute`: the compute, the workspace it is attached to and
    what it runs as; ``cluster_name`` creates a cluster, ``existing_cluster_id`` uses one."""

    workspace: InstanceOf[WorkspaceRef]
    workspace_principal: InstanceOf[Principal]
    """What the workspace runs as: it attaches the cluster and needs roles on it."""
    identity: SkipValidation[UserIdentity]
    """The attached compute's user-assigned identity."""
    cluster_name: ClusterName | None = None
    """Name of the AKS cluster to create (none with ``existing_cluster_id``)."""
    tls: RouterTls | None = None
    """TLS of the inference router; None only with ``allow_insecure_connections``."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + cluster_name_problems(
            self.cluster_name, self.existing_cluster_id) + tls_problems(
            self.tls, self.existing_cluster_id, self.allow_insecure_connections)


def extension_settings(args: KubernetesComputeArgs, cluster_id: pulumi.Input[str],
                       cluster_name: pulumi.Input[str],
                       location: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """The extension's configuration settings for ``args``, as ``az k8s-extension create`` makes
    them for a managed cluster (Azure/azure-cli-extensions ``src/k8s-extension/azext_k8s_extension/
    partner_extensions/AzureMLKubernetes.py`` @3f6c0dae: ``Create``, ``__validate_config``,
    ``__validate_scoring_fe_settings``, ``__set_up_inference_ssl``)."""
    where = pulumi.Output.from_input(location).apply(str.lower)  # "resource.location.lower()"
    settings: dict[str, pulumi.Input[str]] = {
        "enableInference": "True", "enableTraining": "False",
        "inferenceRouterServiceType": args.router_service_type,
        "allowInsecureConnections": str(args.allow_insecure_connections),
        # The cluster as the CLI names it: its id, dereferenced into clusterId and the
        # Prometheus label; the region in domain, location and jobSchedulerLocation.
        "cluster_name": cluster_id, "clusterId": cluster_id,
        "prometheus.prometheusSpec.externalLabels.cluster_name": cluster_id,
        "domain": where.apply(lambda region: f"{region}.cloudapp.azure.com"),
        "location": where, "jobSchedulerLocation": where,
        "cluster_name_friendly": cluster_name,
        # "do not enable service bus by default"; "do not enable relay for managed cluster(AKS)
        # by default", and nginx ingress on for AKS
        "servicebus.enabled": "false", "relayserver.enabled": "false",
        "nginxIngress.enabled": "true",
        # NVIDIA's device plugin: "default False ... won't install" it
        # (how-to-deploy-kubernetes-extension), which GPU instance types need.
        "installNvidiaDevicePlugin": str(
            args.install_nvidia_device_plugin if args.install_nvidia_device_plugin is not None
            else any(t.gpu for t in args.instance_types)),
    }
    if args.existing_cluster_id is None and args.node_count < 3:
        # The CLI's small-cluster settings (fewer than 3 nodes); an existing cluster keeps
        # Azure's default (inferenceRouterHA True: "requires at least three worker nodes").
        settings |= {"inferenceRouterHA": "false", "clusterPurpose": "DevTest"}
    if args.router_service_type == "nodePort":
        settings["scoringFe.serviceType.nodePort"] = "True"
    elif args.internal_load_balancer and args.router_service_type == "loadBalancer":
        settings |= {"internalLoadBalancerProvider": "azure",
                     "scoringFe.serviceType.internalLoadBalancer": "True"}
    tls = args.tls
    if tls is not None and not args.allow_insecure_connections:
        settings["sslCname"] = tls.cname
    if tls is not None and tls.secret:
        settings |= {"sslSecret": tls.secret, "scoringFe.sslSecret": tls.secret}
    return settings


def protected_settings(certificate: pulumi.Input[str],
                       key: pulumi.Input[str]) -> pulumi.Output[dict[str, str]]:
    """The certificate and key as the extension takes them: base64 of each PEM, as the protected
    settings ``scoringFe.sslCert`` and ``scoringFe.sslKey`` that the CLI makes of
    ``--config-protected sslCertPemFile=... sslKeyPemFile=...`` (``AzureMLKubernetes.py``,
    ``__set_inference_ssl_from_file``; an earlier release checked these two keys themselves, in
    ``__validate_scoring_fe_settings``); a secret, so the state keeps them encrypted."""
    def encode(pem: str) -> str:
        return base64.b64encode(pem.encode("ascii")).decode()

    return pulumi.Output.secret(pulumi.Output.all(certificate, key).apply(
        lambda pems: {"scoringFe.sslCert": encode(pems[0]), "scoringFe.sslKey": encode(pems[1])}))


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
        ws = args.workspace
        self.instance_types = (*(t.name for t in args.instance_types), AZURE_INSTANCE_TYPE)
        # What runs in a created cluster goes with it (deleted_with=aks): no Kubernetes API call.
        aks = self._cluster(name, args) if args.existing_cluster_id is None else None
        made: list[pulumi.Resource] = [aks] if aks else []
        if aks is not None:
            cluster_name: pulumi.Input[str] = aks.name
            group: pulumi.Input[str] = ws.resource_group_name
            location: pulumi.Input[str] = aks.location
            self.cluster_id = aks.id
            self.oidc_issuer_url = aks.oidc_issuer_profile.apply(
                lambda p: p.issuer_url if p else None)  # ARM: issuerURL
        else:
            assert args.existing_cluster_id is not None
            existing = parse_resource_id(args.existing_cluster_id,
                                         "Microsoft.ContainerService/managedClusters")
            cluster_name, group = existing.name, existing.resource_group_name
            # Its region, which the CLI reads from the cluster too.
            location = cs.get_managed_cluster_output(
                resource_group_name=group, resource_name=cluster_name,
                opts=pulumi.InvokeOutputOptions(parent=self)).location
            self.cluster_id = pulumi.Output.from_input(args.existing_cluster_id)
            self.oidc_issuer_url = pulumi.Output.from_input(None)

        tls = args.tls
        protected = protected_settings(tls.certificate, tls.key) \
            if tls is not None and tls.certificate is not None and tls.key is not None else None
        extension = kc.Extension(
            f"{name}-extension", extension_name="azureml", cluster_name=cluster_name,
            cluster_rp="Microsoft.ContainerService", cluster_resource_name="managedClusters",
            resource_group_name=group, extension_type=EXTENSION_TYPE, release_train="stable",
            auto_upgrade_minor_version=True,
            scope=kc.ScopeArgs(cluster=kc.ScopeClusterArgs(release_namespace=NAMESPACE)),
            configuration_settings=extension_settings(args, self.cluster_id, cluster_name,
                                                      location),
            configuration_protected_settings=protected,
            opts=pulumi.ResourceOptions(parent=self, depends_on=made, deleted_with=aks))
        types = self._instance_types(name, args, group, cluster_name, made, extension, aks)

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
        default = args.instance_types[0].name if args.instance_types else AZURE_INSTANCE_TYPE
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
            # when what it is given changes, deleting first since its name stays; its tags are
            # never sent again (an update would change nothing), and what Azure fills in is no
            # reason to re-attach.
            opts=after(self.grants, also=[extension, *types], parent=self,
                       replace_on_changes=list(ATTACHED_WITH), delete_before_replace=True,
                       ignore_changes=["tags"], deleted_with=ws.resource),
        )
        self.id, self.name = self.compute.id, self.compute.name
        self.register_outputs({"cluster_id": self.cluster_id, "id": self.id, "name": self.name})

    def _instance_types(self, name: str, args: KubernetesComputeArgs, group: pulumi.Input[str],
                        cluster_name: pulumi.Input[str], made: list[pulumi.Resource],
                        extension: kc.Extension, aks: cs.ManagedCluster | None,
                        ) -> list[k8s.apiextensions.CustomResource]:
        """The instance types, through the cluster's API server on its admin credentials (none,
        and no credentials read, without instance types)."""
        if not args.instance_types:
            return []
        credentials = cs.list_managed_cluster_admin_credentials_output(
            resource_group_name=group, resource_name=cluster_name,
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=made))
        kubeconfig: pulumi.Input[str] = credentials.kubeconfigs.apply(
            lambda k: base64.b64decode(k[0].value).decode())
        cluster = k8s.Provider(f"{name}-cluster", kubeconfig=pulumi.Output.secret(kubeconfig),
                               opts=pulumi.ResourceOptions(parent=self))
        # The extension installs the custom resource definition; the attach names the default.
        return [k8s.apiextensions.CustomResource(
            f"{name}-instance-type-{t.name}", api_version=INSTANCE_TYPE_API, kind="InstanceType",
            metadata={"name": t.name}, spec=t.spec(),
            opts=pulumi.ResourceOptions(parent=self, provider=cluster, depends_on=[extension],
                                        deleted_with=aks))
            for t in args.instance_types]

    def _cluster(self, name: str, args: KubernetesComputeArgs) -> cs.ManagedCluster:
        ws = args.workspace
        assert args.cluster_name is not None  # the arguments' rule: a name for a new cluster
        return cs.ManagedCluster(
            f"{name}-aks",
            resource_name_=args.cluster_name,
            resource_group_name=ws.resource_group_name,
            location=ws.location,
            dns_prefix=args.cluster_name,
            identity=cs.ManagedClusterIdentityArgs(type=cs.ResourceIdentityType.SYSTEM_ASSIGNED),
            agent_pool_profiles=[cs.ManagedClusterAgentPoolProfileArgs(
                name="system", mode=cs.AgentPoolMode.SYSTEM, count=args.node_count,
                vm_size=args.node_vm_size, os_type=cs.OSType.LINUX,
                type=cs.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS)],
            enable_rbac=True,
            disable_local_accounts=False,  # the Azure ML extension needs the local accounts
            oidc_issuer_profile=cs.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=cs.ManagedClusterSecurityProfileArgs(
                workload_identity=cs.ManagedClusterSecurityProfileWorkloadIdentityArgs(
                    enabled=True)),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self))
