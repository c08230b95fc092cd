"""Who acts, which role it holds on what, and what waits for it: the one vocabulary of grants.

A :class:`Principal` is what acts in Azure: a user-assigned identity, a resource's own
system-assigned identity, a user or a group. :func:`grant` gives it a built-in role on a scope and
returns the :class:`Grant`: the role assignment plus who holds which role on what, as data for the
access matrix, stack outputs and tests. Every role assignment of this package is made by
:func:`grant`, which

* looks the role up by its exact built-in name (:data:`~components.azure.roles.BUILT_IN_ROLES`),
* writes the subscription-scoped role definition id that ARM returns, so refreshes show no diff,
* sets ``principal_type`` so that a just-created identity does not fail with PrincipalNotFound
  while Entra ID replicates it (RBAC docs, "New service principal"),
* names the assignment with a GUID derived from scope, principal and role, so a re-run, an import
  or a re-creation under another Pulumi name maps to the same Azure assignment instead of failing
  with 409 RoleAssignmentExists,
* refuses Owner, Contributor and User Access Administrator at resource-group or subscription scope.

A workload that acts as a principal from its first start is created :func:`after` its grants.

Some roles Azure assigns by itself, to a resource's system-assigned identity when it creates the
resource. The package declares no assignment for those (a second assignment of the same principal,
role and scope fails with 409 RoleAssignmentExists) but records each as an :class:`AzureGrant`, so
that what a workload can do is shown, not hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization

from . import catalog
from .azure.roles import BUILT_IN_ROLES, assignment_name, role_definition_id
from .propagation import propagation_hook

ROLE_ASSIGNMENT = catalog.register(catalog.ResourceType(
    "azure-native:authorization:RoleAssignment", "role assignment",
    created_in=catalog.Seconds(10, catalog.ESTIMATE + " (propagation, up to 10 minutes per Azure "
                                                      "RBAC troubleshooting, is not waited for by "
                                                      "ARM or Pulumi)"),
    id_template="{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
    name="roleAssignmentName", replaced_on=("principalId",)))
PRINCIPAL_OR_SCOPE = "the principal and the scope of an assignment must exist"
"""Why a role assignment needs a resource first: each type that can be either says so
(``catalog.require(ROLE_ASSIGNMENT, {TYPE: PRINCIPAL_OR_SCOPE})``)."""

SERVICE_PRINCIPAL = authorization.PrincipalType.SERVICE_PRINCIPAL
USER_STORAGE_ROLES = ("Storage Blob Data Contributor", "Storage File Data Privileged Contributor")
"""What a person needs on a workspace storage that takes no keys: submitting code, notebooks,
browsing data (how-to-disable-local-auth-storage)."""


@dataclass(frozen=True)
class Principal:
    """What acts in Azure, as role assignments name it."""

    name: pulumi.Input[str]
    """What listings call it: an identity's or a workload's Azure name, or an object id."""
    id: pulumi.Input[str]
    """Object (principal) id in Entra ID."""
    type: authorization.PrincipalType = SERVICE_PRINCIPAL
    """ServicePrincipal for a managed identity; User or Group for people."""


@dataclass(frozen=True)
class Grant:
    """One built-in role held by one principal on one scope."""

    principal: Principal
    role: str
    """Built-in role name, a key of :data:`~components.azure.roles.BUILT_IN_ROLES`."""
    scope: pulumi.Input[str]
    """Resource id the role is held on."""
    assignment: authorization.RoleAssignment
    """The role assignment resource."""
    source: str = ""
    """Why the principal holds the role: the document that says it needs it."""

    def as_output(self) -> pulumi.Output[dict[str, str]]:
        """The grant as a plain mapping for stack outputs and listings."""
        return pulumi.Output.all(self.principal.name, self.principal.id, self.scope).apply(
            lambda values: {"principal": values[0], "principalId": values[1],
                            "role": self.role, "scope": values[2], "grantedBy": "stack",
                            "source": self.source})


@dataclass(frozen=True)
class AzureGrant:
    """A built-in role Azure itself assigns a system-assigned identity: no resource of the stack
    makes it, and none can take it away while the identity exists."""

    principal: Principal
    role: str
    """Built-in role name, a key of :data:`~components.azure.roles.BUILT_IN_ROLES`."""
    scope: pulumi.Input[str]
    """Resource id the role is held on."""
    source: str
    """The Microsoft document that says Azure makes the assignment."""

    def as_output(self) -> pulumi.Output[dict[str, str]]:
        """The grant as a plain mapping for stack outputs and listings."""
        return pulumi.Output.all(self.principal.name, self.principal.id, self.scope).apply(
            lambda values: {"principal": values[0], "principalId": values[1],
                            "role": self.role, "scope": values[2], "grantedBy": "Azure",
                            "source": self.source})


def grant(owner: pulumi.Resource, name: str, principal: Principal, role: str,
          scope: pulumi.Input[str], source: str = "",
          depends_on: Sequence[pulumi.Resource] = ()) -> Grant:
    """Grant built-in ``role`` to ``principal`` on ``scope`` and return the grant; ``source`` is
    the document that says the principal needs it (shown in the access matrix); ``depends_on``
    is what creates the scope, when it is not a resource the scope is an output of.

    The assignment is a child of ``owner`` (the component whose workload needs the role), named
    ``<name>-<role>`` in Pulumi, e.g. ``cluster-cpu-registry-acrpull`` for ``name``
    ``cluster-cpu-registry``; its Azure name is derived from scope, principal and role.
    """
    if role not in BUILT_IN_ROLES:
        raise ValueError(f"unknown built-in role {role!r}; "
                         f"known roles: {', '.join(BUILT_IN_ROLES)}")
    slug = re.sub(r"[^a-z0-9]+", "-", role.lower()).strip("-")
    scope_output = pulumi.Output.from_input(scope)
    assignment = authorization.RoleAssignment(
        f"{name}-{slug}",
        role_assignment_name=pulumi.Output.all(scope_output, principal.id).apply(
            lambda values: assignment_name(values[0], values[1], role)),
        principal_id=principal.id,
        principal_type=principal.type,
        role_definition_id=scope_output.apply(lambda s: role_definition_id(s, role)),
        scope=scope_output,
        opts=pulumi.ResourceOptions(parent=owner, depends_on=list(depends_on)),
    )
    return Grant(principal, role, scope, assignment, source)


def secret_scope(vault_id: pulumi.Input[str], secret: str) -> pulumi.Output[str]:
    """The scope of one secret of a key vault: Key Vault RBAC grants roles on single secrets
    ("separate permissions on individual keys, secrets, and certificates", Key Vault rbac-guide)."""
    return pulumi.Output.from_input(vault_id).apply(lambda v: f"{v.rstrip('/')}/secrets/{secret}")


def secret_grants(owner: pulumi.Resource, name: str, principal: Principal,
                  vault_id: pulumi.Input[str], secrets: Iterable[str], source: str,
                  depends_on: Sequence[pulumi.Resource] = ()) -> list[Grant]:
    """Key Vault Secrets User on each of ``secrets`` (names) only, never on the whole vault: the
    workspace vault also holds the credentials Azure ML keeps for datastores and connections.
    ``depends_on``: what creates secrets the program makes (the scope must exist)."""
    return [grant(owner, f"{name}-secret-{secret}", principal, "Key Vault Secrets User",
                  secret_scope(vault_id, secret), source, depends_on) for secret in secrets]


def after(grants: Iterable[Grant], *, parent: pulumi.Resource,
          also: Sequence[pulumi.Resource] = (), **options: Any) -> pulumi.ResourceOptions:
    """Options of a workload that acts as its grants' principal from its first start: it is
    created after their role assignments (and ``also``, e.g. what its code reads) and retries while
    the assignments take effect (:mod:`components.propagation`); ``options`` are other resource
    options."""
    return pulumi.ResourceOptions(
        parent=parent, depends_on=[*(g.assignment for g in grants), *also],
        hooks=pulumi.ResourceHookBinding(on_error=[propagation_hook()]), **options)
