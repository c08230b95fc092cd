"""The compute clusters section: AmlCompute clusters, each running as its own identity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StrictInt

from components import ComputeCluster, ComputeClusterArgs
from components.azure.vm_sizes import ml_compute_size_problem

from ..names import cluster_identity_purpose
from .base import (
    VM_SIZE,
    ConfigModel,
    IdentityChoice,
    Keys,
    Problems,
    SecretName,
    azure_name,
    size,
    unique,
)
from .section import Identity, Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings

VmPriority = Literal["Dedicated", "LowPriority"]


class ClusterSettings(ConfigModel):
    """One AmlCompute cluster."""

    name: Annotated[str, azure_name("compute")] = Field(
        description="Name in the workspace (what jobs name as compute).")
    vm_size: str = Field("Standard_DS3_v2", pattern=VM_SIZE, description=(
        "VM size of the nodes, one Azure ML compute offers (a change replaces the cluster)."))
    vm_priority: VmPriority = Field(
        "Dedicated", description="LowPriority is cheaper and may be preempted.")
    min_nodes: StrictInt = Field(0, ge=0, le=1000, description="Nodes kept when idle.")
    max_nodes: StrictInt = Field(2, ge=1, le=1000, description="Nodes at most.")
    idle_seconds_before_scale_down: StrictInt = Field(
        120, ge=0, le=7 * 24 * 3600, description="Seconds a node idles before it is released.")
    identity: IdentityChoice = Field("userAssigned", description=(
        "userAssigned (its own identity, granted what it needs) or systemAssigned."))
    secrets: tuple[SecretName, ...] = Field((), description=(
        "Names of workspace key vault secrets job code reads as the cluster identity "
        "(Key Vault Secrets User on each, never the whole vault); each must exist."))

    def rules(self, k: Keys) -> Problems:
        if self.max_nodes < self.min_nodes:
            return [f"{k('maxNodes')} = {self.max_nodes!r} is not allowed: at least minNodes "
                    f"({self.min_nodes})"]
        return []


def default_clusters() -> tuple[ClusterSettings, ...]:
    return (ClusterSettings(name="cpu"),)


def _sizes(s: StackSettings, k: Keys) -> Problems:
    return [x for i, c in enumerate(s.compute_clusters)
            for x in size(k("computeClusters", i, "vmSize"), c.vm_size, ml_compute_size_problem,
                          not s.allow_unlisted_vm_sizes, k("allowUnlistedVmSizes"))]


def _names(s: StackSettings, k: Keys) -> Problems:
    names = s.names
    return unique(k("computeClusters"), [c.name for c in s.compute_clusters]) + [
        f"{k('computeClusters')}[{i}].name: {x} (shorten the name)"
        for i, c in enumerate(s.compute_clusters) for x in names.cluster_problems(c.name)]


def _identities(s: StackSettings) -> list[Identity]:
    return [Identity(cluster_identity_purpose(c.name), "computeClusters")
            for c in s.compute_clusters if c.identity == "userAssigned"]


def _build(p: Platform) -> None:
    p.clusters = {c.name: ComputeCluster(f"cluster-{c.name}", ComputeClusterArgs(
        workspace=p.workspace.ref, compute_name=c.name,
        identity=p.identity(cluster_identity_purpose(c.name)),
        vm_size=c.vm_size, vm_priority=c.vm_priority, min_nodes=c.min_nodes,
        max_nodes=c.max_nodes, idle_seconds_before_scale_down=c.idle_seconds_before_scale_down,
        extra_pulls=p.pulls, extra_reads=p.reads, secrets=c.secrets,
        secrets_made_by=p.secrets_made, node_public_ip=not p.settings.network, tags=p.tags))
        for c in p.settings.compute_clusters}


SECTION = Section(keys=("computeClusters",), rules=(_sizes, _names), identities=_identities,
                  build=_build)
