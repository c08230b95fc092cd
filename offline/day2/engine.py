"""The engine's steps from a state of a stack (what is deployed) to a run of its program.

The engine's order, as Pulumi documents and implements it (pulumi/pulumi
``pkg/resource/deploy/step_generator.go``):

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

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from components import catalog
from components.testing.runner import Registration, StackRun

from .inputs import changed_paths, matches, sent_inputs
from .model import (
    CREATE,
    DELETE,
    DELETE_REPLACED,
    DELETED_WITH,
    IGNORED,
    PROTECTED,
    REPLACE,
    RETAIN,
    UPDATE,
    Step,
)


def _order(resources: dict[str, Registration]) -> list[Registration]:
    """A topological order of ``resources`` (dependencies and parents first), the same on every
    run: ties go by URN, not by registration order, which varies from run to run (the SDK
    registers resources as their inputs resolve)."""
    done: dict[str, Registration] = {}

    def visit(r: Registration, path: tuple[str, ...]) -> None:
        if r.urn in done or r.urn in path:
            return
        for urn in sorted({*r.dependencies, r.parent, *_property_urns(r)}):
            if urn in resources:
                visit(resources[urn], (*path, r.urn))
        done[r.urn] = r
    for urn in sorted(resources):
        visit(resources[urn], ())
    return list(done.values())


def _property_urns(r: Registration) -> list[str]:
    return [u for urns in r.property_dependencies.values() for u in urns]


def provider_replaces(r: Registration, path: str) -> bool:
    """Whether a change of input ``path`` makes the provider replace ``r`` (delete first)."""
    return any(matches(path, key) for key in catalog.get(r.type).replaces)


def replace_paths(r: Registration, changed: list[str]) -> tuple[list[str], bool]:
    """The changed paths that make the engine replace ``r``, and whether the provider itself asks
    for the original to be deleted first (azure-native does for its own create-only paths)."""
    by_provider = [p for p in changed if provider_replaces(r, p)]
    by_option = [p for p in changed if any(matches(p, o) for o in r.replace_on_changes)]
    return sorted(set(by_provider) | set(by_option)), bool(by_provider)


def _dependents(root: str, old: dict[str, Registration]) -> list[Registration]:
    """What the engine deletes first when ``root`` is replaced delete-first, in the order it
    deletes them (pulumi/pulumi ``calculateDependentReplacements``): custom resources of the
    state that are deleted with a replaced resource, or whose inputs from it force their own
    replacement once unknown; transitively."""
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


@dataclass
class _Engine:
    """The engine's bookkeeping while it walks the program: what it deletes, replaces, takes over
    through an alias or creates again."""

    old: dict[str, Registration]
    unprotect: bool
    fixed: Callable[[Registration, str], bool]
    steps: list[Step] = field(default_factory=list)
    deleting: set[str] = field(default_factory=set)
    """URNs of state resources this operation deletes (what ``deletedWith`` looks at)."""
    replaced: set[str] = field(default_factory=set)
    recreate: dict[str, str] = field(default_factory=dict)
    """Dependents already deleted by a delete-first replace (the replaced resource's name),
    created again when registered."""
    matched: set[str] = field(default_factory=set)
    """State URNs that a resource of the program takes over through an alias."""
    superseded: set[str] = field(default_factory=set)
    """State URNs of resources of another type replaced create-first: deleted at the end."""

    def delete(self, op: str, r: Registration) -> Step:
        target = self.old.get(r.deleted_with) if r.deleted_with else None
        if r.protect and not self.unprotect:
            return Step(PROTECTED, r)
        if r.retain_on_delete:
            return Step(RETAIN, r)
        if target is not None and target.urn in self.deleting:
            return Step(DELETED_WITH, r, deleted_with=target)
        return Step(op, r)

    def register(self, r: Registration) -> None:
        """The steps of one resource the program registers."""
        was = self.old.get(r.urn)
        if was is None:
            was = next((self.old[a] for a in r.aliases if a in self.old), None)
            if was is None:
                self.steps.append(Step(CREATE, r))
                return
            self.matched.add(was.urn)
        if was.type != r.type:  # another provider: the engine replaces the resource
            self.replaced.add(r.urn)
            (self.deleting if r.delete_before_replace else self.superseded).add(was.urn)
            self.steps.append(Step(REPLACE, r, was, [], [f"type {was.type} -> {r.type}"],
                                   delete_first=r.delete_before_replace))
            return
        changed = changed_paths(was.inputs, r.inputs, r.ignore_changes)
        kept = [p for p in changed_paths(was.inputs, r.inputs)
                if p not in changed and self.fixed(r, p)]
        if kept and not changed:
            self.steps.append(Step(IGNORED, r, was, kept))
        if r.ignore_changes:  # what the engine sends: ignored values from the state
            r = dataclasses.replace(r, inputs=sent_inputs(r.inputs, was.inputs, r.ignore_changes))
        if r.urn in self.recreate:
            self.steps.append(Step(REPLACE, r, was, changed,
                                   [f"{self.recreate[r.urn]}, deleted first"], delete_first=True))
            self.replaced.add(r.urn)
            return
        self.change(r, was, changed)

    def change(self, r: Registration, was: Registration, changed: list[str]) -> None:
        """An update, or a replacement (and what a delete-first one deletes before it)."""
        because, provider_first = replace_paths(r, changed)
        if not because and r.deleted_with in self.replaced:  # replaced with its target
            because = ["deletedWith"]
        if not because:
            if changed:
                self.steps.append(Step(UPDATE, r, was, changed))
            return
        self.replaced.add(r.urn)
        first = provider_first or r.delete_before_replace
        if first:
            self.deleting.add(r.urn)
            for dependent in _dependents(r.urn, self.old):
                self.deleting.add(dependent.urn)
                self.recreate[dependent.urn] = r.name
                self.steps.append(self.delete(DELETE_REPLACED, dependent))
        self.steps.append(Step(REPLACE, r, was, changed, because, delete_first=first))

    def finish(self, new: dict[str, Registration]) -> None:
        """The deletes after every create and update: what left the program, and the originals
        of create-first replacements, dependents first."""
        removed = {urn for urn, r in self.old.items() if r.custom and urn not in new} \
            - set(self.recreate) - self.matched
        later = ({urn for urn in self.replaced if urn not in self.recreate} - self.deleting) \
            | self.superseded
        self.deleting |= removed | later
        for r in reversed(_order(self.old)):
            if r.urn in removed:
                self.steps.append(self.delete(DELETE, r))
            elif r.urn in later:
                self.steps.append(self.delete(DELETE_REPLACED, r))


def plan_steps(base: StackRun | None, head: StackRun | None, *, unprotect: bool = False,
               fixed: Callable[[Registration, str], bool] = lambda r, path: False) -> list[Step]:
    """The engine's steps from state ``base`` (None: nothing deployed) to program ``head`` (None:
    ``pulumi destroy``); ``unprotect`` as after ``pulumi state unprotect --all``; a change of an
    ignored path that ``fixed`` says Azure takes at creation only is an :data:`IGNORED` step."""
    engine = _Engine(dict(base.resources) if base else {}, unprotect, fixed)
    new = dict(head.resources) if head else {}
    for r in _order(new):
        if r.custom:
            engine.register(r)
    engine.finish(new)
    return engine.steps
