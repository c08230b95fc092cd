"""The secrets section: the workspace key vault secrets workloads read as their identities, which
the stack makes (``sampleData``) or which the user put in the vault (``existingSecrets``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
import pulumi_random as random

from components import catalog, vault_secret

from .base import Keys, Problems
from .section import Section

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings

RANDOM_PASSWORD = catalog.register(catalog.ResourceType(
    "random:index/randomPassword:RandomPassword", "random password",
    created_in=catalog.Seconds(0, "computed locally by pulumi-random"),
    required_by_all="a name or value in the resource's inputs",
    replaced_on=("*",)))  # pulumi/pulumi-random: every argument forces a new value

SAMPLE_SECRET_NAME = "sample-secret"
"""The secret ``sampleData`` makes for the sample scoring app (samples/score)."""


def _known(s: StackSettings, k: Keys) -> Problems:
    """Every secret a workload reads is one the stack makes or one the user put in the vault:
    the stack orders a grant after what makes its secret, and a new vault holds nothing else."""
    made = {SAMPLE_SECRET_NAME} if s.sample_data else set()
    known = made | set(s.existing_secrets)
    p = [f"{k('existingSecrets')} = {name!r} is not allowed: the stack makes it already "
         "(sampleData)" for name in s.existing_secrets if name in made]
    readers: list[tuple[str, int, tuple[str, ...]]] = [
        *(("computeClusters", i, c.secrets) for i, c in enumerate(s.compute_clusters)),
        *(("computeInstances", i, c.secrets) for i, c in enumerate(s.compute_instances)),
        *(("onlineEndpoints", i, e.secrets) for i, e in enumerate(s.online_endpoints))]
    for section, i, secrets in readers:
        p += [f"{k(section, i, 'secrets', j)} = {name!r} is not allowed: a secret the stack "
              f"makes ({', '.join(sorted(made)) or 'none: sampleData is off'}) or one of "
              f"{k('existingSecrets')} (put it in the workspace key vault after the first pulumi "
              "up made the vault, then list it there: a new vault holds no other secret)"
              for j, name in enumerate(secrets) if name not in known]
    return p


def _build(p: Platform) -> None:
    # What the sample app reads at start: a secret (random, never an output), made before any
    # workload is granted a role on it.
    if p.settings.sample_data:
        p.sample_secret = vault_secret(
            "sample-secret", key_vault_id=p.workspace.key_vault_id,
            secret_name=SAMPLE_SECRET_NAME,
            value=random.RandomPassword("sample-secret-value", length=32, special=False).result,
            tags=p.tags, opts=pulumi.ResourceOptions(deleted_with=p.workspace.key_vault))


SECTION = Section(keys=("existingSecrets", "sampleData"), rules=(_known,), build=_build)
