"""The Kubernetes section: an AKS cluster (created, or an existing one) with the Azure ML
extension, attached to the workspace as Kubernetes compute for Kubernetes online endpoints."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import SecretStr

from components import KubernetesCompute, KubernetesComputeArgs, RouterTls
from components.arguments import Problem, azure_name
from components.kubernetes import KubernetesComputeSpec, tls_problems

from ..names import kubernetes_identity_purpose
from .base import ENCRYPTED, ConfigModel, Keys, Problems, StackSecret
from .section import Identity, Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings


class TlsSettings(RouterTls, ConfigModel):
    """TLS of the inference router: a host name and its certificate, or a Kubernetes secret with
    them in an existing cluster."""

    # The stack holds them as secrets until the build hands them to the component as Outputs.
    certificate: StackSecret | None = None  # type: ignore[assignment]
    """The certificate, PEM with its full chain, set as a secret (pulumi config set --secret
    --path kubernetes.tls.certificate); a renewed one updates the extension."""
    key: StackSecret | None = None  # type: ignore[assignment]
    """Its private key, PEM without a passphrase, set as a secret (pulumi config set --secret
    --path kubernetes.tls.key)."""

    def pems(self) -> tuple[str, str] | None:
        if self.certificate is None or self.key is None:
            return None
        certificate, key = self.certificate.get_secret_value(), self.key.get_secret_value()
        if ENCRYPTED in certificate or ENCRYPTED in key:
            return None  # read without the Pulumi CLI: checked where it is decrypted
        return certificate, key


class KubernetesSettings(KubernetesComputeSpec, ConfigModel):
    """An AKS cluster with the Azure ML extension, attached as Kubernetes compute for inference."""

    compute_name: Annotated[str, azure_name("compute")] = "aks"
    """Name of the attached compute in the workspace (what endpoints name as compute)."""
    tls: TlsSettings | None = None
    """{cname, certificate, key} (or {cname, secret} on an existing cluster): TLS for scoring
    requests."""

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + tls_problems(self.tls, self.existing_cluster_id,
                                                     self.allow_insecure_connections)


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
    return [Identity(kubernetes_identity_purpose(s.kubernetes.compute_name), "kubernetes")] \
        if s.kubernetes else []


def _secret(value: SecretStr | None) -> pulumi.Output[str] | None:
    """A secret of the config as the secret Output the component takes."""
    return None if value is None else pulumi.Output.secret(value.get_secret_value())


def _build(p: Platform) -> None:
    """The AKS inference cluster (created, or the given one) with the Azure ML extension,
    attached to the workspace as Kubernetes compute running as its own identity."""
    kube = p.settings.kubernetes
    if kube is None:
        return
    tls = kube.tls
    p.kubernetes = KubernetesCompute(f"kubernetes-{kube.compute_name}", KubernetesComputeArgs(
        **kube.arguments(KubernetesComputeSpec), workspace=p.workspace.ref,
        workspace_principal=p.workspace.principal,
        identity=p.identities[kubernetes_identity_purpose(kube.compute_name)],
        cluster_name=None if kube.existing_cluster_id else p.names.kubernetes_cluster(),
        # The certificate and key stay secrets from the stack's config to the extension.
        tls=None if tls is None else RouterTls(cname=tls.cname, secret=tls.secret,
                                               certificate=_secret(tls.certificate),
                                               key=_secret(tls.key)),
        tags=p.tags))


SECTION = Section(keys=("kubernetes",), rules=(_not_in_a_managed_network,
                                               _insecure_in_production),
                  identities=_identities, build=_build)
