"""The sections of the stack's configuration, in the order the program builds them (each after
what it uses: the data account before the workspace that reaches it, the customer-managed key
before the registry and the workspace encrypted with it, the workloads after the
workspace, the endpoints after the Kubernetes compute and the asset store, the batch endpoints
after the clusters they run on)."""

from __future__ import annotations

from . import (
    assets,
    automation,
    batch_endpoints,
    clusters,
    data,
    diagnostics,
    encryption,
    endpoints,
    instances,
    kubernetes,
    ml_registry,
    network,
    secrets,
    stack,
    tags,
    workspace,
)
from .section import Section

SECTIONS: tuple[Section, ...] = (
    stack.SECTION, tags.SECTION, data.STORAGE, ml_registry.REFERENCE, encryption.SECTION,
    workspace.SECTION,
    network.SECTION, automation.PRIVATE_REGISTRY, data.USERS, secrets.SECTION, clusters.SECTION,
    instances.SECTION, kubernetes.SECTION, assets.SECTION, endpoints.SECTION,
    automation.AUTOMATION, ml_registry.ACCESS, batch_endpoints.SECTION, diagnostics.SECTION)
"""Every section; together they own every top-level key once."""
