"""The day-2 plan: the steps ``pulumi up`` or ``pulumi destroy`` would take from one state of a stack
to another, in the engine's order, each checked against what Azure does (:mod:`offline.rules`).

A side of the plan is a run of the real program under mocks (a stack, with config overrides) or a
saved snapshot of one (what the state of the deployed stack holds). The engine's order, as
Pulumi documents and implements it (pulumi/pulumi ``pkg/resource/deploy/step_generator.go``):

* resources the program registers are created, updated or replaced in registration order, which
  respects their dependencies; ``replaceOnChanges`` and the provider's own create-only properties
  turn an update into a replace;
* a replace deletes the original first when the provider asks for it (azure-native does whenever
  one of its create-only properties changed) or the resource sets ``deleteBeforeReplace``;
  otherwise it creates the replacement first and deletes the original with the other deletes;
* resources that left the program are deleted after every create and update, dependents first;
  a protected resource is refused, a ``retainOnDelete`` one is dropped from the state only, and one
  whose ``deletedWith`` resource is deleted in the same operation is not deleted separately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from .runner import Registration, StackRun, jsonable

CREATE, UPDATE, REPLACE, DELETE = "create", "update", "replace", "delete"
PROTECTED, RETAIN, DELETED_WITH = "protected", "retain", "deleted-with"
DELETE_REPLACED = "delete-replaced"
"""The delete of a replaced resource's original, after every create and update."""

SYMBOL = {CREATE: "+", UPDATE: "~", REPLACE: "+-", DELETE: "-", PROTECTED: "!", RETAIN: "=",
          DELETED_WITH: ".", DELETE_REPLACED: "-"}

REFUSED, LIES, DATA_LOSS, AT_RISK, NOTE = "refused", "lies", "data loss", "at risk", "note"
"""Verdicts of a rule: Azure or Pulumi refuses the step (the operation fails); Azure ignores it
(the state would lie); data is lost; the step may fail and needs a retry or a look; what Azure
does besides, worth knowing."""
FAILING = (REFUSED, LIES, DATA_LOSS)
"""Verdicts that make a plan fail (exit code 1)."""

STATEFUL = ("azure-native:storage:StorageAccount", "azure-native:storage:BlobContainer",
            "azure-native:keyvault:Vault", "azure-native:containerregistry:Registry",
            "azure-native:operationalinsights:Workspace",
            "azure-native:machinelearningservices:Workspace")
"""Resource types that hold data a replacement or a delete would lose."""


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
    old: Optional[Registration] = None
    """The resource as the state holds it, for an update or a replace."""
    changed: list[str] = field(default_factory=list)
    """Input paths whose values change."""
    replace_because: list[str] = field(default_factory=list)
    """The changed paths that force the replacement."""
    delete_first: bool = False
    """For a replace: the original is deleted before its replacement is created."""
    deleted_with: Optional[Registration] = None
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

    @property
    def findings(self) -> list[tuple[Step, Finding]]:
        return [(s, f) for s in self.steps for f in s.findings]

    @property
    def failing(self) -> bool:
        return any(s.failing for s in self.steps)

    def of(self, op: str) -> list[Step]:
        return [s for s in self.steps if s.op == op]

    def step(self, name: str, op: Optional[str] = None) -> Step:
        """The one step on the resource with Pulumi name ``name`` (and ``op``)."""
        found = [s for s in self.steps if s.resource.name == name and (op is None or s.op == op)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} steps on {name} ({op or 'any op'})")
        return found[0]


# --- input differences ----------------------------------------------------------------------

def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of nested dicts and lists by dotted path (``a.b[0].c``)."""
    if isinstance(value, dict) and value:
        return {path: leaf for k, v in value.items()
                for path, leaf in flatten(v, f"{prefix}.{k}" if prefix else k).items()}
    if isinstance(value, list) and value:
        return {path: leaf for i, v in enumerate(value)
                for path, leaf in flatten(v, f"{prefix}[{i}]").items()}
    return {prefix: value}


def matches(path: str, pattern: str) -> bool:
    """Whether input ``path`` is ``pattern`` or lies under it (``*`` stands for one key), as
    ``ignoreChanges`` and ``replaceOnChanges`` paths are matched."""
    regex = re.escape(pattern).replace(r"\*", r"[^.\[]+")
    return re.match(rf"{regex}($|[.\[])", path) is not None


def changed_paths(old: dict[str, Any], new: dict[str, Any], ignore: Iterable[str] = ()) -> list[str]:
    """Input paths whose value differs, leaving out ``ignore``d ones (their old value is kept)."""
    before, after = flatten(jsonable(old)), flatten(jsonable(new))
    ignore = list(ignore)
    return sorted(p for p in set(before) | set(after)
                  if before.get(p, _ABSENT) != after.get(p, _ABSENT)
                  and not any(matches(p, i) for i in ignore))


_ABSENT = object()


# --- the engine -----------------------------------------------------------------------------

def _order(resources: dict[str, Registration]) -> list[Registration]:
    """A topological order of ``resources`` (dependencies, parents and ``deletedWith`` first),
    stable by registration order."""
    done: dict[str, Registration] = {}

    def visit(r: Registration, path: tuple[str, ...]) -> None:
        if r.urn in done or r.urn in path:
            return
        for urn in (*r.dependencies, r.parent, *_property_urns(r)):
            if urn in resources:
                visit(resources[urn], (*path, r.urn))
        done[r.urn] = r
    for r in resources.values():
        visit(r, ())
    return list(done.values())


def _property_urns(r: Registration) -> list[str]:
    return [u for urns in r.property_dependencies.values() for u in urns]


def replace_paths(r: Registration, changed: list[str]) -> tuple[list[str], bool]:
    """The changed paths that make the engine replace ``r``, and whether the provider itself asks
    for the original to be deleted first (azure-native does for its own create-only paths)."""
    from .rules import provider_replaces  # the provider's facts live with the other rules
    by_provider = [p for p in changed if provider_replaces(r, p)]
    by_option = [p for p in changed if any(matches(p, o) for o in r.replace_on_changes)]
    return sorted(set(by_provider) | set(by_option)), bool(by_provider)


def _dependents(root: str, old: dict[str, Registration]) -> list[Registration]:
    """What the engine deletes first when ``root`` is replaced delete-first, in the order it
    deletes them (pulumi/pulumi ``calculateDependentReplacements``): custom resources of the
    state that are deleted with a replaced resource, or whose inputs from it force their own
    replacement once unknown; transitively."""
    from .rules import provider_replaces
    replacing = {root}
    found: list[Registration] = []
    for r in _order(old):
        if r.urn in replacing or not r.custom:
            continue
        keys = [key for key, urns in r.property_dependencies.items() if replacing & set(urns)]
        if r.deleted_with in replacing or any(
                provider_replaces(r, key) or any(matches(key, o) or matches(o, key)
                                                 for o in r.replace_on_changes) for key in keys):
            replacing.add(r.urn)
            found.append(r)
    return list(reversed(found))


def plan_steps(base: Optional[StackRun], head: Optional[StackRun], *,
               unprotect: bool = False) -> list[Step]:
    """The engine's steps from state ``base`` (None: nothing deployed) to program ``head`` (None:
    ``pulumi destroy``); ``unprotect`` as after ``pulumi state unprotect --all``."""
    old = dict(base.resources) if base else {}
    new = dict(head.resources) if head else {}
    steps: list[Step] = []
    deleting: set[str] = set()
    """URNs of state resources this operation deletes (what ``deletedWith`` looks at)."""
    replaced: set[str] = set()
    recreate: set[str] = set()
    """Dependents already deleted by a delete-first replace, created again when registered."""

    def delete(op: str, r: Registration) -> Step:
        target = old.get(r.deleted_with) if r.deleted_with else None
        if r.protect and not unprotect:
            return Step(PROTECTED, r)
        if r.retain_on_delete:
            return Step(RETAIN, r)
        if target is not None and target.urn in deleting:
            return Step(DELETED_WITH, r, deleted_with=target)
        return Step(op, r)

    for r in _order(new):
        was = old.get(r.urn)
        if not r.custom:
            continue
        if was is None:
            steps.append(Step(CREATE, r))
            continue
        changed = changed_paths(was.inputs, r.inputs, r.ignore_changes)
        if r.urn in recreate:
            steps.append(Step(REPLACE, r, was, changed, ["(deleted first with a dependency)"],
                              delete_first=True))
            replaced.add(r.urn)
            continue
        because, provider_first = replace_paths(r, changed)
        if not because and r.deleted_with in replaced:  # the engine replaces it with its target
            because = ["deletedWith"]
        if not because:
            if changed:
                steps.append(Step(UPDATE, r, was, changed))
            continue
        replaced.add(r.urn)
        first = provider_first or r.delete_before_replace
        if first:
            deleting.add(r.urn)
            for dependent in _dependents(r.urn, old):
                deleting.add(dependent.urn)
                recreate.add(dependent.urn)
                steps.append(delete(DELETE_REPLACED, dependent))
        steps.append(Step(REPLACE, r, was, changed, because, delete_first=first))
    removed = {urn for urn, r in old.items() if r.custom and urn not in new}
    later = {urn for urn in replaced if urn not in recreate} - deleting
    deleting |= removed | later
    for r in reversed(_order(old)):
        if r.urn in removed:
            steps.append(delete(DELETE, r))
        elif r.urn in later:
            steps.append(delete(DELETE_REPLACED, r))
    return steps


def day2_plan(base: Optional[StackRun], head: Optional[StackRun], *, unprotect: bool = False,
              reserved: Iterable[tuple[str, str]] = ()) -> Plan:
    """The checked plan from ``base`` to ``head`` (None for either: nothing deployed, or
    ``pulumi destroy``). ``reserved`` are names a previous plan left soft-deleted."""
    from .rules import check
    stack = (head or base).stack if (head or base) else "?"
    steps = plan_steps(base, head, unprotect=unprotect)
    plan = Plan(stack=stack, destroy=head is None, steps=steps)
    check(plan, base, head, set(reserved))
    return plan
