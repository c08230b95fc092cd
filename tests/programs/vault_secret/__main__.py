"""A program that writes a key vault secret the plain azure-native way (deleted through the Key
Vault data plane), optionally granting the deploying identity Key Vault Secrets Officer on the
vault."""

import pulumi
from pulumi_azure_native import authorization, keyvault

from components import Principal, grant

config = pulumi.Config()
client = authorization.get_client_config_output()
vault = keyvault.Vault("vault", vault_name="kv-secret-test", resource_group_name="rg-test",
                       properties=keyvault.VaultPropertiesArgs(
                           tenant_id=client.tenant_id, enable_rbac_authorization=True,
                           sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A,
                                                 name=keyvault.SkuName.STANDARD)))
after = []
if config.get_bool("deployerOfficer"):
    deployer = Principal("deployer", client.object_id, authorization.PrincipalType.USER)
    after = [grant(vault, "deployer-vault", deployer, "Key Vault Secrets Officer",
                   vault.id).assignment]
if config.get_bool("secret"):
    keyvault.Secret("secret", secret_name="app-secret", vault_name=vault.name,
                    resource_group_name="rg-test",
                    properties=keyvault.SecretPropertiesArgs(value="not-a-real-secret"),
                    opts=pulumi.ResourceOptions(depends_on=after))
