"""Azure built-in roles: their GUIDs, role definition ids and deterministic assignment names."""

from __future__ import annotations

import re
import uuid

# Azure built-in role GUIDs. Source: "Azure built-in roles",
# learn.microsoft.com/azure/role-based-access-control/built-in-roles (General, Containers,
# Storage, Security, AI + machine learning, Identity, Monitor sections), cross-checked against the
# Azure Verified Modules (Azure/bicep-registry-modules avm/res/*) role tables.
BUILT_IN_ROLES: dict[str, str] = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage File Data Privileged Contributor": "69566ab7-960f-475b-8e7c-b3118f30c6bd",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    # "Read metadata of keys and perform wrap/unwrap operations" (built-in roles, Security): what
    # a service encrypting with a customer-managed key uses the key for.
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
    "AzureML Compute Operator": "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815",
    "AzureML Metrics Writer (preview)": "635dd51f-9968-44d3-b7fb-6d9a6bd613ae",
    # Reads registries and reads, writes and deletes their assets (how-to-assign-roles; built-in
    # roles, AI + machine learning).
    "AzureML Registry User": "1823dd4f-9b8c-4ab6-ab4e-7397a3684615",
    "Kubernetes Extension Contributor": "85cb6faf-e071-4c9b-8136-154b5a04f717",
    "Azure Kubernetes Service Cluster Admin Role": "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
    # What Azure itself grants a system-assigned workspace identity on its resource group
    # (how-to-assign-roles, "workspaces created after 11/19/2024"); listed, never granted here.
    "Azure AI Administrator": "b78c5d69-af96-48a3-bf8d-a8b4d589de94",
    # Approves the private endpoints a workspace's managed network makes (how-to-managed-network).
    "Azure AI Enterprise Network Connection Approver": "b556d68e-0be0-4f35-a333-ad7ee1ce17ea",
}

ROLE_BY_GUID: dict[str, str] = {guid: name for name, guid in BUILT_IN_ROLES.items()}

NETWORK_APPROVER_TARGETS: dict[str, str] = {
    "Microsoft.Network/applicationGateways": "Azure Application Gateway",
    "Microsoft.Insights/privateLinkScopes": "Azure Monitor",
    "Microsoft.Search/searchServices": "Azure AI Search",
    "Microsoft.EventHub/namespaces": "Event Hubs",
    "Microsoft.Sql/servers": "Azure SQL Database",
    "Microsoft.Storage/storageAccounts": "Azure Storage",
    "Microsoft.MachineLearningServices/workspaces": "Azure Machine Learning workspace",
    "Microsoft.MachineLearningServices/registries": "Azure Machine Learning registry",
    "Microsoft.CognitiveServices/accounts": "Microsoft Foundry, Foundry Tools",
    "Microsoft.KeyVault/vaults": "Azure Key Vault",
    "Microsoft.DocumentDB/databaseAccounts": "Azure Cosmos DB",
    "Microsoft.DBforMySQL/flexibleServers": "Azure Database for MySQL",
    "Microsoft.DBforPostgreSQL/flexibleServers": "Azure Database for PostgreSQL",
    "Microsoft.Cache/redisEnterprise": "Azure Managed Redis",
    "Microsoft.ContainerRegistry/registries": "Container Registry",
    "Microsoft.ApiManagement/service": "API Management",
}
"""The private endpoint targets Azure AI Enterprise Network Connection Approver can approve, by
ARM type (how-to-managed-network, "The following list contains the private endpoint target
resource types covered by the Azure AI Enterprise Network Connection Approver role"). Others (Data
Factory, Databricks, Function Apps, ...) need a custom role: "a custom scoped-down role is
recommended"."""

PRIVILEGED_ROLES = frozenset({"Owner", "Contributor", "User Access Administrator"})
"""Roles no workload identity may hold on a whole resource group or subscription."""

_BROAD_SCOPE = re.compile(r"/subscriptions/[^/]+(/resourceGroups/[^/]+)?/?", re.IGNORECASE)
_SUBSCRIPTION = re.compile(r"/subscriptions/([^/]+)/", re.IGNORECASE)

# Fixed namespace for assignment names: changing it would rename (replace) every assignment.
_ASSIGNMENT_NAMESPACE = uuid.UUID("2f6c8f9e-55a4-4a0e-9d3e-6b1f0c9a7d21")


def role_definition_id(scope: str, role: str) -> str:
    """The role definition id of built-in ``role`` in the subscription that holds ``scope``."""
    match = _SUBSCRIPTION.match(scope + "/")
    if not match:
        raise ValueError(f"scope {scope!r} is not an Azure resource id under a subscription")
    return (f"/subscriptions/{match.group(1)}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{BUILT_IN_ROLES[role]}")


def assignment_name(scope: str, principal_id: str, role: str) -> str:
    """The deterministic GUID name of the assignment of ``role`` to ``principal_id`` on
    ``scope``."""
    if role in PRIVILEGED_ROLES and _BROAD_SCOPE.fullmatch(scope):
        raise ValueError(f"refusing to grant {role} on {scope}: a workload identity never gets "
                         "Owner, Contributor or User Access Administrator on a resource group or "
                         "subscription")
    key = f"{scope.lower()}|{principal_id.lower()}|{BUILT_IN_ROLES[role]}"
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, key))
