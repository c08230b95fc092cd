"""What a day-2 plan is made of: steps, in the engine's order, and what the rules found on them."""

from __future__ import annotations

from dataclasses import dataclass, field

from components.catalog import LIES, REFUSED
from components.testing.runner import Registration

CREATE, UPDATE, REPLACE, DELETE = "create", "update", "replace", "delete"
IGNORED = "ignored"
"""A change of a property Azure fixes at creation that ``ignore_changes`` keeps from being sent:
no engine step, shown so that a reviewer sees the setting does not apply."""
PROTECTED, RETAIN, DELETED_WITH = "protected", "retain", "deleted-with"
DELETE_REPLACED = "delete-replaced"
"""The delete of a replaced resource's original, after every create and update."""

DATA_LOSS, NOTE = "data loss", "note"
"""Verdicts of a rule besides what Azure does with a property it fixes at creation
(:data:`~components.catalog.REFUSED`: Azure or Pulumi refuses the step, the operation fails;
:data:`~components.catalog.LIES`: Azure ignores it, the state would lie;
:data:`~components.catalog.AT_RISK`: the step may fail and needs a retry or a look): data is lost;
what Azure does besides, worth knowing."""
FAILING = (REFUSED, LIES, DATA_LOSS)
"""Verdicts that make a plan fail (exit code :data:`offline.exits.REFUSED`)."""


@dataclass
class Finding:
    """What a rule says about a step."""

    rule: str
    verdict: str
    message: str
    source: str


@dataclass
class Step:
    """One thing the engine does to one resource."""

    op: str
    resource: Registration
    """The resource as the program registers it (create, update, replace), or as the state holds
    it (every kind of delete)."""
    old: Registration | None = None
    """The resource as the state holds it, for an update or a replace."""
    changed: list[str] = field(default_factory=list)
    """Input paths whose values change."""
    replace_because: list[str] = field(default_factory=list)
    """The changed paths that force the replacement."""
    delete_first: bool = False
    """For a replace: the original is deleted before its replacement is created."""
    deleted_with: Registration | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return any(f.verdict in FAILING for f in self.findings)


@dataclass
class Plan:
    """The steps of one ``pulumi up`` or ``pulumi destroy``, with what the rules found."""

    stack: str
    destroy: bool
    steps: list[Step]
    reserved: set[tuple[str, str]] = field(default_factory=set)
    """(type, Azure name) of what this plan deletes into a soft-deleted state that keeps its name
    taken (workspaces, key vaults)."""
    notes: list[str] = field(default_factory=list)
    words: dict[str, str] = field(default_factory=dict)
    """What a resource is, in words, where its Azure name says little (role assignments)."""

    def shown(self, r: Registration) -> str:
        """``r`` as a step shows it: Pulumi name and what it is in Azure."""
        what = self.words.get(r.urn) or r.azure_name
        return f"{r.name} ({what})" if what else r.name

    @property
    def findings(self) -> list[tuple[Step, Finding]]:
        return [(s, f) for s in self.steps for f in s.findings]

    @property
    def failing(self) -> bool:
        return any(s.failing for s in self.steps)

    def of(self, op: str) -> list[Step]:
        return [s for s in self.steps if s.op == op]

    def step(self, name: str, op: str | None = None) -> Step:
        """The one step on the resource with Pulumi name ``name`` (and ``op``)."""
        found = [s for s in self.steps if s.resource.name == name and (op is None or s.op == op)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} steps on {name} ({op or 'any op'})")
        return found[0]
