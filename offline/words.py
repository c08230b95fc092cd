"""Principals and scopes of a stack run in words, as the preview, the day-2 plan and the
deployer's story name them."""

from __future__ import annotations

import re

from components import catalog
from components.azure.roles import ROLE_BY_GUID
from components.identity import USER_ASSIGNED_IDENTITY
from components.testing.mocks import RANDOM_SUFFIX
from components.testing.runner import Registration, StackRun

from .diagram import AZURE, STACK

SUFFIX_MASK = "*" * len(RANDOM_SUFFIX)


def describe(resource: Registration | None, value: str) -> str:
    """A principal or scope in words: its kind and Azure name, or the raw id when not in the
    stack."""
    if resource is None:
        outside = re.fullmatch(r"/subscriptions/[^/]+/resourceGroups/([^/]+)/providers/"
                               r"[^/]+/([^/]+)/([^/]+)", value, re.IGNORECASE)
        return f"{outside[2]} {outside[3]} in {outside[1]} (outside the stack)" if outside \
            else value
    name = (resource.azure_name or resource.name).replace(RANDOM_SUFFIX, SUFFIX_MASK)
    if resource.type == USER_ASSIGNED_IDENTITY:
        return name
    entry = catalog.find(resource.type)
    kind = entry.label if entry else resource.type
    if value != resource.id:  # the principal id of a resource's own identity
        return f"{name} ({kind}, system-assigned)"
    return f"{kind} {name}"


def principal_words(run: StackRun, principal_id: str) -> str:
    """A principal in words: the deployer (whoever runs ``pulumi up``, the stack's ``deployer``
    output) by that role, any other as :func:`describe` names it."""
    deployer = run.outputs.get("deployer") or {}
    if principal_id and principal_id == deployer.get("objectId"):
        return f"the deployer ({deployer.get('principalType')} running pulumi up)"
    return describe(run.owner_of(principal_id), principal_id)


def scope_words(run: StackRun, scope: str) -> str:
    """A scope in words; a secret of a key vault of the stack as that one secret."""
    parent, found, secret = scope.rpartition("/secrets/")
    owner = run.owner_of(parent) if found else None
    if owner is not None:
        return f"secret {secret} of {describe(owner, parent)}"
    return describe(run.owner_of(scope), scope)


def grant_words(run: StackRun, assignment: Registration) -> dict[str, str]:
    """One role assignment of the stack as principal, role and scope, in words, with the
    document it comes from (the stack's ``grants`` output carries it)."""
    inputs = assignment.inputs
    role = ROLE_BY_GUID[inputs["roleDefinitionId"].rsplit("/", 1)[1]]
    source = next((g.get("source", "") for g in run.outputs.get("grants", [])
                   if (g["principalId"], g["role"], g["scope"])
                   == (inputs["principalId"], role, inputs["scope"])), "")
    return {
        "principal": principal_words(run, inputs["principalId"]),
        "role": role,
        "scope": scope_words(run, inputs["scope"]),
        "principalType": inputs["principalType"],
        "grantedBy": STACK,
        "source": source,
    }


def azure_grant_words(run: StackRun, granted: dict[str, str]) -> dict[str, str]:
    """One role Azure grants a system-assigned identity itself (an entry of the stack's
    ``grants`` output with ``grantedBy: Azure``), in words."""
    return {
        "principal": principal_words(run, granted["principalId"]),
        "role": granted["role"],
        "scope": scope_words(run, granted["scope"]),
        "principalType": "ServicePrincipal",
        "grantedBy": AZURE,
        "source": granted["source"],
    }


