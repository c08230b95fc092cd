"""Customer-managed keys: a key vault that holds only the encryption key, the key, and the one
identity allowed to use it.

Azure Machine Learning, its storage account and a Premium container registry can encrypt what
they keep with a key of yours ("Customer-managed keys for Azure Machine Learning",
concept-customer-managed-keys). What Microsoft requires, and what this module does:

* **The vault.** "The key vault must enable soft delete and purge protection"
  (concept-customer-managed-keys): both are always on here, purge protection cannot be turned
  off, and a vault without it is never made. It uses the Azure RBAC permission model ("Microsoft
  recommends using the Azure RBAC permission model over key vault access policies", storage
  customer-managed-keys) and holds nothing but the key, so no other grant on it reaches the key.
  In a private stack it takes no public traffic: "If set to 'disabled' all traffic except private
  endpoint traffic and that that originates from trusted services will be blocked" (Key Vault
  ``publicNetworkAccess``); the services that use the key reach it as trusted services
  (``networkAcls.bypass: AzureServices``). It must be "in the same Azure subscription as the Azure
  Machine Learning workspace" (how-to-setup-customer-managed-keys): it is made beside it.
* **The key.** RSA, 3072 bits by default ("We recommend selecting at least 3072 for the RSA key
  size", how-to-setup-customer-managed-keys; storage takes 2048, 3072 and 4096; the registry
  "supports only RSA or RSA-HSM keys"), with a rotation policy: Key Vault makes a new version
  ``rotate_after`` its creation and each version expires ``expires_after`` its creation. An ARM
  PUT of a key "Creates the first version of a new key if it does not exist. If it already exists,
  then the existing key is returned without any write operations being performed" (REST
  Keys_CreateIfNotExist): the size and the policy are fixed when the key is made, and the key's
  catalog entry says so (a change plans as an update that Azure never applies).
* **The identity.** A user-assigned identity holds Key Vault Crypto Service Encryption User
  ("Read metadata of keys and perform wrap/unwrap operations", built-in roles) on the key: exactly
  the "Wrap Key, Unwrap Key, Get" the services need (concept-customer-managed-keys). The storage
  and registry pages assign it on the vault; Azure RBAC also takes a single key as the scope
  ("separate permissions on individual keys", Key Vault rbac-guide), which is what Microsoft's own
  Machine Learning module does (AVM machine-learning-services/workspace, e2e test ``encr``), and
  the least the identity can hold.

Whatever uses the key is created after the grant, waiting while it takes effect
(:func:`~components.access.after`): :attr:`EncryptionKey.ref` carries what they need.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

import pulumi
from pulumi_azure_native import keyvault
from pydantic import Field, SkipValidation, StrictBool

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, Grant, grant
from .arguments import Placed, Problem, StrInput, azure_name
from .azure import sources
from .catalog import LIES, Fixed, Seconds, Shown
from .identity import UserIdentity
from .key_vault import rbac_vault

ENCRYPTION_ROLE = "Key Vault Crypto Service Encryption User"
"""The role of the identity that uses the key: get, wrap and unwrap, nothing else."""

_VAULT = "azure-native:keyvault:Vault"
"""The key vault type, registered with the workspace's vault (components.workspace.KEY_VAULT),
which imports this module."""
_CREATE_IF_NOT_EXIST = ("Azure/azure-rest-api-specs keyvault Keys_CreateIfNotExist: \"If it "
                        "already exists, then the existing key is returned without any write "
                        "operations being performed. This API does not create subsequent versions, "
                        "and does not update existing keys\"")

ENCRYPTION_KEY = catalog.register(catalog.ResourceType(
    "azure-native:keyvault:Key", "key vault key",
    created_in=Seconds(5, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}"),
    name="keyName", stateful=True,
    fixed=(Fixed("properties", LIES,
                 "an ARM PUT of an existing key writes nothing: a new size, type or rotation "
                 "policy is recorded by Pulumi and never reaches Azure (change the policy with az "
                 "keyvault key rotation-policy update; a new size is a new key)",
                 _CREATE_IF_NOT_EXIST),),
    requires={_VAULT: "a key is created in its vault"},
    shown=(Shown("key type", "properties.kty"), Shown("key size", "properties.keySize"),
           Shown("new version after", "properties.rotationPolicy.lifetimeActions.0.trigger."
                                      "timeAfterCreate"),
           Shown("versions expire after", "properties.rotationPolicy.attributes.expiryTime"))))
catalog.require(ROLE_ASSIGNMENT, {ENCRYPTION_KEY: PRINCIPAL_OR_SCOPE})

_DURATION = r"^P[1-9][0-9]{0,3}[DMY]$"
_DAYS = {"D": 1, "M": 30, "Y": 365}


def _days(duration: str) -> int:
    """An ISO 8601 duration of :data:`_DURATION`, in days (a month as 30, a year as 365)."""
    return int(duration[1:-1]) * _DAYS[duration[-1]]


@dataclass(frozen=True)
class EncryptionRef:
    """What a resource encrypted with the key needs: the key, the identity that uses it and the
    grant it waits for."""

    key_vault_id: pulumi.Input[str]
    """Resource id of the vault that holds the key."""
    key_vault_uri: pulumi.Input[str]
    """The vault's URI, ``https://<vault>.vault.azure.net/``."""
    key_name: pulumi.Input[str]
    key_uri: pulumi.Input[str]
    """The key without a version: a service given it follows the key's newest version."""
    key_uri_with_version: pulumi.Input[str]
    """The key's version Azure returned last (a refresh reads the newest)."""
    identity: UserIdentity
    """The user-assigned identity that uses the key (attach it to each encrypted resource)."""
    grants: Sequence[Grant]
    """What an encrypted resource is created after (:func:`~components.access.after`)."""
    private: bool = False
    """The vault takes no public traffic: only private endpoints and trusted services reach it."""


class EncryptionKeyArgs(Placed):
    """Arguments of :class:`EncryptionKey`."""

    key_vault_name: Annotated[StrInput, azure_name("key vault")]
    """Azure name of the vault that holds the key, unique in Azure."""
    key_name: str = Field("cmk", pattern=r"^[a-zA-Z0-9-]{1,127}$")
    """Name of the key in the vault: 1-127 letters, digits and hyphens."""
    identity: SkipValidation[UserIdentity]
    """The user-assigned identity the encrypted services use the key as."""
    key_size: Literal[3072, 4096] = 3072
    """RSA key size in bits (Microsoft recommends at least 3072 for Azure Machine Learning)."""
    rotate_after: str = Field("P1Y", pattern=_DURATION)
    """When Key Vault makes a new version of the key, after the version's creation (ISO 8601:
    ``P90D``, ``P6M``, ``P1Y``)."""
    expires_after: str = Field("P2Y", pattern=_DURATION)
    """When each version expires, after its creation: later than ``rotate_after``, so that the
    workspace, which names one version, can move to the new one (refresh, then up) first."""
    soft_delete_retention_days: int = Field(90, ge=7, le=90)
    """Days a deleted vault and key stay recoverable (fixed at the vault's creation)."""
    private: StrictBool = False
    """Close the vault to public traffic: trusted services (storage, registry, Azure Machine
    Learning) and private endpoints only."""
    protect: StrictBool = False
    """Protect the vault and the key from deletion by Pulumi and keep them in Azure if they leave
    the program: data encrypted with the key is lost with it."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks()
        if re.match(_DURATION, self.rotate_after) and re.match(_DURATION, self.expires_after) \
                and _days(self.expires_after) <= _days(self.rotate_after):
            found.append(Problem(("expires_after",), self.expires_after,
                                 "a duration longer than {rotate_after}: a version must not "
                                 "expire before the next one is made"))
        if re.match(_DURATION, self.expires_after) and _days(self.expires_after) < 28:
            found.append(Problem(("expires_after",), self.expires_after,
                                 "at least 28 days (Key Vault rotation policy expiryTime)"))
        return found


class EncryptionKey(pulumi.ComponentResource):
    """A key vault holding one RSA key, and the identity that may use it.

    Give :attr:`ref` to :class:`~components.workspace.WorkspaceArgs` (``encryption``) and to a
    Premium :class:`~components.registry.ContainerRegistryArgs` (``encryption``).
    """

    key_vault_id: pulumi.Output[str]
    key_id: pulumi.Output[str]
    """Resource id of the key (the scope of the identity's role)."""
    key_uri: pulumi.Output[str]
    key_uri_with_version: pulumi.Output[str]
    grants: list[Grant]
    """The identity's role on the key."""
    ref: EncryptionRef

    def __init__(self, name: str, args: EncryptionKeyArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:encryption:EncryptionKey", name, {}, opts)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect,
                                          retain_on_delete=args.protect)
        # purge protection always: "The key vault must enable soft delete and purge protection"
        vault = rbac_vault(
            f"{name}-key-vault", owner=self, vault_name=args.key_vault_name,
            retention_days=args.soft_delete_retention_days, purge_protection=True,
            private=args.private, resource_group_name=args.resource_group_name,
            location=args.location, tags=args.tags, opts=stateful)
        key = keyvault.Key(
            f"{name}-key",
            key_name=args.key_name,
            vault_name=vault.name,
            resource_group_name=args.resource_group_name,
            properties=keyvault.KeyPropertiesArgs(
                kty=keyvault.JsonWebKeyType.RSA,
                key_size=args.key_size,
                rotation_policy=keyvault.RotationPolicyArgs(
                    attributes=keyvault.KeyRotationPolicyAttributesArgs(
                        expiry_time=args.expires_after),
                    lifetime_actions=[keyvault.LifetimeActionArgs(
                        action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.ROTATE),
                        trigger=keyvault.TriggerArgs(time_after_create=args.rotate_after))])),
            tags=dict(args.tags),
            opts=stateful)
        self.grants = [grant(self, f"{name}-key", args.identity.principal, ENCRYPTION_ROLE,
                             key.id, sources.ENCRYPTION_KEY)]
        self.key_vault_id = vault.id
        self.key_id = key.id
        self.key_uri = key.key_uri
        self.key_uri_with_version = key.key_uri_with_version
        self.ref = EncryptionRef(
            key_vault_id=vault.id,
            key_vault_uri=vault.properties.apply(lambda p: p.vault_uri),
            key_name=key.name, key_uri=key.key_uri,
            key_uri_with_version=key.key_uri_with_version, identity=args.identity,
            grants=self.grants, private=args.private)
        self.register_outputs({"key_vault_id": self.key_vault_id, "key_id": self.key_id,
                               "key_uri": self.key_uri,
                               "key_uri_with_version": self.key_uri_with_version})
