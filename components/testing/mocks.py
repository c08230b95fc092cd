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

from .. import catalog
from ..batch_endpoint import BATCH_ENDPOINT
from ..encryption import ENCRYPTION_KEY
from ..endpoint import ONLINE_ENDPOINT
from ..identity import USER_ASSIGNED_IDENTITY
from ..kubernetes import EXTENSION, MANAGED_CLUSTER
from ..ml_registry import ML_REGISTRY, REGISTRY_ID_OUTPUT, asset_uri_prefix
from ..registry import REGISTRY
from ..workspace import KEY_VAULT, ML_WORKSPACE, STORAGE_ACCOUNT

SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001"
TENANT_ID = "00000000-0000-4000-8000-000000000002"
DEPLOYER_OBJECT_ID = "00000000-0000-4000-8000-000000000003"
RANDOM_SUFFIX = "k3x9q"
"""What the mocks draw for the random name suffix (lowercase letters and digits, like the real
one)."""

AFTER_DEPLOY = "known after deploy"
FROM_LOGIN = "from your Azure login"
AUTONAME_SUFFIX = "-d1e2f3a"
"""What the mocks append to a resource's Pulumi name where the program leaves its Azure name out:
Pulumi "auto-names most resources by default, using the logical name and a random suffix"
(pulumi.com docs, Resource names)."""


def _id(token: str, resource_group: str, name: str) -> str:
    """The id of the resource ``name`` of type ``token`` in ``resource_group``."""
    entry = catalog.get(token)
    return entry.arm_id({"resourceGroupName": resource_group, str(entry.name): name},
                        SUBSCRIPTION_ID)


def registry_stack(stack: str) -> dict[str, Any]:
    """The outputs of ``<organization>/<project>/<stack>`` as the registry's own stack exports them
    (:meth:`~components.ml_registry.MlRegistry.exports`, examples/registry): registry
    ``mlreg-<stack>`` in resource group ``rg-mlreg-<stack>``."""
    name = stack.rsplit("/", 1)[-1]
    registry = f"mlreg-{name}"
    return {REGISTRY_ID_OUTPUT: _id(ML_REGISTRY, f"rg-{registry}", registry),
            "registryName": registry, "assetUriPrefix": asset_uri_prefix(registry)}


class AzureMocks(pulumi.runtime.Mocks):
    """Mocks for the resource types of the catalog (:mod:`components.catalog`: ids from its id
    templates), random values, explicit providers and Kubernetes objects, and for the invokes the
    components make."""

    def __init__(self, suffix: str = RANDOM_SUFFIX,
                 stacks: dict[str, dict[str, Any]] | None = None) -> None:
        self.suffix = suffix
        """What the random name suffix comes out as."""
        self.stacks = stacks or {}
        """The outputs of the stacks a stack reference reads, by fully qualified stack name; a
        stack not listed answers as an Azure ML registry's own stack (:func:`registry_stack`)."""
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
        state = dict(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":  # read (custom unset): another stack
            return self._stack_reference(state)
        if not args.custom:  # a component: nothing for Azure to answer
            return "", {}
        return self._local(args.typ, args.name, state) or self._azure(args.typ, args.name, state)

    def _stack_reference(self, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Another stack's outputs, as the engine reads them from the backend."""
        stack = str(state["name"])
        state.update(outputs=self.stacks.get(stack) or registry_stack(stack),
                     secretOutputNames=[])
        return stack, state

    def _local(self, typ: str, name: str, state: dict[str, Any]
               ) -> tuple[str, dict[str, Any]] | None:
        """What no Azure call makes: random values, providers, Kubernetes objects."""
        if typ == "random:index/randomString:RandomString":
            state["result"] = self.suffix[: int(state["length"])]
            return state["result"], state
        if typ == "random:index/randomPassword:RandomPassword":
            state["result"] = self._invent("x" * int(state["length"]), "*****")
            return "none", state
        if typ.startswith("pulumi:providers:"):  # an explicit provider
            return f"{name}-provider-id", state
        if typ.startswith("kubernetes:"):  # a Kubernetes object: named by its metadata
            state["metadata"] = {**state.get("metadata", {}), "uid": self._guid(typ, name)}
            return state["metadata"].get("name", name), state
        return None

    def _azure(self, typ: str, pulumi_name: str, state: dict[str, Any]
               ) -> tuple[str, dict[str, Any]]:
        """An Azure resource (or a dynamic resource of the package): its id as the catalog says,
        and what Azure computes for it; where the program leaves its name out, Pulumi's
        auto-naming makes one up."""
        entry = catalog.get(typ)
        if entry.name is not None:
            state["name"] = state.get(entry.name) or self._invent(pulumi_name + AUTONAME_SUFFIX)
        if entry.provider_id is not None:
            return entry.provider_id(state), state
        name = state.get("name", "")
        rid = self._invent(entry.arm_id({**state, entry.name: name} if entry.name else state,
                                        SUBSCRIPTION_ID))
        computed = {USER_ASSIGNED_IDENTITY: self._user_identity, REGISTRY: self._registry,
                    STORAGE_ACCOUNT: self._storage, KEY_VAULT: self._vault,
                    ENCRYPTION_KEY: self._key,
                    MANAGED_CLUSTER: self._cluster, ONLINE_ENDPOINT: self._endpoint,
                    BATCH_ENDPOINT: self._batch_endpoint,
                    EXTENSION: self._extension}.get(typ)
        if computed is not None:
            computed(state, name, rid)
        if isinstance(state.get("identity"), dict):
            state["identity"] = self._identity(state["identity"], rid)
        return rid, state

    def _user_identity(self, state: dict[str, Any], name: str, rid: str) -> None:
        state.update(principalId=self._guid(rid, "principal"),
                     clientId=self._guid(rid, "client"), tenantId=TENANT_ID)
        self.identities[rid] = {"principalId": state["principalId"],
                                "clientId": state["clientId"]}

    def _registry(self, state: dict[str, Any], name: str, rid: str) -> None:
        state["loginServer"] = self._invent(f"{name}.azurecr.io")

    def _storage(self, state: dict[str, Any], name: str, rid: str) -> None:
        state["primaryEndpoints"] = {"blob": self._invent(f"https://{name}.blob.core.windows.net/")}

    def _vault(self, state: dict[str, Any], name: str, rid: str) -> None:
        state["properties"] = {**state["properties"],
                               "vaultUri": self._invent(f"https://{name}.vault.azure.net/")}

    def _key(self, state: dict[str, Any], name: str, rid: str) -> None:
        uri = f"https://{state['vaultName']}.vault.azure.net/keys/{name}"
        version = self._guid(rid, "version").replace("-", "")
        state.update(keyUri=self._invent(uri), keyUriWithVersion=self._invent(f"{uri}/{version}"))

    def _cluster(self, state: dict[str, Any], name: str, rid: str) -> None:
        state["oidcIssuerProfile"] = {**state.get("oidcIssuerProfile", {}), "issuerURL":
                                      self._invent(f"https://{state['location']}.oic.prod-"
                                                   f"aks.azure.com/{TENANT_ID}/{name}/")}

    def _endpoint(self, state: dict[str, Any], name: str, rid: str) -> None:
        host = f"https://{name}.{state['location']}.inference.ml.azure.com"
        # a new endpoint routes nothing until a write of its traffic
        state["properties"] = {"traffic": {}, **state["properties"],
                               "scoringUri": self._invent(f"{host}/score"),
                               "swaggerUri": self._invent(f"{host}/swagger.json")}

    def _batch_endpoint(self, state: dict[str, Any], name: str, rid: str) -> None:
        host = f"https://{name}.{state['location']}.inference.ml.azure.com"
        state["properties"] = {**state["properties"],
                               "scoringUri": self._invent(f"{host}/jobs"),
                               "swaggerUri": self._invent(f"{host}/swagger.json")}

    def _extension(self, state: dict[str, Any], name: str, rid: str) -> None:
        state["aksAssignedIdentity"] = {"principalId": self._guid(rid, "extension"),
                                        "type": "SystemAssigned"}

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
            rid = _id(USER_ASSIGNED_IDENTITY, a["resourceGroupName"], a["resourceName"])
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
            return {"id": _id(MANAGED_CLUSTER, group, name),
                    "name": name, "location": "westeurope"}
        if args.token == "azure-native:containerregistry:getRegistry":
            name = a["registryName"]
            return {"id": _id(REGISTRY, a["resourceGroupName"], name),
                    "name": name, "loginServer": f"{name.lower()}.azurecr.io"}
        if args.token == "azure-native:machinelearningservices:getWorkspace":
            group, name = a["resourceGroupName"], a["workspaceName"]
            return {"id": _id(ML_WORKSPACE, group, name), "name": name, "location": "westeurope",
                    "storageAccount": _id(STORAGE_ACCOUNT, group, f"st{name}"),
                    "keyVault": _id(KEY_VAULT, group, f"kv-{name}"),
                    "containerRegistry": _id(REGISTRY, group, f"cr{name}")}
        raise NotImplementedError(f"no mock for invoke {args.token}")
