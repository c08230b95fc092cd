"""The diagnostics section: the resource logs of what the stack creates, sent to its Log
Analytics workspace (:mod:`components.diagnostics`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.diagnostics import Diagnostics, DiagnosticsArgs, LogTarget
from components.endpoint import ONLINE_ENDPOINT
from components.kubernetes import MANAGED_CLUSTER
from components.registry import REGISTRY
from components.workspace import BLOB_SERVICE, KEY_VAULT, ML_WORKSPACE

from .section import Section

if TYPE_CHECKING:
    from ..program import Platform


def targets(p: Platform) -> list[LogTarget]:
    """What the stack creates that has resource logs: the workspace, its key vault, storage (the
    blob service) and registry, the customer-managed key's vault, managed online endpoints (a
    Kubernetes endpoint's logs are its cluster's) and the AKS cluster. What the stack takes by id
    is another owner's to watch."""
    s, ws = p.settings, p.workspace
    found = [LogTarget("workspace", ML_WORKSPACE, ws.id),
             LogTarget("key-vault", KEY_VAULT, ws.key_vault_id),
             LogTarget("storage-blob", BLOB_SERVICE, ws.blob_service_id)]
    if p.encryption is not None:  # who used the key, and when
        found.append(LogTarget("encryption-key-vault", KEY_VAULT, p.encryption.key_vault_id))
    if s.existing_registry_id is None:
        found.append(LogTarget("registry", REGISTRY, p.registry.id))
    found += [LogTarget(f"endpoint-{e.name}", ONLINE_ENDPOINT, p.endpoints[e.name].id)
              for e in s.online_endpoints if not e.on_kubernetes()]
    if p.kubernetes is not None and s.kubernetes is not None \
            and s.kubernetes.existing_cluster_id is None:
        found.append(LogTarget("aks", MANAGED_CLUSTER, p.kubernetes.cluster_id))
    return found


def _build(p: Platform) -> None:
    if p.settings.diagnostics:
        Diagnostics("diagnostics", DiagnosticsArgs(
            log_analytics_id=p.workspace.log_analytics_id, targets=targets(p)))


SECTION = Section(keys=("diagnostics",), build=_build)
