"""Container registry for the workspace's images: created without admin user or anonymous pull,
or an existing registry given by resource id (bring your own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import containerregistry
from pydantic import InstanceOf, StrictBool

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, after
from .arguments import NetworkAccess, Placed, Problem, StrInput, azure_name, resource_id
from .azure.names import RULES
from .azure.resource_ids import parse_resource_id
from .catalog import REFUSED, Fixed
from .encryption import ENCRYPTION_KEY, EncryptionRef
from .identity import USER_ASSIGNED_IDENTITY
from .network import LINK_TARGET, PRIVATE_ENDPOINT

_ACR_CMK = "MicrosoftDocs/azure-docs container-registry/container-registry-customer-managed-keys.md"

REGISTRY = catalog.register(catalog.ResourceType(
    "azure-native:containerregistry:Registry", "container registry",
    created_in=catalog.Seconds(30, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.ContainerRegistry/registries/{registryName}"),
    name="registryName", name_rule=RULES["container registry"], stateful=True,
    replaced_on=("location",),
    fixed=(Fixed("encryption", REFUSED,
                 "\"You can currently enable a customer-managed key only when you create a "
                 "registry\" and \"you can't disable the encryption\" (a new key version or key "
                 "is az acr encryption rotate-key)", _ACR_CMK),),
    shown=(catalog.Shown("sku", "sku.name"),
           catalog.Shown("admin user", "adminUserEnabled", False),
           catalog.Shown("anonymous pull", "anonymousPullEnabled", False),
           catalog.Shown("public network", "publicNetworkAccess", "Enabled"),
           catalog.Shown("zone redundancy", "zoneRedundancy", "Disabled")),
    logs=catalog.Logs(("ContainerRegistryLoginEvents", "ContainerRegistryRepositoryEvents"),
                      catalog.SUPPORTED_LOGS + "microsoft-containerregistry-registries-logs"),
    requires={ENCRYPTION_KEY: "a registry encrypted with a customer-managed key is created with "
                              "it",
              USER_ASSIGNED_IDENTITY: "an encrypted registry is created with the identity that "
                                      "uses the key",
              ROLE_ASSIGNMENT: "an encrypted registry's identity must use the key when the "
                               "registry is created"}))
catalog.require(ROLE_ASSIGNMENT, {REGISTRY: PRINCIPAL_OR_SCOPE})
catalog.require(PRIVATE_ENDPOINT, {REGISTRY: LINK_TARGET})
AZURE_NATIVE_PROVIDER = catalog.register(catalog.ResourceType(
    "pulumi:providers:azure-native", "azure-native provider",
    created_in=catalog.Seconds(0, "configured locally by the engine"),
    # another subscription is another provider, and what it read is read again
    replaced_on=("subscriptionId",)))
"""An explicit provider: :func:`lookup` reads a registry in its own subscription."""


RegistrySku = Literal["Basic", "Standard", "Premium"]
"""Container registry SKUs (a private endpoint needs Premium)."""
EXISTING_REGISTRY = resource_id("Microsoft.ContainerRegistry/registries", "container registry")
"""The id of an existing registry."""


class ContainerRegistryArgs(Placed):
    """Arguments of :class:`ContainerRegistry`."""

    registry_name: Annotated[StrInput | None, azure_name("container registry")] = None
    """Azure name (globally unique); required unless ``existing_id``."""
    sku: RegistrySku = "Basic"
    """Basic, Standard or Premium (a private endpoint needs Premium)."""
    public_network_access: NetworkAccess = "Enabled"
    """Disabled: reached through private endpoints only."""
    encryption: InstanceOf[EncryptionRef] | None = None
    """Encrypt the registry with a customer-managed key (:class:`~components.encryption.
    EncryptionKey`), through the key's user-assigned identity: Premium only, and only at creation
    (container-registry-customer-managed-keys). The registry takes the key without its version
    and "automatically uses the latest version of the key" within an hour of a rotation."""
    existing_id: Annotated[str | None, EXISTING_REGISTRY] = None
    """Resource id of a registry to use instead of creating one; nothing is created then."""
    protect: StrictBool = False
    """Protect the created registry from deletion by Pulumi, and keep it in Azure if it is
    removed from the program."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        if (self.registry_name is None) == (self.existing_id is None):
            return [*super().cross_checks(), Problem(
                ("registry_name",), self.registry_name, "a registry to create, or "
                "{existing_id} (the resource id of one to use), exactly one")]
        return super().cross_checks() + self._encryption_problems()

    def _encryption_problems(self) -> list[Problem]:
        """What Microsoft's page says a registry encrypted with a customer-managed key needs."""
        if self.encryption is None:
            return []
        if self.existing_id is not None:
            return [Problem(("encryption",), "a key", "nothing with {existing_id}: a registry "
                            "is encrypted with a customer-managed key only when it is created")]
        if self.sku != "Premium":
            return [Problem(("encryption",), "a key", "nothing unless {sku} is Premium: \"This "
                            "feature is available in the Premium container registry service "
                            "tier\" (container-registry-customer-managed-keys)")]
        if self.encryption.private:
            return [Problem(("encryption",), "a key in a vault closed to public traffic",
                            "a key in a vault that takes public traffic: \"Currently, an Azure "
                            "container registry can only bypass the firewall when using its "
                            "system-managed identity\", and a registry is created with a "
                            "user-assigned one (container-registry-customer-managed-keys, "
                            "Advanced scenario: Key Vault firewall)")]
        return []


def lookup(name: str, registry_id: str,
           parent: pulumi.Resource) -> pulumi.Output[containerregistry.GetRegistryResult]:
    """An existing registry, read in its own subscription: ``get_registry`` takes no
    subscription and reads in its provider's, so the lookup goes through a provider for the
    registry's subscription (``<name>-subscription``; its credentials are the default provider's
    environment: the Azure CLI login or the ARM_* variables)."""
    parts = parse_resource_id(registry_id, "Microsoft.ContainerRegistry/registries")
    provider = azure_native.Provider(f"{name}-subscription", subscription_id=parts.subscription_id,
                                     opts=pulumi.ResourceOptions(parent=parent))
    return containerregistry.get_registry_output(
        registry_name=parts.name, resource_group_name=parts.resource_group_name,
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider))


class ContainerRegistry(pulumi.ComponentResource):
    """A container registry that identities pull from with AcrPull: no admin user, no anonymous
    pull.

    Azure ML enables the admin user on a registry it creates itself (seed 002), so the stack brings
    its own with the admin user off; Azure ML then builds and pulls images with managed identities.
    """

    id: pulumi.Output[str]
    """Resource id of the registry."""
    name: pulumi.Output[str]
    """Azure name of the registry."""
    login_server: pulumi.Output[str]
    """Login server, e.g. ``crmlplatdevab12c.azurecr.io``."""

    def __init__(self, name: str, args: ContainerRegistryArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:registry:ContainerRegistry", name, {}, opts)
        if args.existing_id:
            parts = parse_resource_id(args.existing_id, "Microsoft.ContainerRegistry/registries")
            self.id = pulumi.Output.from_input(args.existing_id)
            self.name = pulumi.Output.from_input(parts.name)
            self.login_server = lookup(name, args.existing_id, self).login_server
        else:
            key = args.encryption
            keep = pulumi.ResourceOptions(parent=self, protect=args.protect,
                                          retain_on_delete=args.protect)
            registry = containerregistry.Registry(
                name,
                registry_name=args.registry_name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                sku=containerregistry.SkuArgs(name=args.sku),
                admin_user_enabled=False,
                anonymous_pull_enabled=False,
                public_network_access=args.public_network_access,
                identity=None if key is None else containerregistry.IdentityPropertiesArgs(
                    type=containerregistry.ResourceIdentityType.USER_ASSIGNED,
                    # a map keyed by the identity's id (ML and storage take a list)
                    user_assigned_identities=key.identity.id.apply(
                        lambda i: {i: containerregistry.UserIdentityPropertiesArgs()})),
                # the identity by its client id, as Microsoft's template gives it
                encryption=None if key is None else containerregistry.EncryptionPropertyArgs(
                    status=containerregistry.EncryptionStatus.ENABLED,
                    key_vault_properties=containerregistry.KeyVaultPropertiesArgs(
                        identity=key.identity.client_id, key_identifier=key.key_uri)),
                tags=dict(args.tags),
                # an encrypted registry reaches the key as it is created
                opts=pulumi.ResourceOptions.merge(keep, after(key.grants, parent=self)) if key
                else keep,
            )
            self.id = registry.id
            self.name = registry.name
            self.login_server = registry.login_server
        self.register_outputs({"id": self.id, "name": self.name, "login_server": self.login_server})
