"""Key vaults as the package makes them: Azure RBAC, soft delete with the days set at creation,
purge protection where asked, and closed to public traffic where the stack is private (trusted
Microsoft services and private endpoints only). The workspace's vault and the vault of a
customer-managed key are both made here."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_azure_native import authorization, keyvault

from .network import closed_vault_rules

VAULT_CREATE_ONLY = "properties.softDeleteRetentionInDays"
"""Never sent after creation: "The retention policy interval can only be configured during key
vault creation and can't be changed afterwards" (soft-delete-overview)."""


def rbac_vault(name: str, *, owner: pulumi.Resource, vault_name: pulumi.Input[str],
               retention_days: int, purge_protection: bool, private: bool,
               resource_group_name: pulumi.Input[str], location: pulumi.Input[str],
               tags: Mapping[str, str], opts: pulumi.ResourceOptions) -> keyvault.Vault:
    """A Standard key vault of the deployer's tenant using Azure RBAC, created under ``owner``
    with ``opts`` (which it keeps from sending the retention days again)."""
    tenant_id = authorization.get_client_config_output(
        opts=pulumi.InvokeOutputOptions(parent=owner)).tenant_id
    return keyvault.Vault(
        name,
        vault_name=vault_name,
        properties=keyvault.VaultPropertiesArgs(
            tenant_id=tenant_id,
            sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=keyvault.SkuName.STANDARD),
            enable_rbac_authorization=True,
            enable_soft_delete=True,
            soft_delete_retention_in_days=retention_days,
            # Azure/azure-rest-api-specs#18106: "enablePurgeProtection cannot be set to false".
            enable_purge_protection=True if purge_protection else None,
            public_network_access="disabled" if private else None,
            network_acls=closed_vault_rules() if private else None),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            ignore_changes=[VAULT_CREATE_ONLY])),
        resource_group_name=resource_group_name, location=location, tags=dict(tags))
