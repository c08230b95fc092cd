"""The encryption section: the customer-managed key of the workspace, its storage and (where
Microsoft documents it) the registry, in a key vault of its own, used as the ``encryption``
identity (:mod:`components.encryption`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components import EncryptionKey, EncryptionKeyArgs

from .section import Identity, Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings

ENCRYPTION_PURPOSE = "encryption"
"""The identity the encrypted services use the key as (``id-<workload>-<env>-encryption``)."""


def registry_encrypted(s: StackSettings) -> bool:
    """Whether the registry the stack creates is encrypted with the key: Premium only ("This
    feature is available in the Premium container registry service tier"), and not in a private
    stack, whose vault takes no public traffic: "Currently, an Azure container registry can only
    bypass the firewall when using its system-managed identity", and a registry is encrypted at
    creation through a user-assigned one (container-registry-customer-managed-keys). A registry
    the stack takes by id is its owner's to encrypt."""
    return (s.customer_managed_key and s.registry_sku == "Premium"
            and s.existing_registry_id is None and s.network is None)


def _identities(s: StackSettings) -> list[Identity]:
    return [Identity(ENCRYPTION_PURPOSE, "customerManagedKey")] if s.customer_managed_key else []


def _build(p: Platform) -> None:
    identity = p.identity(ENCRYPTION_PURPOSE)
    if identity is None:
        return
    p.encryption = EncryptionKey("encryption", EncryptionKeyArgs(
        key_vault_name=p.suffix.apply(p.names.encryption_key_vault), identity=identity,
        private=p.settings.network is not None, protect=p.protect, tags=p.tags, **p.place))


SECTION = Section(keys=("customerManagedKey", "workspaceHighBusinessImpact"),
                  identities=_identities, build=_build)
"""Built before the workspace section, whose registry and workspace use the key."""
