"""Parsing Azure resource ids given in configuration or by callers (bring your own resources)."""

from __future__ import annotations

import re
from typing import NamedTuple


class ResourceId(NamedTuple):
    """The parts of an Azure resource id that a component needs."""

    subscription_id: str
    resource_group_name: str
    name: str


def parse_resource_id(resource_id: str, provider_type: str) -> ResourceId:
    """Split ``/subscriptions/<s>/resourceGroups/<g>/providers/<provider_type>/<name>``.

    ``provider_type`` is e.g. ``Microsoft.ContainerRegistry/registries``; case is ignored, as in
    ARM. Raises ValueError naming the expected shape when ``resource_id`` does not match.
    """
    pattern = (r"/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
               + re.escape(provider_type) + r"/([^/]+)")
    match = re.fullmatch(pattern, resource_id, re.IGNORECASE)
    if not match:
        raise ValueError(f"{resource_id!r} is not a {provider_type} resource id; expected "
                         f"/subscriptions/<id>/resourceGroups/<group>/providers/{provider_type}/<name>")
    return ResourceId(*match.groups())


def provider_type(resource_id: str) -> str | None:
    """The ARM type of a top-level resource id, ``<namespace>/<type>``, e.g.
    ``Microsoft.Storage/storageAccounts``; None when it is not one."""
    match = re.fullmatch(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/([^/]+)/([^/]+)"
                         r"/[^/]+", resource_id, re.IGNORECASE)
    return f"{match[1]}/{match[2]}" if match else None


def resource_group_id(resource_id: str) -> str:
    """The id of the resource group that holds resource ``resource_id``."""
    match = re.match(r"/subscriptions/[^/]+/resourceGroups/[^/]+", resource_id, re.IGNORECASE)
    if not match:
        raise ValueError(f"{resource_id!r} is not a resource id under a resource group")
    return match.group(0)
