"""An identity for deployment pipelines that sign in with their own OIDC tokens, not a secret.

Replaces seed 001's service principal with a client secret and Contributor on the resource group.
A CI system (GitHub Actions, Azure DevOps, GitLab, ...) presents its OIDC token; Entra ID trusts it
through a federated identity credential on this user-assigned identity (issuer, subject and
audience must match the token exactly; no wildcards). The pipeline then holds only what shipping
models to the workspace needs, each on the narrowest scope Azure allows:

- AzureML Data Scientist on the workspace: register models, code and environments, create and
  update online endpoints and deployments, submit jobs; not create compute or change the
  workspace (built-in role description);
- Storage Blob Data Contributor on the workspace storage: upload the files of those assets;
- Managed Identity Operator on each endpoint's user-assigned identity: creating or updating an
  endpoint that runs as a user-assigned identity needs ``.../userAssignedIdentities/assign/action``
  on it (Azure ML "Manage access", common scenarios, footnote 4).

It does not get what this stack's own ``pulumi up`` needs (creating resources and role
assignments); that stays with the platform team's deployment identity.

Entra ID refuses concurrent writes of federated credentials on one identity (HTTP 409; "Important
considerations and restrictions for federated identity credentials"), so each credential waits
for the previous one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

import pulumi
from pulumi_azure_native import managedidentity
from pydantic import Field, InstanceOf, SkipValidation

from . import catalog
from .access import Grant, grant
from .arguments import Arguments, Path, Problem, azure_name, unique_names
from .azure import sources
from .azure.names import RULES
from .identity import USER_ASSIGNED_IDENTITY, UserIdentity
from .workspace import WorkspaceRef

FEDERATED_CREDENTIAL = catalog.register(catalog.ResourceType(
    "azure-native:managedidentity:FederatedIdentityCredential", "federated credential",
    created_in=catalog.Seconds(5, catalog.ESTIMATE),
    id_template=catalog.in_group(
        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/"
        "federatedIdentityCredentials/{federatedIdentityCredentialResourceName}"),
    name="federatedIdentityCredentialResourceName", name_rule=RULES["federated credential"],
    requires={USER_ASSIGNED_IDENTITY: "a credential belongs to its identity"},
    shown=(catalog.Shown("issuer", "issuer"), catalog.Shown("subject", "subject"))))
catalog.require(FEDERATED_CREDENTIAL, {
    FEDERATED_CREDENTIAL: "Entra ID refuses concurrent credential writes on one identity"})


class FederatedCredential(Arguments):
    """Trust in the OIDC tokens of one CI subject (Entra ID federated credential limits)."""

    name: Annotated[str, azure_name("federated credential")]
    """Name of the credential on the identity."""
    issuer: str = Field(pattern=r"^https://[^\s*]{1,592}$")
    """The issuer's https URL, e.g. https://token.actions.githubusercontent.com."""
    subject: str = Field(pattern=r"^[^\s*]{1,600}$")
    """The token's subject claim without spaces or wildcards, e.g.
    repo:<org>/<repo>:environment:prod."""
    audience: str = Field("api://AzureADTokenExchange", pattern=r"^[^\s*]{1,600}$")
    """One audience value."""


MAX_CREDENTIALS = 20
"""Federated credentials one identity takes at most ("A maximum of 20 federated identity
credentials can be added to an application or user-assigned managed identity", Entra ID,
workload-identity-federation-considerations)."""


class AutomationIdentityArgs(Arguments):
    """Arguments of :class:`AutomationIdentity`."""

    workspace: InstanceOf[WorkspaceRef]
    identity: SkipValidation[UserIdentity]
    credentials: Sequence[FederatedCredential] = Field(min_length=1, max_length=MAX_CREDENTIALS)
    """The CI subjects it trusts."""
    endpoint_identities: SkipValidation[Mapping[str, UserIdentity]] = Field(default_factory=dict)
    """Identities of the endpoints the pipeline creates or updates, by endpoint name."""

    def cross_checks(self) -> list[Problem]:
        return credential_problems(("credentials",), self.credentials)


def credential_problems(at: Path, credentials: Sequence[FederatedCredential]) -> list[Problem]:
    """The credentials of the list ``at`` that one identity cannot hold together: a name used
    twice, or an issuer and subject trusted twice ("The combination of issuer and subject must be
    unique on the app", workload-identity-federation-considerations)."""
    found = unique_names(at, [c.name for c in credentials])
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(credentials):
        if (c.issuer, c.subject) in seen:
            found.append(Problem((*at, i, "subject"), c.subject,
                                 "a subject no other credential of this issuer trusts"))
        seen.add((c.issuer, c.subject))
    return found


class AutomationIdentity(pulumi.ComponentResource):
    """Federated credentials and least-privilege grants for a deployment pipeline."""

    client_id: pulumi.Output[str]
    """What the CI login step takes as its client id (with the tenant and subscription ids)."""
    principal_id: pulumi.Output[str]
    grants: list[Grant]

    def __init__(self, name: str, args: AutomationIdentityArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:automation:AutomationIdentity", name, {}, opts)
        ws, identity = args.workspace, args.identity
        previous: list[pulumi.Resource] = []
        for credential in args.credentials:
            previous = [managedidentity.FederatedIdentityCredential(
                f"{name}-{credential.name}",
                federated_identity_credential_resource_name=credential.name,
                resource_name_=identity.name,
                resource_group_name=identity.resource_group_name,
                issuer=credential.issuer,
                subject=credential.subject,
                audiences=[credential.audience],
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )]
        me = identity.principal
        self.grants = [
            grant(self, f"{name}-workspace", me, "AzureML Data Scientist", ws.id,
                  sources.AUTOMATION),
            grant(self, f"{name}-storage", me, "Storage Blob Data Contributor",
                  ws.storage_account_id, sources.AUTOMATION),
            *(grant(self, f"{name}-endpoint-{endpoint}-identity", me, "Managed Identity Operator",
                    endpoint_identity.id, sources.AUTOMATION)
              for endpoint, endpoint_identity in args.endpoint_identities.items()),
        ]
        self.client_id = identity.client_id
        self.principal_id = identity.principal_id
        self.register_outputs({"client_id": self.client_id, "principal_id": self.principal_id})
