"""User-assigned managed identity: what a workload runs as, and what role grants are made to.

A workload takes any :class:`UserIdentity`: a :class:`ManagedIdentity` this program creates, or an
:class:`ExistingIdentity` looked up by its resource id (bring your own, or one from another
language's program).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Protocol

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import managedidentity

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, Principal
from .arguments import Placed, StrInput, azure_name
from .azure.names import RULES
from .azure.resource_ids import parse_resource_id

USER_ASSIGNED_IDENTITY = catalog.register(catalog.ResourceType(
    "azure-native:managedidentity:UserAssignedIdentity", "user-assigned identity",
    created_in=catalog.Seconds(5, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}"),
    name="resourceName", name_rule=RULES["managed identity"], replaced_on=("location",)))
catalog.require(ROLE_ASSIGNMENT, {USER_ASSIGNED_IDENTITY: PRINCIPAL_OR_SCOPE})


class UserIdentity(Protocol):
    """What a workload needs of the user-assigned identity it runs as."""

    @property
    def id(self) -> pulumi.Output[str]: ...
    @property
    def name(self) -> pulumi.Output[str]: ...
    @property
    def principal_id(self) -> pulumi.Output[str]: ...
    @property
    def client_id(self) -> pulumi.Output[str]: ...
    @property
    def tenant_id(self) -> pulumi.Output[str]: ...
    @property
    def resource_group_name(self) -> pulumi.Output[str]: ...
    @property
    def principal(self) -> Principal: ...


class ManagedIdentityArgs(Placed):
    """Arguments of :class:`ManagedIdentity`."""

    identity_name: Annotated[StrInput, azure_name("managed identity")]
    """Azure name of the identity."""
    tags: Mapping[str, str] = {}


class ManagedIdentity(pulumi.ComponentResource):
    """A user-assigned managed identity.

    Its ``principal_id`` is what role assignments name; its ``client_id`` is what code running as
    it passes to ``ManagedIdentityCredential`` / ``AZURE_CLIENT_ID``; its ``id`` is what a
    workspace, compute cluster or endpoint lists among its user-assigned identities.
    """

    id: pulumi.Output[str]
    """Resource id of the identity."""
    name: pulumi.Output[str]
    """Azure name of the identity."""
    principal_id: pulumi.Output[str]
    """Object id of the identity's service principal in Entra ID."""
    client_id: pulumi.Output[str]
    """Application (client) id of the identity."""
    tenant_id: pulumi.Output[str]
    """Entra ID tenant of the identity."""
    resource_group_name: pulumi.Output[str]
    principal: Principal
    """The identity as role assignments name it."""

    def __init__(self, name: str, args: ManagedIdentityArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:identity:ManagedIdentity", name, {}, opts)
        identity = managedidentity.UserAssignedIdentity(
            name,
            resource_name_=args.identity_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.id = identity.id
        self.name = identity.name
        self.principal_id = identity.principal_id
        self.client_id = identity.client_id
        self.tenant_id = identity.tenant_id
        self.resource_group_name = pulumi.Output.from_input(args.resource_group_name)
        self.principal = Principal(self.name, self.principal_id)
        self.register_outputs({"id": self.id, "name": self.name, "principal_id": self.principal_id,
                               "client_id": self.client_id, "tenant_id": self.tenant_id})


@dataclass(frozen=True)
class ExistingIdentity:
    """A user-assigned identity this program does not manage, looked up by resource id."""

    id: pulumi.Output[str]
    name: pulumi.Output[str]
    principal_id: pulumi.Output[str]
    client_id: pulumi.Output[str]
    tenant_id: pulumi.Output[str]
    resource_group_name: pulumi.Output[str]
    principal: Principal

    @staticmethod
    def lookup(identity_id: pulumi.Input[str],
               opts: pulumi.InvokeOutputOptions | None = None) -> ExistingIdentity:
        """The identity ``/subscriptions/.../userAssignedIdentities/<name>``, read from Azure
        (through the provider, so in the provider's subscription)."""
        parts = pulumi.Output.from_input(identity_id).apply(lambda rid: parse_resource_id(
            rid, "Microsoft.ManagedIdentity/userAssignedIdentities"))
        found = managedidentity.get_user_assigned_identity_output(
            resource_group_name=parts.apply(lambda p: p.resource_group_name),
            resource_name=parts.apply(lambda p: p.name), opts=opts)
        name = parts.apply(lambda p: p.name)
        principal_id = found.apply(lambda f: f.principal_id)
        return ExistingIdentity(
            id=pulumi.Output.from_input(identity_id), name=name, principal_id=principal_id,
            client_id=found.apply(lambda f: f.client_id),
            tenant_id=found.apply(lambda f: f.tenant_id),
            resource_group_name=parts.apply(lambda p: p.resource_group_name),
            principal=Principal(name, principal_id))


def ml_identity(identity: UserIdentity | None,
                *more: UserIdentity) -> ml.ManagedServiceIdentityArgs:
    """The identity block of an Azure ML resource that runs as ``identity`` (and holds ``more``
    user-assigned identities), or as its own system-assigned identity when ``identity`` is None
    (beside ``more``: "SystemAssigned,UserAssigned")."""
    if identity is None:
        if more:
            return ml.ManagedServiceIdentityArgs(
                type=ml.ManagedServiceIdentityType.SYSTEM_ASSIGNED_USER_ASSIGNED,
                user_assigned_identities=[i.id for i in more])
        return ml.ManagedServiceIdentityArgs(type=ml.ManagedServiceIdentityType.SYSTEM_ASSIGNED)
    return ml.ManagedServiceIdentityArgs(
        type=ml.ManagedServiceIdentityType.USER_ASSIGNED,
        user_assigned_identities=[i.id for i in (identity, *more)])


def runs_as(identity: UserIdentity | None, resource: pulumi.CustomResource,
            name: pulumi.Input[str]) -> tuple[Principal, pulumi.Output[str | None]]:
    """The principal ``resource`` (Azure name ``name``) acts as, and its client id: ``identity``,
    or the resource's own system-assigned identity (which has no client id to hand out) when
    ``identity`` is None."""
    if identity is not None:
        return identity.principal, identity.client_id
    system = resource.identity.apply(lambda i: i.principal_id)  # type: ignore[attr-defined]
    return Principal(name, system), pulumi.Output.from_input(None)
