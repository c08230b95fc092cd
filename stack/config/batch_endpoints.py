"""The batch endpoints section: batch endpoints whose model deployments run on the stack's compute
clusters (each running as its user-assigned identity, which then holds the batch data roles), and
who may invoke them."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Annotated

from pulumi_azure_native import authorization
from pydantic import BeforeValidator, Field, StrictBool

from components import BatchEndpoint, BatchEndpointArgs, BatchModelDeploymentSpec, Principal
from components.arguments import azure_name
from components.batch_endpoint import BatchDeploymentSpec, BatchEndpointSpec

from .base import ConfigModel, Keys, Problems, as_encrypted, unique
from .data import DataUserSettings
from .endpoints import AssetSettings
from .section import Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings


class BatchDeploymentSettings(AssetSettings, BatchDeploymentSpec):
    """One model deployment of a batch endpoint, on a compute cluster of the stack."""

    cluster: str = Field(description=(
        "The compute cluster its jobs run on (a name in computeClusters, running as its "
        "userAssigned identity)."))
    environment_variables: dict[str, Annotated[str, BeforeValidator(as_encrypted)]] = Field(
        {}, description="Variables for the scoring code (not secrets).")


class BatchEndpointSettings(BatchEndpointSpec, ConfigModel):
    """One batch endpoint: its deployments, its default and who may invoke it."""

    name: Annotated[str, azure_name("batch endpoint")] = Field(description=(
        "Letters, digits and single hyphens; the Azure name is <name>-<environment>-<suffix>."))
    deployments: tuple[BatchDeploymentSettings, ...] = Field((), description=(
        "Model deployments; [] scores nothing (and costs nothing)."))
    invokers: tuple[DataUserSettings, ...] = Field((), description=(
        "Users and groups who may invoke it: AzureML Data Scientist on the workspace and Storage "
        "Blob Data Contributor on its storage (dataUsers hold both already)."))
    automation_invokes: StrictBool = Field(False, description=(
        "The CI identity (automationCredentials) may invoke it; it holds both roles already."))

    def deployment_names(self) -> list[str]:
        return [d.name for d in self.deployments]


def batch_clusters(s: StackSettings) -> set[str]:
    """The clusters batch deployments run on (their identities get the batch data roles)."""
    return {d.cluster for e in s.batch_endpoints for d in e.deployments}


def _names(s: StackSettings, k: Keys) -> Problems:
    names, online = s.names, {e.name.lower() for e in s.online_endpoints}
    return unique(k("batchEndpoints"), [e.name for e in s.batch_endpoints]) + [
        f"{k('batchEndpoints', i, 'name')}: {x} (shorten the name)"
        for i, e in enumerate(s.batch_endpoints) for x in names.batch_endpoint_problems(e.name)
    ] + [f"{k('batchEndpoints', i, 'name')} = {e.name!r} is not allowed: a name no online "
         "endpoint has (an endpoint's name is the host of its URI, <name>.<region>.inference."
         "ml.azure.com, online and batch alike)"
         for i, e in enumerate(s.batch_endpoints) if e.name.lower() in online]


def _clusters(s: StackSettings, k: Keys) -> Problems:
    """Each deployment's cluster: one of the stack's, running as its user-assigned identity."""
    clusters = {c.compute_name: c for c in s.compute_clusters}
    p = []
    for i, e in enumerate(s.batch_endpoints):
        for j, d in enumerate(e.deployments):
            where = k("batchEndpoints", i, "deployments", j, "cluster")
            cluster = clusters.get(d.cluster)
            if cluster is None:
                p.append(f"{where} = {d.cluster!r} is not allowed: the name of one of "
                         f"{k('computeClusters')} ({', '.join(clusters) or 'none'})")
            elif cluster.identity != "userAssigned":
                n = list(clusters).index(d.cluster)
                p.append(f"{where} = {d.cluster!r} is not allowed: a cluster whose "
                         f"{k('computeClusters', n, 'identity')} is userAssigned (batch jobs run "
                         "as it, and Microsoft documents their storage queue and table roles for "
                         "a user-assigned identity: how-to-disable-local-auth-storage)")
    return p


def _invokers(s: StackSettings, k: Keys) -> Problems:
    """Invokers hold their roles on the workspace: each is named on one endpoint; the CI identity
    exists only with its credentials."""
    p = [f"{k('batchEndpoints', i, 'automationInvokes')} = true is not allowed without "
         f"{k('automationCredentials')}: false (there is no CI identity)"
         for i, e in enumerate(s.batch_endpoints)
         if e.automation_invokes and not s.automation_credentials]
    seen: set[str] = set()
    for i, e in enumerate(s.batch_endpoints):
        for j, u in enumerate(e.invokers):
            if u.object_id.lower() in seen:
                p.append(f"{k('batchEndpoints', i, 'invokers', j, 'objectId')} = "
                         f"{u.object_id!r} is not allowed: an invoker named once, on one batch "
                         "endpoint (its roles are on the workspace: it may invoke every batch "
                         "endpoint there)")
            seen.add(u.object_id.lower())
    return p


def _deployment(p: Platform, endpoint: BatchEndpointSettings,
                d: BatchDeploymentSettings) -> BatchModelDeploymentSpec:
    """A deployment of ``endpoint`` whose local model, code and environment are registered."""
    assets = p.assets
    assert assets is not None, "a batch endpoint with deployments has an asset store"
    env, prefix = d.environment, f"batch-{endpoint.name}"
    return BatchModelDeploymentSpec(
        **d.arguments(BatchDeploymentSpec),
        model_id=(assets.model(f"{prefix}-model", d.model_folder).id
                  if d.model_folder else d.model),
        environment_id=(env.environment_id or assets.environment(
            f"{prefix}-env", str(env.image), env.conda_file).id),
        code_id=assets.code(f"{prefix}-code", d.code).id, cluster=p.clusters[d.cluster].ref)


def _build(p: Platform) -> None:
    users = {u.object_id.lower() for u in p.settings.data_users}  # they hold both roles already
    p.batch_endpoints = {e.name: BatchEndpoint(f"batch-{e.name}", BatchEndpointArgs(
        **e.arguments(BatchEndpointSpec), workspace=p.workspace.ref,
        endpoint_name=p.suffix.apply(partial(p.names.batch_endpoint, e.name)),
        deployments=[_deployment(p, e, d) for d in e.deployments],
        invokers={u.object_id: Principal(u.object_id, u.object_id,
                                         authorization.PrincipalType(u.type))
                  for u in e.invokers if u.object_id.lower() not in users},
        tags=p.tags))
        for e in p.settings.batch_endpoints}


SECTION = Section(keys=("batchEndpoints",), rules=(_names, _clusters, _invokers), build=_build)
