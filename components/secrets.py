"""Key Vault secrets written through Azure Resource Manager, so that no Pulumi operation needs a
Key Vault data-plane role.

pulumi-azure-native creates an ``azure-native:keyvault:Secret`` through ARM but deletes it through
the Key Vault data plane, as the identity that runs ``pulumi up``
(``provider/pkg/resources/customresources/custom_keyvault.go``); on an RBAC vault that identity
holds no secrets role (Owner and Contributor carry no data actions), so removing the secret fails
with 403 ForbiddenByRbac. Here the secret is a ``Microsoft.KeyVault/vaults/secrets`` resource of
an ARM template deployment instead: ARM puts it (``.../vaults/secrets/write``, a control-plane
action) on every create or update, and deleting the deployment only deletes the deployment record
("Deleting a template deployment does not affect the state of the resource group"). So:

* removing the secret from the program leaves it in the vault, unread, until the vault goes;
* adding it again puts it again (a PUT of an existing secret is an update, no name conflict);
* deleting the vault deletes it.

The value is a ``secureString`` parameter: ARM keeps no copy of it in the deployment's history.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_azure_native import resources

from . import catalog
from .access import ROLE_ASSIGNMENT
from .azure.resource_ids import parse_resource_id
from .workspace import KEY_VAULT

KEY_VAULT_API_VERSION = "2024-11-01"
"""The Microsoft.KeyVault API version pulumi-azure-native 3.29 uses."""

TEMPLATE = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"vaultName": {"type": "string"}, "secretName": {"type": "string"},
                   "value": {"type": "secureString"}, "contentType": {"type": "string"},
                   "tags": {"type": "object"}},
    "resources": [{
        "type": "Microsoft.KeyVault/vaults/secrets",
        "apiVersion": KEY_VAULT_API_VERSION,
        "name": "[format('{0}/{1}', parameters('vaultName'), parameters('secretName'))]",
        "tags": "[parameters('tags')]",
        "properties": {"value": "[parameters('value')]",
                       "contentType": "[parameters('contentType')]"},
    }],
}
"""ARM template that puts one secret into a vault."""

TEMPLATE_DEPLOYMENT = catalog.register(catalog.ResourceType(
    "azure-native:resources:Deployment", "template deployment",
    created_in=catalog.Seconds(60, catalog.ESTIMATE + " (a template: puts the endpoint again, "
                                                      "with traffic, or a secret)"),
    id_template=catalog.in_group("Microsoft.Resources/deployments/{deploymentName}"),
    name="deploymentName",
    requires={KEY_VAULT: "the template puts a secret into its vault"}))
catalog.require(ROLE_ASSIGNMENT, {
    TEMPLATE_DEPLOYMENT: "a grant on one secret needs the secret, which a template puts"})
SECRET = catalog.register(catalog.ResourceType(
    "azure-native:keyvault:Secret", "key vault secret",
    id_template=catalog.in_group("Microsoft.KeyVault/vaults/{vaultName}/secrets/{secretName}"),
    name="secretName",
    retired="an earlier release's secret: azure-native deletes it through the Key Vault data "
            "plane (this module's doc)"))


def vault_secret(name: str, *, key_vault_id: pulumi.Input[str], secret_name: str,
                 value: pulumi.Input[str], content_type: str = "text/plain",
                 tags: Mapping[str, str] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> resources.Deployment:
    """Put secret ``secret_name`` with ``value`` into the vault ``key_vault_id`` through ARM."""
    vault = pulumi.Output.from_input(key_vault_id).apply(
        lambda rid: parse_resource_id(rid, "Microsoft.KeyVault/vaults"))
    parameters = {"vaultName": vault.apply(lambda v: v.name), "secretName": secret_name,
                  "value": pulumi.Output.secret(value), "contentType": content_type,
                  "tags": dict(tags or {})}
    return resources.Deployment(
        name,
        resource_group_name=vault.apply(lambda v: v.resource_group_name),
        properties=resources.DeploymentPropertiesArgs(
            mode=resources.DeploymentMode.INCREMENTAL,
            template=TEMPLATE,
            parameters={key: resources.DeploymentParameterArgs(value=v)
                        for key, v in parameters.items()}),
        tags=dict(tags or {}),
        opts=opts)
