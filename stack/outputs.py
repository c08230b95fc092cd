"""What the stack exports: every principal id, client id and URI another system needs."""

from __future__ import annotations

import pulumi

from .program import Platform

OUTPUTS: dict[str, str] = {
    "resourceGroupName": "the resource group everything lives in",
    "location": "the Azure region of every resource",
    "tenantId": "the Entra ID tenant",
    "subscriptionId": "the subscription",
    "deployer": "`objectId`, `principalType` of whoever ran `pulumi up`: the stack grants it the "
                "data role its uploads need (in `grants`)",
    "workspaceName": "the workspace's Azure name",
    "workspaceId": "the workspace's resource id",
    "workspaceIdentity": "`principalId`, `clientId` of the workspace identity (`clientId` is null "
                         "for a system-assigned one)",
    "registryLoginServer": "the container registry's login server, e.g. "
                           "`crmlplatdevab12c.azurecr.io`",
    "computeClusters": "per cluster: `name`, `principalId`, `clientId`; jobs see the client id as "
                       "`DEFAULT_IDENTITY_CLIENT_ID`",
    "onlineEndpoints": "per endpoint: `name`, `scoringUri`, `swaggerUri`, `principalId`, "
                       "`clientId` (what scoring code passes as `AZURE_CLIENT_ID`), "
                       "`deployments` (Azure names, e.g. `blue-ds2v2`), `traffic` (percent per "
                       "deployment)",
    "batchEndpoints": "per batch endpoint: `name`, `scoringUri` (the invocation URI), "
                      "`defaultDeployment`, `deployments`, `invokers` (object ids of who may "
                      "invoke it, the CI identity's with `automationInvokes`), "
                      "`clusterIdentities` (principal ids its jobs run as)",
    "computeInstances": "per instance: `name`, `principalId`, `clientId`",
    "identities": "per user-assigned identity, by purpose: `clientId`, `principalId`, "
                  "`tenantId`, `resourceId` (what an external service needs to trust it)",
    "automation": "`clientId`, `tenantId`, `subscriptionId` for the CI login step (only with "
                  "`automationCredentials`)",
    "privateRegistry": "`loginServer`, `connectionId` (only with `privateRegistryId`)",
    "dataStorage": "`containerId`, `datastore` (only with `dataStorage`)",
    "encryption": "the customer-managed key: `vaultId`, `uri`, `uriWithVersion` (the version the "
                  "workspace uses) (only with `customerManagedKey`)",
    "kubernetes": "`clusterId`, `computeName`, `instanceTypes`, `oidcIssuerUrl` (for federating "
                  "your own service accounts; null for an existing cluster) (only with "
                  "`kubernetes`)",
    "grants": "every role a principal of the stack holds: `principal`, `principalId`, `role`, "
              "`scope`, `grantedBy` (`stack` for a role assignment of the stack, `Azure` for one "
              "Azure makes a system-assigned identity itself), `source` (the document it comes "
              "from)",
}
"""Every output the stack may export and what it holds: the docs' outputs reference is written
from it (``python -m offline.docs``), and a test checks that the stacks export exactly these."""


def invokers(p: Platform, endpoint: str) -> list[pulumi.Input[str]]:
    """Object ids of who may invoke batch endpoint ``endpoint``: its invokers, and the CI
    identity where it invokes (it, and dataUsers, hold the roles already)."""
    settings = next(e for e in p.settings.batch_endpoints if e.name == endpoint)
    found: list[pulumi.Input[str]] = [u.object_id for u in settings.invokers]
    if settings.automation_invokes and p.automation is not None:
        found.append(p.automation.principal_id)
    return found


def export(p: Platform) -> None:
    """Export the outputs of platform ``p`` (each one described in :data:`OUTPUTS`)."""
    client, workspace = p.client, p.workspace
    pulumi.export("resourceGroupName", p.resource_group_name)
    pulumi.export("location", p.settings.location)
    pulumi.export("tenantId", client.tenant_id)
    pulumi.export("subscriptionId", client.subscription_id)
    # Who ran pulumi up: the stack grants it the data role its uploads need (grants, below).
    pulumi.export("deployer", {"objectId": p.deployer.id, "principalType": p.deployer.type.value})
    pulumi.export("workspaceName", workspace.name)
    pulumi.export("workspaceId", workspace.id)
    pulumi.export("workspaceIdentity", {"principalId": workspace.principal_id,
                                        "clientId": workspace.client_id})
    pulumi.export("registryLoginServer", p.registry.login_server)
    pulumi.export("computeClusters", {
        key: {"name": c.name, "principalId": c.principal_id, "clientId": c.client_id}
        for key, c in p.clusters.items()})
    pulumi.export("onlineEndpoints", {
        key: {"name": e.name, "scoringUri": e.scoring_uri, "swaggerUri": e.swagger_uri,
              "principalId": e.principal_id, "clientId": e.client_id,
              "deployments": list(e.deployments), "traffic": e.traffic}
        for key, e in p.endpoints.items()})
    pulumi.export("batchEndpoints", {
        key: {"name": b.name, "scoringUri": b.scoring_uri,
              "defaultDeployment": b.default_deployment, "deployments": list(b.deployments),
              "invokers": invokers(p, key), "clusterIdentities": b.cluster_principals}
        for key, b in p.batch_endpoints.items()})
    pulumi.export("computeInstances", {
        key: {"name": i.name, "principalId": i.principal_id, "clientId": i.client_id}
        for key, i in p.instances.items()})
    # What an external service needs to trust each identity, or code needs to act as it (seed 000).
    pulumi.export("identities", {
        purpose: {"clientId": i.client_id, "principalId": i.principal_id, "tenantId": i.tenant_id,
                  "resourceId": i.id}
        for purpose, i in p.identities.items()})
    if p.automation is not None:  # what the CI login step takes (e.g. azure/login's inputs)
        pulumi.export("automation", {"clientId": p.automation.client_id,
                                     "tenantId": client.tenant_id,
                                     "subscriptionId": client.subscription_id})
    if p.private_registry is not None:
        pulumi.export("privateRegistry", {"loginServer": p.private_registry.login_server,
                                          "connectionId": p.private_registry.connection_id})
    if p.data is not None:
        pulumi.export("dataStorage", {"containerId": p.data.container_id,
                                      "datastore": p.data.datastore_name})
    if p.encryption is not None:  # what a rotation is checked against
        key = p.encryption
        pulumi.export("encryption", {"vaultId": key.key_vault_id, "uri": key.key_uri,
                                     "uriWithVersion": key.key_uri_with_version})
    if p.kubernetes is not None:  # the team's own pods federate with the cluster's issuer
        pulumi.export("kubernetes", {"clusterId": p.kubernetes.cluster_id,
                                     "computeName": p.kubernetes.name,
                                     "instanceTypes": list(p.kubernetes.instance_types),
                                     "oidcIssuerUrl": p.kubernetes.oidc_issuer_url})
    # Every role a principal of the stack holds: the stack's role assignments, then what Azure
    # grants its system-assigned identities by itself (grantedBy: Azure), shown, not hidden.
    pulumi.export("grants", [*(g.as_output() for g in p.grants),
                             *(g.as_output() for g in p.azure_grants)])
