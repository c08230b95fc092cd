"""The compute clusters section: AmlCompute clusters, each running as its own identity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from components import ComputeCluster, ComputeClusterArgs
from components.compute import ComputeClusterSpec, offered_size

from ..names import cluster_identity_purpose
from .base import ConfigModel, IdentityChoice, Keys, Problems, size_problems_at, unique
from .batch_endpoints import batch_clusters
from .section import Identity, Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings

class ClusterSettings(ComputeClusterSpec, ConfigModel):
    """One AmlCompute cluster."""

    identity: IdentityChoice = Field("userAssigned", description=(
        "userAssigned (its own identity, granted what it needs) or systemAssigned."))


def default_clusters() -> tuple[ClusterSettings, ...]:
    return (ClusterSettings(compute_name="cpu"),)


def _sizes(s: StackSettings, k: Keys) -> Problems:
    return size_problems_at(k, "computeClusters", ClusterSettings, [
        offered_size(c.vm_size, s.allow_unlisted_vm_sizes) for c in s.compute_clusters])


def _names(s: StackSettings, k: Keys) -> Problems:
    names = s.names
    return unique(k("computeClusters"), [c.compute_name for c in s.compute_clusters]) + [
        f"{k('computeClusters')}[{i}].name: {x} (shorten the name)"
        for i, c in enumerate(s.compute_clusters) for x in names.cluster_problems(c.compute_name)]


def _identities(s: StackSettings) -> list[Identity]:
    return [Identity(cluster_identity_purpose(c.compute_name), "computeClusters")
            for c in s.compute_clusters if c.identity == "userAssigned"]


def _build(p: Platform) -> None:
    p.clusters = {c.compute_name: ComputeCluster(f"cluster-{c.compute_name}", ComputeClusterArgs(
        **c.arguments(ComputeClusterSpec), workspace=p.workspace.ref,
        identity=p.identity(cluster_identity_purpose(c.compute_name)),
        extra_pulls=p.pulls, extra_reads=p.reads, secrets_made_by=p.secrets_made,
        node_public_ip=not p.settings.network,
        batch_jobs=c.compute_name in batch_clusters(p.settings),
        allow_unlisted_vm_size=p.settings.allow_unlisted_vm_sizes, tags=p.tags))
        for c in p.settings.compute_clusters}


SECTION = Section(keys=("computeClusters",), rules=(_sizes, _names), identities=_identities,
                  build=_build)
