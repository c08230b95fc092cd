"""The Kubernetes section: an AKS cluster (created, or an existing one) with the Azure ML
extension, attached to the workspace as Kubernetes compute for Kubernetes online endpoints."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import Field, StrictBool, StrictInt

from components import AksClusterSpec, InstanceType, KubernetesCompute, KubernetesComputeArgs
from components.arguments import azure_name, resource_id
from components.azure.vm_sizes import nvidia_gpu_size_problem
from components.kubernetes import AZURE_INSTANCE_TYPE, tls_pem_problems

from ..names import kubernetes_identity_purpose
from .base import ENCRYPTED, VM_SIZE, ConfigModel, Keys, Problems, StackSecret, unique
from .section import Identity, Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings


class InstanceTypeSettings(ConfigModel):
    """A Kubernetes instance type: what each deployment instance requests and is limited to."""

    name: str = Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", description=(
        "A Kubernetes resource name: lowercase letters, digits and hyphens."))
    cpu: str = Field("1", pattern=r"^\d+(\.\d+)?m?$", description="CPU, e.g. 1 or 500m.")
    memory: str = Field("2Gi", pattern=r"^\d+(Ki|Mi|Gi|Ti)$", description="Memory, e.g. 2Gi.")
    gpu: StrictInt = Field(0, ge=0, le=8, description=(
        "NVIDIA GPUs (0: none); the extension then installs NVIDIA's device plugin."))


def _default_instance_types() -> tuple[InstanceTypeSettings, ...]:
    return (InstanceTypeSettings(name="cpu-small"),)


class TlsSettings(ConfigModel):
    """TLS of the inference router: a host name and its certificate, or a Kubernetes secret with
    them in an existing cluster."""

    cname: str = Field(pattern=r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]"
                                r"([a-zA-Z0-9-]*[a-zA-Z0-9])?)+$", description=(
        "The host name scoring requests use (the certificate's name)."))
    certificate: StackSecret | None = Field(None, description=(
        "The certificate, PEM with its full chain, set as a secret (pulumi config set --secret "
        "--path kubernetes.tls.certificate); a renewed one updates the extension."))
    key: StackSecret | None = Field(None, description=(
        "Its private key, PEM without a passphrase, set as a secret (pulumi config set --secret "
        "--path kubernetes.tls.key)."))
    secret: str | None = Field(None, pattern=r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$",
                               description=(
        "Instead of certificate and key, on an existing cluster only: a Kubernetes secret "
        "already in its azureml namespace with cert.pem and key.pem."))


RouterServiceType = Literal["loadBalancer", "nodePort", "clusterIP"]


class KubernetesSettings(ConfigModel):
    """An AKS cluster with the Azure ML extension, attached as Kubernetes compute for inference."""

    name: Annotated[str, azure_name("compute")] = Field("aks", description=(
        "Name of the attached compute in the workspace (what endpoints name as compute)."))
    existing_cluster_id: Annotated[str, resource_id("Microsoft.ContainerService/managedClusters",
                                                    "kubernetes cluster")] | None = Field(
        None, description="An existing AKS cluster (same subscription) instead of a new one.",
        json_schema_extra={"allowed": "an AKS cluster resource id: /subscriptions/<id>/"
                                      "resourceGroups/<group>/providers/"
                                      "Microsoft.ContainerService/managedClusters/<name>"})
    node_vm_size: str = Field("Standard_D4s_v5", pattern=VM_SIZE, description=(
        "VM size of a created cluster's nodes (at least 4 vCPUs and 14 GB for the extension; "
        "an NVIDIA GPU size for GPU instance types)."))
    node_count: StrictInt = Field(3, ge=1, le=100, description=(
        "Nodes of a created cluster (3 or more: the inference router runs highly available)."))
    instance_types: tuple[InstanceTypeSettings, ...] = Field(
        default_factory=_default_instance_types, description=(
            "Instance types deployments choose from (custom resources in the cluster, put through "
            "its API server: pulumi must reach it); the first is the compute's default; Azure's "
            "own defaultinstancetype is there too. []: none, and no call to the API server."))
    router_service_type: RouterServiceType = Field(
        "loadBalancer", description="How the inference router is exposed.")
    internal_load_balancer: StrictBool = Field(True, description=(
        "A load-balanced router gets an internal Azure load balancer (no public IP), in the "
        "cluster's virtual network."))
    tls: TlsSettings | None = Field(None, description=(
        "{cname, certificate, key} (or {cname, secret} on an existing cluster): TLS for scoring "
        "requests."))
    allow_insecure_connections: StrictBool = Field(False, description=(
        "Serve scoring over plain HTTP (no tls): refused where data is protected."))
    install_nvidia_device_plugin: StrictBool | None = Field(None, description=(
        "Whether the extension installs NVIDIA's device plugin (unset: when an instance type asks "
        "for a GPU; false for a cluster that runs one already)."))

    def rules(self, k: Keys) -> Problems:
        p = self._tls(k) + unique(k("instanceTypes"), [t.name for t in self.instance_types])
        p += [f"{k('instanceTypes', i, 'name')} = {AZURE_INSTANCE_TYPE!r} is not allowed: "
              "another name (Azure creates its own defaultinstancetype when it attaches the "
              "cluster)" for i, t in enumerate(self.instance_types)
              if t.name == AZURE_INSTANCE_TYPE]
        gpu = [t.name for t in self.instance_types if t.gpu]
        size = None if self.existing_cluster_id else self.node_vm_size
        found = nvidia_gpu_size_problem(size) if gpu and size else None
        if found:
            p.append(f"{k('nodeVmSize')} = {size!r} is not allowed with instance types that ask "
                     f"for GPUs ({', '.join(gpu)}): {found}")
        given = self.model_fields_set
        if self.existing_cluster_id:
            p += [f"{k(key)} = {getattr(self, name)!r} is not allowed with existingClusterId: "
                  "nothing (it sizes a cluster the stack creates; the existing one keeps its "
                  "nodes)" for name, key in (("node_vm_size", "nodeVmSize"),
                                             ("node_count", "nodeCount")) if name in given]
        if "internal_load_balancer" in given and self.router_service_type != "loadBalancer":
            p.append(f"{k('internalLoadBalancer')} = "
                     f"{str(self.internal_load_balancer).lower()} is not allowed with "
                     f"routerServiceType {self.router_service_type}: nothing (only a "
                     "loadBalancer router gets a load balancer)")
        return p

    def _tls(self, k: Keys) -> Problems:
        """The router's TLS: a certificate and key the extension takes as protected settings, or
        a Kubernetes secret that is already in an existing cluster
        (how-to-secure-kubernetes-online-endpoint); the certificate and key are never quoted."""
        tls = self.tls
        if tls is None:
            return [] if self.allow_insecure_connections else [
                f"{k('tls')} is missing: {{cname, certificate, key}} (the router's certificate "
                "and key, set as secrets), {cname, secret} on an existing cluster, or "
                "allowInsecureConnections: true"]
        where = k.at("tls")
        pem = tls.certificate is not None or tls.key is not None
        if tls.secret and pem:
            return [f"{where('secret')} = {tls.secret!r} is not allowed with certificate and key: "
                    "one of the two (\"They don't configure sslSecret and sslCertPemFile/"
                    "sslKeyPemFile at the same time\")"]
        if tls.secret:
            return [] if self.existing_cluster_id else [
                f"{where('secret')} = {tls.secret!r} is not allowed on a cluster the stack "
                "creates: certificate and key (the extension needs the secret in the cluster's "
                "azureml namespace when it installs, and nothing makes it there first)"]
        if tls.certificate is None or tls.key is None:
            return [f"{where(name)} is missing: the router's {name}, PEM, set as a secret"
                    for name, value in (("certificate", tls.certificate), ("key", tls.key))
                    if value is None]
        certificate, key = tls.certificate.get_secret_value(), tls.key.get_secret_value()
        if ENCRYPTED in certificate or ENCRYPTED in key:
            return []  # read without the Pulumi CLI: checked where it is decrypted
        return [f"{where(which)} (a secret, not shown) is not allowed: {what}"
                for which, what in tls_pem_problems(certificate, key)]


def _not_in_a_managed_network(s: StackSettings, k: Keys) -> Problems:
    if s.kubernetes is not None and s.network is not None:
        return [f"{k('kubernetes')} is not allowed with {k('network')}: nothing (managed "
                "network isolation does not support Kubernetes compute, how-to-managed-"
                "network, Limitations)"]
    return []


def _insecure_in_production(s: StackSettings, k: Keys) -> Problems:
    if s.kubernetes and s.kubernetes.allow_insecure_connections and s.protect_stateful_resources:
        return [f"{k('kubernetes', 'allowInsecureConnections')} = true is not allowed where "
                f"{k('protectStatefulResources')} is true: tls (scoring tokens would cross "
                "the network in clear)"]
    return []


def key_in_clear(namespace: str, raw: Mapping[str, str | None]) -> Problems:
    """The router's private key in config that Pulumi does not keep as a secret. A structured
    value holding a secret is a secret key: ``Map.SecureKeys`` lists the keys whose value is
    secure, and an object is "a composite value that contains a secure string" (pulumi/pulumi
    ``sdk/go/common/resource/config`` map.go, object.go)."""
    full = f"{namespace}:kubernetes"
    try:
        key = json.loads(raw.get("kubernetes") or "{}")["tls"]["key"]
    except (ValueError, KeyError, TypeError):
        return []
    if not isinstance(key, str) or not key or runtime_config.is_config_secret(full):
        return []
    return [f"{full}.tls.key is not allowed in plain text: a secret (pulumi config set --secret "
            "--path 'kubernetes.tls.key' \"$(cat key.pem)\"), which the stack file keeps "
            "encrypted"]


def _identities(s: StackSettings) -> list[Identity]:
    return [Identity(kubernetes_identity_purpose(s.kubernetes.name), "kubernetes")] \
        if s.kubernetes else []


def _build(p: Platform) -> None:
    """The AKS inference cluster (created, or the given one) with the Azure ML extension,
    attached to the workspace as Kubernetes compute running as its own identity."""
    kube = p.settings.kubernetes
    if kube is None:
        return
    tls = kube.tls
    # The certificate and key stay secrets from the stack's config to the extension.
    certificate, key = (tls.certificate, tls.key) if tls else (None, None)
    p.kubernetes = KubernetesCompute(f"kubernetes-{kube.name}", KubernetesComputeArgs(
        workspace=p.workspace.ref, workspace_principal=p.workspace.principal,
        compute_name=kube.name,
        identity=p.identities[kubernetes_identity_purpose(kube.name)],
        cluster=None if kube.existing_cluster_id else AksClusterSpec(
            cluster_name=p.names.kubernetes_cluster(), node_vm_size=kube.node_vm_size,
            node_count=kube.node_count),
        existing_id=kube.existing_cluster_id,
        instance_types=[InstanceType(t.name, t.cpu, t.memory, t.gpu)
                        for t in kube.instance_types],
        router_service_type=kube.router_service_type,
        internal_load_balancer=kube.internal_load_balancer,
        tls_cname=tls.cname if tls else None, tls_secret=tls.secret if tls else None,
        tls_certificate=None if certificate is None
        else pulumi.Output.secret(certificate.get_secret_value()),
        tls_key=None if key is None else pulumi.Output.secret(key.get_secret_value()),
        allow_insecure_connections=kube.allow_insecure_connections,
        install_nvidia_device_plugin=kube.install_nvidia_device_plugin, tags=p.tags))


SECTION = Section(keys=("kubernetes",), rules=(_not_in_a_managed_network,
                                               _insecure_in_production),
                  identities=_identities, build=_build)
