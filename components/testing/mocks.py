"""Pulumi mocks that answer like Azure Resource Manager, with made-up but consistent values.

Every value that Azure would compute (resource ids, principal and client ids, URIs, the random
name suffix) is invented here deterministically and remembered in :attr:`AzureMocks.invented`, so
that a report can show it as known only after deployment.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pulumi

SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001"
TENANT_ID = "00000000-0000-4000-8000-000000000002"
DEPLOYER_OBJECT_ID = "00000000-0000-4000-8000-000000000003"
RANDOM_SUFFIX = "k3x9q"
"""What the mocks draw for the random name suffix (lowercase letters and digits, like the real
one)."""

ENTRA_BLOB = "pulumi-python:dynamic/storage:EntraBlob"
NETWORK_PROVISIONING = "pulumi-python:dynamic/machinelearningservices:ManagedNetworkProvisioning"
PROVIDER = "pulumi:providers:azure-native"
KUBERNETES_PROVIDER = "pulumi:providers:kubernetes"
"""An explicit azure-native provider (the registry lookups use one per subscription)."""
"""The type of :class:`~components.blob_upload.EntraBlob`, a dynamic resource."""

AFTER_DEPLOY = "known after deploy"
FROM_LOGIN = "from your Azure login"

# Pulumi type -> (ARM resource type, input that holds the Azure name, parent path input or None).
ARM_TYPES: dict[str, tuple[str, str, str | None]] = {
    "azure-native:storage:StorageAccount":
        ("Microsoft.Storage/storageAccounts", "accountName", None),
    "azure-native:keyvault:Vault": ("Microsoft.KeyVault/vaults", "vaultName", None),
    "azure-native:containerregistry:Registry":
        ("Microsoft.ContainerRegistry/registries", "registryName", None),
    "azure-native:operationalinsights:Workspace":
        ("Microsoft.OperationalInsights/workspaces", "workspaceName", None),
    "azure-native:applicationinsights:Component":
        ("Microsoft.Insights/components", "resourceName", None),
    "azure-native:managedidentity:UserAssignedIdentity":
        ("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName", None),
    "azure-native:machinelearningservices:Workspace":
        ("Microsoft.MachineLearningServices/workspaces", "workspaceName", None),
    "azure-native:machinelearningservices:Compute":
        ("Microsoft.MachineLearningServices/workspaces", "computeName", "computes"),
    "azure-native:machinelearningservices:OnlineEndpoint":
        ("Microsoft.MachineLearningServices/workspaces", "endpointName", "onlineEndpoints"),
    "azure-native:network:VirtualNetwork":
        ("Microsoft.Network/virtualNetworks", "virtualNetworkName", None),
    "azure-native:network:PrivateEndpoint":
        ("Microsoft.Network/privateEndpoints", "privateEndpointName", None),
    "azure-native:privatedns:PrivateZone":
        ("Microsoft.Network/privateDnsZones", "privateZoneName", None),
    "azure-native:containerservice:ManagedCluster":
        ("Microsoft.ContainerService/managedClusters", "resourceName", None),
}

# Pulumi type of a child resource -> (parent's ARM type, input naming the parent, collection,
# input naming the child).
_CHILDREN: dict[str, tuple[str, str, str, str]] = {
    "azure-native:privatedns:VirtualNetworkLink":
        ("Microsoft.Network/privateDnsZones", "privateZoneName", "virtualNetworkLinks",
         "virtualNetworkLinkName"),
    "azure-native:network:PrivateDnsZoneGroup":
        ("Microsoft.Network/privateEndpoints", "privateEndpointName", "privateDnsZoneGroups",
         "privateDnsZoneGroupName"),
}

# Pulumi type of an Azure ML workspace child -> (collection in the id, input that holds its name).
_ML_CHILDREN: dict[str, tuple[str, str]] = {
    "azure-native:machinelearningservices:Datastore": ("datastores", "name"),
    "azure-native:machinelearningservices:ModelVersion": ("models", "name"),
    "azure-native:machinelearningservices:CodeVersion": ("codes", "name"),
    "azure-native:machinelearningservices:EnvironmentVersion": ("environments", "name"),
    "azure-native:machinelearningservices:OnlineDeployment": ("deployments", "deploymentName"),
    "azure-native:machinelearningservices:WorkspaceConnection": ("connections", "connectionName"),
}


def arm_id(resource_group: str, arm_type: str, name: str) -> str:
    return (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{resource_group}/providers/"
            f"{arm_type}/{name}")


class AzureMocks(pulumi.runtime.Mocks):
    """Mocks for the azure-native and random resources and invokes this project uses."""

    def __init__(self, suffix: str = RANDOM_SUFFIX) -> None:
        self.suffix = suffix
        """What the random name suffix comes out as."""
        self.invented: dict[str, str] = {}
        """Each invented value, and how a real preview would show it."""
        self.identities: dict[str, dict[str, str]] = {}
        """User-assigned identity id -> its principal and client ids, for identity blocks."""

    def _invent(self, value: str, shown_as: str = AFTER_DEPLOY) -> str:
        self.invented[value] = shown_as
        return value

    def _guid(self, *parts: str) -> str:
        return self._invent(str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts))))

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not args.custom:  # a component: nothing for Azure to answer
            return "", {}
        state = dict(args.inputs)
        typ = args.typ
        if typ == "random:index/randomString:RandomString":
            state["result"] = self.suffix[: int(state["length"])]
            return state["result"], state
        if typ == "azure-native:resources:ResourceGroup":
            state["name"] = state["resourceGroupName"]
            return self._invent(f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/"
                                f"{state['name']}"), state
        if typ == "azure-native:storage:BlobServiceProperties":
            state["name"] = state["blobServicesName"]
            return arm_id(state["resourceGroupName"], "Microsoft.Storage/storageAccounts",
                          f"{state['accountName']}/blobServices/{state['name']}"), state
        ml_children = _ML_CHILDREN.get(typ)
        if ml_children:  # workspaces/<w>/<collection>/<name>[/versions/<v>]
            collection, name_key = ml_children
            state["name"] = state.get(name_key) or args.name
            workspace = arm_id(state["resourceGroupName"],
                               "Microsoft.MachineLearningServices/workspaces",
                               state["workspaceName"])
            if typ.endswith(":OnlineDeployment"):
                path = f"onlineEndpoints/{state['endpointName']}/deployments/{state['name']}"
            elif "version" in state:
                path = f"{collection}/{state['name']}/versions/{state['version']}"
            else:
                path = f"{collection}/{state['name']}"
            return self._invent(f"{workspace}/{path}"), state
        if typ in ("azure-native:storage:BlobContainer", "azure-native:storage:Blob"):
            account = arm_id(state["resourceGroupName"], "Microsoft.Storage/storageAccounts",
                             state["accountName"])
            state["name"] = (state.get("containerName") if typ.endswith("Container")
                             else state["blobName"])
            path = f"/blobServices/default/containers/{state['containerName']}"
            if typ.endswith(":Blob"):
                path += f"/blobs/{state['blobName']}"
            return f"{account}{path}", state
        if typ in _CHILDREN:
            parent_type, parent_key, collection, name_key = _CHILDREN[typ]
            state["name"] = state[name_key]
            return (f"{arm_id(state['resourceGroupName'], parent_type, state[parent_key])}/"
                    f"{collection}/{state['name']}"), state
        if typ in (PROVIDER, KUBERNETES_PROVIDER):  # explicit providers
            return f"{args.name}-provider-id", state
        if typ.startswith("kubernetes:"):  # a Kubernetes object: named by its metadata
            state["metadata"] = {**state.get("metadata", {}), "uid": self._guid(typ, args.name)}
            return state["metadata"].get("name", args.name), state
        if typ == ENTRA_BLOB:  # the dynamic provider's id: the blob's URL
            state["name"] = state["blobName"]
            return (f"{state['accountUrl'].rstrip('/')}/{state['container']}/"
                    f"{state['blobName']}"), state
        if typ == NETWORK_PROVISIONING:  # the dynamic provider's id: the network's
            return f"{state['workspaceId']}/managedNetwork", state
        if typ == "azure-native:managedidentity:FederatedIdentityCredential":
            state["name"] = state["federatedIdentityCredentialResourceName"]
            return arm_id(state["resourceGroupName"],
                          "Microsoft.ManagedIdentity/userAssignedIdentities",
                          f"{state['resourceName']}/federatedIdentityCredentials/"
                          f"{state['name']}"), state
        if typ == "azure-native:keyvault:Secret":
            state["name"] = state["secretName"]
            return self._invent(arm_id(state["resourceGroupName"], "Microsoft.KeyVault/vaults",
                                       f"{state['vaultName']}/secrets/{state['name']}")), state
        if typ == "random:index/randomPassword:RandomPassword":
            state["result"] = self._invent("x" * int(state["length"]), "*****")
            return "none", state
        if typ == "azure-native:resources:Deployment":
            state["name"] = self._invent(f"{args.name}-d1e2f3a", AFTER_DEPLOY)
            return self._invent(f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/"
                                f"{state['resourceGroupName']}/providers/Microsoft.Resources/"
                                f"deployments/{state['name']}"), state
        if typ == "azure-native:kubernetesconfiguration:Extension":  # an extension resource
            state["name"] = state["extensionName"]
            cluster = arm_id(state["resourceGroupName"], "Microsoft.ContainerService/"
                             f"{state['clusterResourceName']}", state["clusterName"])
            rid = self._invent(f"{cluster}/providers/Microsoft.KubernetesConfiguration/"
                               f"extensions/{state['name']}")
            state["aksAssignedIdentity"] = {"principalId": self._guid(rid, "extension"),
                                            "type": "SystemAssigned"}
            return rid, state
        if typ == "azure-native:authorization:RoleAssignment":
            state["name"] = state["roleAssignmentName"]
            return self._invent(f"{state['scope']}/providers/Microsoft.Authorization/"
                                f"roleAssignments/{state['name']}"), state

        arm_type, name_key, child = ARM_TYPES[typ]
        name = state.get(name_key) or args.name
        state["name"] = name
        if child:
            rid = (f"{arm_id(state['resourceGroupName'], arm_type, state['workspaceName'])}"
                   f"/{child}/{name}")
        else:
            rid = arm_id(state["resourceGroupName"], arm_type, name)
        self._invent(rid)

        if typ == "azure-native:managedidentity:UserAssignedIdentity":
            state.update(principalId=self._guid(rid, "principal"),
                         clientId=self._guid(rid, "client"), tenantId=TENANT_ID)
            self.identities[rid] = {"principalId": state["principalId"],
                                    "clientId": state["clientId"]}
        elif typ == "azure-native:containerregistry:Registry":
            state["loginServer"] = self._invent(f"{name}.azurecr.io")
        elif typ == "azure-native:storage:StorageAccount":
            state["primaryEndpoints"] = {"blob": self._invent(f"https://{name}.blob.core.windows.net/")}
        elif typ == "azure-native:keyvault:Vault":
            state["properties"] = {**state["properties"],
                                   "vaultUri": self._invent(f"https://{name}.vault.azure.net/")}
        elif typ == "azure-native:containerservice:ManagedCluster":
            state["oidcIssuerProfile"] = {**state.get("oidcIssuerProfile", {}), "issuerURL":
                                          self._invent(f"https://{state['location']}.oic.prod-"
                                                       f"aks.azure.com/{TENANT_ID}/{name}/")}
        elif typ == "azure-native:machinelearningservices:OnlineEndpoint":
            host = f"https://{name}.{state['location']}.inference.ml.azure.com"
            # a new endpoint routes nothing until a write of its traffic
            state["properties"] = {"traffic": {}, **state["properties"],
                                   "scoringUri": self._invent(f"{host}/score"),
                                   "swaggerUri": self._invent(f"{host}/swagger.json")}
        if isinstance(state.get("identity"), dict):
            state["identity"] = self._identity(state["identity"], rid)
        return rid, state

    def _identity(self, identity: dict[str, Any], rid: str) -> dict[str, Any]:
        """ARM's answer for an identity block: principal of a system identity, map of user ones."""
        answer = dict(identity)
        if "SystemAssigned" in identity.get("type", ""):
            answer.update(principalId=self._guid(rid, "system-principal"), tenantId=TENANT_ID)
        if isinstance(identity.get("userAssignedIdentities"), list):
            answer["userAssignedIdentities"] = {
                uid: self.identities.get(uid, {}) for uid in identity["userAssignedIdentities"]}
        return answer

    # A plain dict, not the (dict, failures) tuple the base class declares: MockMonitor.Invoke
    # takes both, and fails on (dict, None).
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        a = args.args
        if args.token == "azure-native:authorization:getClientConfig":
            for value in (TENANT_ID, SUBSCRIPTION_ID, DEPLOYER_OBJECT_ID):
                self._invent(value, FROM_LOGIN)
            return {"tenantId": TENANT_ID, "subscriptionId": SUBSCRIPTION_ID,
                    "clientId": DEPLOYER_OBJECT_ID, "objectId": DEPLOYER_OBJECT_ID}
        if args.token == "azure-native:managedidentity:getUserAssignedIdentity":
            rid = arm_id(a["resourceGroupName"], "Microsoft.ManagedIdentity/userAssignedIdentities",
                         a["resourceName"])
            known = self.identities.get(rid) or {"principalId": self._guid(rid, "principal"),
                                                 "clientId": self._guid(rid, "client")}
            return {"id": rid, "name": a["resourceName"], "tenantId": TENANT_ID, **known}
        if args.token == "azure-native:containerservice:listManagedClusterAdminCredentials":
            kubeconfig = (f"apiVersion: v1\nkind: Config\nclusters:\n- name: "
                          f"{a['resourceName']}\n")  # a stand-in: never a real credential
            return {"kubeconfigs": [{"name": "clusterAdmin",
                                     "value": base64.b64encode(kubeconfig.encode()).decode()}]}
        if args.token == "azure-native:containerservice:getManagedCluster":
            group, name = a["resourceGroupName"], a["resourceName"]
            return {"id": arm_id(group, "Microsoft.ContainerService/managedClusters", name),
                    "name": name, "location": "westeurope"}
        if args.token == "azure-native:containerregistry:getRegistry":
            name = a["registryName"]
            return {"id": arm_id(a["resourceGroupName"], "Microsoft.ContainerRegistry/registries",
                                 name),
                    "name": name, "loginServer": f"{name.lower()}.azurecr.io"}
        if args.token == "azure-native:machinelearningservices:getWorkspace":
            group, name = a["resourceGroupName"], a["workspaceName"]
            return {"id": arm_id(group, "Microsoft.MachineLearningServices/workspaces", name),
                    "name": name, "location": "westeurope",
                    "storageAccount": arm_id(group, "Microsoft.Storage/storageAccounts",
                                             f"st{name}"),
                    "keyVault": arm_id(group, "Microsoft.KeyVault/vaults", f"kv-{name}"),
                    "containerRegistry": arm_id(group, "Microsoft.ContainerRegistry/registries",
                                                f"cr{name}")}
        raise NotImplementedError(f"no mock for invoke {args.token}")
