"""Provisioning a workspace's managed network before anything runs in it.

``provisionNetworkNow`` provisions the managed network "when creating a Workspace with the managed
VNet enabled, or else it does nothing" (Azure/azure-rest-api-specs, machinelearningservices
workspaceRP.json). On an existing workspace whose isolation is turned on, the network is made by
the first compute that needs it ("it can take around 30 minutes to create the first compute
resource as it is also provisioning the network", plus "around 10 minutes" for the first FQDN
rule), and "to create an online deployment, you must manually provision the managed network"
(how-to-managed-network, "Manually provision a managed VNet"). So the workspace component asks
for it explicitly whenever isolation is on: :class:`ManagedNetworkProvisioning` calls the
workspace's ``provisionManagedNetwork`` action (``POST .../workspaces/<w>/provisionManagedNetwork``,
ManagedNetworkProvisions_ProvisionManagedNetwork, stable since 2024-04-01) and waits for its
long-running operation; computes and deployments of the workspace wait for it. azure-native has no
resource for the action, so it is a Pulumi dynamic resource, signed in like the uploads
(:func:`~components.signin.credential`); its deployer needs
``Microsoft.MachineLearningServices/workspaces/provisionManagedNetwork/action``, which Contributor
holds.

On a workspace created with ``provisionNetworkNow`` the call finds the network provisioned and
returns at once. It runs again when the isolation mode changes; it deletes nothing (the network
goes with its workspace). The provider is pickled by reference to this module's path, which
therefore keeps its name.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from azure.core.credentials import TokenCredential
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from . import arm_rest, catalog
from .arm_rest import Send

REPLACE_KEYS = ("workspaceId",)
"""Inputs that name another network: a change provisions that one (nothing is deleted)."""


def network_id(props: Mapping[str, Any]) -> str:
    """The provider's id of the provisioned network: the workspace's id and ``/managedNetwork``."""
    return f"{props['workspaceId']}/managedNetwork"


NETWORK_PROVISIONING = catalog.register(catalog.ResourceType(
    "pulumi-python:dynamic/machinelearningservices:ManagedNetworkProvisioning",
    "managed network provisioning",
    created_in=catalog.Seconds(30, "how-to-managed-network: provisioning takes about 30 minutes, "
                                   "done here with the workspace (provisionNetworkNow), so the "
                                   "call finds it done; 1,800 s when isolation is turned on "
                                   "later"),
    provider_id=network_id, replaced_on=REPLACE_KEYS))

DEADLINE_SECONDS = 60 * 60
"""How long to wait for the operation: about 30 minutes, plus 10 for the first FQDN rule."""

def provision(workspace_id: str, token: TokenCredential | None = None, send: Send = arm_rest.send,
              sleep: Callable[[float], None] = time.sleep) -> str:
    """Provision the managed network of workspace ``workspace_id`` and wait until Azure reports
    the operation done; its final status (``Succeeded``). Raises with Azure's answer otherwise."""
    headers = arm_rest.headers(token)
    status, answer, body = arm_rest.post(workspace_id, "provisionManagedNetwork",
                                         {"includeSpark": False}, headers, send)
    if status == 200:
        return "Succeeded"
    if status != 202:
        raise RuntimeError(f"provisioning the managed network of {workspace_id} was refused "
                           f"({status}): {body.decode(errors='replace')}")
    poll = {k.lower(): v for k, v in answer.items()}
    monitor = poll.get("azure-asyncoperation") or poll.get("location")
    if not monitor:
        raise RuntimeError(f"Azure accepted provisioning the managed network of {workspace_id} "
                           "but named no operation to follow")
    waited = 0.0
    while waited < DEADLINE_SECONDS:
        pause = float(poll.get("retry-after") or 30)
        sleep(pause)
        waited += pause
        status, answer, body = send(urllib.request.Request(monitor, headers=headers))
        poll = {k.lower(): v for k, v in answer.items()}
        state = (json.loads(body or b"{}").get("status") or "") if status == 200 else ""
        if status == 200 and state.lower() in ("", "succeeded"):
            return "Succeeded"
        if status >= 400 or state.lower() in ("failed", "canceled"):
            raise RuntimeError(f"provisioning the managed network of {workspace_id} ended "
                               f"{state or status}: {body.decode(errors='replace')}")
    raise TimeoutError(f"the managed network of {workspace_id} was not provisioned after "
                       f"{DEADLINE_SECONDS // 60} minutes; it goes on in Azure: run pulumi up "
                       "again once az ml workspace show reports it active")


class ManagedNetworkProvisioningProvider(ResourceProvider):
    """Create and update of :class:`ManagedNetworkProvisioning` (Pulumi's dynamic provider host)."""

    serialize_as_secret_always = False  # it captures no secret

    def create(self, props: dict[str, Any]) -> CreateResult:
        provision(props["workspaceId"])
        return CreateResult(network_id(props), props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in REPLACE_KEYS if olds.get(key) != news.get(key)]
        changed = bool(replaces) or olds.get("isolationMode") != news.get("isolationMode")
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        provision(news["workspaceId"])
        return UpdateResult(news)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to call: the managed network goes with its workspace."""


class ManagedNetworkProvisioning(pulumi.dynamic.Resource, module="machinelearningservices",
                                 name="ManagedNetworkProvisioning"):
    """The managed network of ``workspace_id``, provisioned (done again when its isolation mode
    changes)."""

    def __init__(self, name: str, *, workspace_id: pulumi.Input[str],
                 isolation_mode: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None):
        super().__init__(ManagedNetworkProvisioningProvider(), name,
                         {"workspaceId": workspace_id, "isolationMode": isolation_mode}, opts)
