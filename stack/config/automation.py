"""The identity sections that stand alone: the identity image builds pull base images from a
private registry as, and the CI identity with its federated credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components import (
    AutomationIdentity,
    AutomationIdentityArgs,
    FederatedCredential,
    PrivateRegistryAccess,
    PrivateRegistryAccessArgs,
)
from components.automation import credential_problems

from ..names import AUTOMATION_PURPOSE, REGISTRY_PULL_PURPOSE, endpoint_identity_purpose
from .base import ConfigModel, Keys, Problems
from .section import Identity, Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings


def _registry_identity(s: StackSettings) -> list[Identity]:
    return [Identity(REGISTRY_PULL_PURPOSE, "privateRegistryId")] if s.private_registry_id \
        else []


def _build_registry_access(p: Platform) -> None:
    registry = p.settings.private_registry_id
    if registry:  # base images from a private registry (seed 002)
        p.private_registry = PrivateRegistryAccess("private-registry", PrivateRegistryAccessArgs(
            workspace=p.workspace.ref, workspace_principal=p.workspace.principal,
            registry_id=registry, identity=p.identities[REGISTRY_PULL_PURPOSE]))


PRIVATE_REGISTRY = Section(keys=("privateRegistryId",), identities=_registry_identity,
                           build=_build_registry_access)


class CredentialSettings(FederatedCredential, ConfigModel):
    """Trust in the OIDC tokens of one CI subject (Entra ID federated credential limits)."""


def _unique_credentials(s: StackSettings, k: Keys) -> Problems:
    return s.words(credential_problems(("automation_credentials",), s.automation_credentials), k)


def _automation_identity(s: StackSettings) -> list[Identity]:
    return [Identity(AUTOMATION_PURPOSE, "automationCredentials")] \
        if s.automation_credentials else []


def _build_automation(p: Platform) -> None:
    s = p.settings
    if s.automation_credentials:  # CI without secrets (replaces seed 001's client secret)
        p.automation = AutomationIdentity("automation", AutomationIdentityArgs(
            workspace=p.workspace.ref, identity=p.identities[AUTOMATION_PURPOSE],
            credentials=[FederatedCredential(**c.arguments(FederatedCredential))
                         for c in s.automation_credentials],
            endpoint_identities={e.name: p.identities[endpoint_identity_purpose(e.name)]
                                 for e in s.online_endpoints if e.identity == "userAssigned"}))


AUTOMATION = Section(keys=("automationCredentials",), rules=(_unique_credentials,),
                     identities=_automation_identity, build=_build_automation)
