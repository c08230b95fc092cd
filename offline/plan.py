"""The day-2 plan: the steps ``pulumi up`` or ``pulumi destroy`` would take from one state of a
stack to another, in the engine's order, each checked against what Azure does
(:mod:`offline.rules`).

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

import argparse
import dataclasses
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.access import ROLE_ASSIGNMENT
from components.catalog import AT_RISK, LIES, REFUSED
from components.stackfile import StackFileError, parse_yaml, read_yaml
from components.testing.mocks import RANDOM_SUFFIX
from components.testing.runner import Registration, StackRun, jsonable

from . import exits
from .columns import fit
from .exits import INPUT_ERRORS, OK, refuse, tool_parser
from .project import Project, add_arguments, from_arguments
from .words import grant_words

CREATE, UPDATE, REPLACE, DELETE = "create", "update", "replace", "delete"
IGNORED = "ignored"
"""A change of a property Azure fixes at creation that ``ignore_changes`` keeps from being sent:
no engine step, shown so that a reviewer sees the setting does not apply."""
PROTECTED, RETAIN, DELETED_WITH = "protected", "retain", "deleted-with"
DELETE_REPLACED = "delete-replaced"
"""The delete of a replaced resource's original, after every create and update."""

SYMBOL = {CREATE: "+", UPDATE: "~", REPLACE: "+-", DELETE: "-", PROTECTED: "!", RETAIN: "=",
          DELETED_WITH: ".", DELETE_REPLACED: "-", IGNORED: "="}

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


def changed_paths(old: dict[str, Any], new: dict[str, Any],
                  ignore: Iterable[str] = ()) -> list[str]:
    """Input paths whose value differs, leaving out ``ignore``d ones (their old value is kept)."""
    before, after = flatten(jsonable(old)), flatten(jsonable(new))
    ignore = list(ignore)
    return sorted(p for p in set(before) | set(after)
                  if before.get(p, _ABSENT) != after.get(p, _ABSENT)
                  and not any(matches(p, i) for i in ignore))


_ABSENT = object()


def _parts(path: str) -> list[str]:
    return [p for p in re.split(r"\.|\[|\]", path) if p]


def sent_inputs(news: dict[str, Any], olds: dict[str, Any],
                ignore: Iterable[str]) -> dict[str, Any]:
    """The inputs the engine sends for a resource with state ``olds`` and program inputs ``news``:
    each ``ignore``d path takes its value from the state, or is left out where the state has none
    (pulumi/pulumi pkg/resource/deploy/step_generator.go ``processIgnoreChanges``, for updates and
    for the create of a replacement alike)."""
    sent: dict[str, Any] = json.loads(json.dumps(jsonable(news)))
    for path in ignore:
        keys, source, target = _parts(path), jsonable(olds), sent
        for key in keys[:-1]:
            source = source.get(key) if isinstance(source, dict) else None
            target = target.setdefault(key, {}) if isinstance(target, dict) else {}
        if not isinstance(target, dict) or not keys:
            continue
        if isinstance(source, dict) and keys[-1] in source:
            target[keys[-1]] = source[keys[-1]]
        else:
            target.pop(keys[-1], None)
    return sent


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


def plan_steps(base: StackRun | None, head: StackRun | None, *, unprotect: bool = False,
               fixed: Callable[[Registration, str], bool] = lambda r, path: False) -> list[Step]:
    """The engine's steps from state ``base`` (None: nothing deployed) to program ``head`` (None:
    ``pulumi destroy``); ``unprotect`` as after ``pulumi state unprotect --all``; a change of an
    ignored path that ``fixed`` says Azure takes at creation only is an :data:`IGNORED` step."""
    old = dict(base.resources) if base else {}
    new = dict(head.resources) if head else {}
    steps: list[Step] = []
    deleting: set[str] = set()
    """URNs of state resources this operation deletes (what ``deletedWith`` looks at)."""
    replaced: set[str] = set()
    recreate: dict[str, str] = {}
    """Dependents already deleted by a delete-first replace (the replaced resource's name), created
    again when registered."""

    def delete(op: str, r: Registration) -> Step:
        target = old.get(r.deleted_with) if r.deleted_with else None
        if r.protect and not unprotect:
            return Step(PROTECTED, r)
        if r.retain_on_delete:
            return Step(RETAIN, r)
        if target is not None and target.urn in deleting:
            return Step(DELETED_WITH, r, deleted_with=target)
        return Step(op, r)

    matched: set[str] = set()
    """State URNs that a resource of the program takes over through an alias."""
    superseded: set[str] = set()
    """State URNs of resources of another type replaced create-first: deleted at the end."""
    for r in _order(new):
        was = old.get(r.urn)
        if not r.custom:
            continue
        if was is None:
            was = next((old[a] for a in r.aliases if a in old), None)
            if was is None:
                steps.append(Step(CREATE, r))
                continue
            matched.add(was.urn)
        if was.type != r.type:  # another provider: the engine replaces the resource
            replaced.add(r.urn)
            (deleting if r.delete_before_replace else superseded).add(was.urn)
            steps.append(Step(REPLACE, r, was, [], [f"type {was.type} -> {r.type}"],
                              delete_first=r.delete_before_replace))
            continue
        changed = changed_paths(was.inputs, r.inputs, r.ignore_changes)
        kept = [p for p in changed_paths(was.inputs, r.inputs) if p not in changed and fixed(r, p)]
        if kept and not changed:
            steps.append(Step(IGNORED, r, was, kept))
        if r.ignore_changes:  # what the engine sends: ignored values from the state
            r = dataclasses.replace(r, inputs=sent_inputs(r.inputs, was.inputs, r.ignore_changes))
        if r.urn in recreate:
            steps.append(Step(REPLACE, r, was, changed, [f"{recreate[r.urn]}, deleted first"],
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
                recreate[dependent.urn] = r.name
                steps.append(delete(DELETE_REPLACED, dependent))
        steps.append(Step(REPLACE, r, was, changed, because, delete_first=first))
    removed = {urn for urn, r in old.items() if r.custom and urn not in new} - set(recreate) \
        - matched
    later = ({urn for urn in replaced if urn not in recreate} - deleting) | superseded
    deleting |= removed | later
    for r in reversed(_order(old)):
        if r.urn in removed:
            steps.append(delete(DELETE, r))
        elif r.urn in later:
            steps.append(delete(DELETE_REPLACED, r))
    return steps


def day2_plan(base: StackRun | None, head: StackRun | None, *, unprotect: bool = False,
              reserved: Iterable[tuple[str, str]] = ()) -> Plan:
    """The checked plan from ``base`` to ``head`` (None for either: nothing deployed, or
    ``pulumi destroy``). ``reserved`` are names a previous plan left soft-deleted."""
    from .rules import check, fixed_at_creation
    either = head or base
    stack = either.stack if either else "?"
    steps = plan_steps(base, head, unprotect=unprotect, fixed=fixed_at_creation)
    words = {urn: "{role} on {scope} for {principal}".format(**grant_words(run, r))
             for run in filter(None, (base, head)) for urn, r in run.resources.items()
             if r.type == ROLE_ASSIGNMENT}
    plan = Plan(stack=stack, destroy=head is None, steps=steps, words=words)
    check(plan, base, head, set(reserved))
    return plan


# --- sides, rendering and the command -------------------------------------------------------

NOTHING = "none"
"""The side of a plan where nothing is deployed yet."""

DESCRIBE = {
    CREATE: "create", UPDATE: "update", DELETE: "delete",
    PROTECTED: "delete refused: protected",
    RETAIN: "drop from state (kept in Azure: retainOnDelete)",
    DELETED_WITH: "no call: deleted with {with}", DELETE_REPLACED: "delete the replaced original",
}


def label(step: Step) -> str:
    """What the step does, in words."""
    if step.op == REPLACE:
        order = "delete first, then create" if step.delete_first else \
            "create first, delete the original at the end"
        return f"replace ({order}) because of {', '.join(step.replace_because)}"
    if step.op == UPDATE:
        return "update " + ", ".join(step.changed)
    if step.op == IGNORED:
        return "nothing sent (ignore_changes): " + ", ".join(step.changed)
    text = DESCRIBE[step.op]
    return text.format(**{"with": step.deleted_with.name}) if step.deleted_with else text


def symbol(step: Step) -> str:
    return "-+" if step.op == REPLACE and step.delete_first else SYMBOL[step.op]


def counts(plan: Plan) -> str:
    ops = [s.op for s in plan.steps]
    parts = [f"{ops.count(op)} {word}" for op, word in (
        (CREATE, "to create"), (UPDATE, "to update"), (REPLACE, "to replace"),
        (DELETE, "to delete"), (PROTECTED, "refused as protected"), (RETAIN, "to keep in Azure"),
        (DELETED_WITH, "deleted with another")) if ops.count(op)]
    verdicts = [f.verdict for _, f in plan.findings]
    found = [f"{verdicts.count(v)} {v}" for v in (REFUSED, LIES, DATA_LOSS, AT_RISK, NOTE)
             if verdicts.count(v)]
    return (", ".join(parts) or "no changes") + "; " + (", ".join(found) or "no findings")


def text(plan: Plan, title: str) -> str:
    """The plan for a terminal: every step in the engine's order, with what the rules found."""
    lines = [f"Day-2 plan of stack '{plan.stack}': {title}", counts(plan), *plan.notes, ""]
    for s in plan.steps:
        lines.append(f"{symbol(s):>2} {plan.shown(s.resource)}: {label(s)}")
        for f in s.findings:
            lines.append(f"     {f.verdict.upper()} [{f.rule}] {f.message}")
            lines.append(f"       source: {f.source}")
    verdict = ("FAILS: a step is refused, lies or loses data" if plan.failing
               else "clean: no step is refused, lies or loses data")
    return fit([*lines, "", verdict])


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


def markdown(plan: Plan, title: str) -> str:
    """The plan as a pull-request comment section."""
    verdict = "**fails**" if plan.failing else "clean"
    lines = [f"#### Day-2 plan of `{plan.stack}`: {title} ({verdict})", "", counts(plan), ""]
    if plan.notes:
        lines += [*(f"> {note}" for note in plan.notes), ""]
    if plan.steps:
        lines += ["| | resource | step | findings |", "|---|---|---|---|"]
        for s in plan.steps:
            found = "<br>".join(f"**{f.verdict}** ({f.rule}): {_cell(f.message)}"
                                for f in s.findings)
            lines.append(f"| `{symbol(s)}` | {_cell(plan.shown(s.resource))} | "
                         f"{_cell(label(s))} | {found} |")
    return "\n".join(lines) + "\n"


def as_json(plan: Plan) -> dict[str, Any]:
    return {"stack": plan.stack, "destroy": plan.destroy, "failing": plan.failing,
            "notes": plan.notes,
            "steps": [{"op": s.op, "type": s.resource.type, "name": s.resource.name,
                       "azureName": s.resource.azure_name, "changed": s.changed,
                       "replaceBecause": s.replace_because, "deleteFirst": s.delete_first,
                       "deletedWith": s.deleted_with.name if s.deleted_with else None,
                       "findings": [vars(f) for f in s.findings]} for s in plan.steps],
            "reserved": sorted(list(r) for r in plan.reserved)}


def load_side(project: Project, side: str, overrides: dict[str, Any] | None = None, *,
              base: bool = False, suffix: str = RANDOM_SUFFIX
              ) -> tuple[StackRun | None, str | None]:
    """The run a side names, and a note on how it was read.

    ``none``: nothing deployed. ``FILE.json``: a snapshot (``--save``) or an offline preview's JSON
    (``python -m offline STACK --json``); a base file that is missing, or a preview made before
    previews held snapshots, counts as nothing deployed. ``STACK`` or ``STACK+FILE.yaml``: the
    program run with the stack's config, the file's keys and ``overrides`` on top.
    """
    if side == NOTHING:
        return None, None
    if side.endswith(".json"):
        path = Path(side)
        if base and not path.exists():
            return None, f"{side} does not exist: planned as a stack with nothing deployed"
        data = json.loads(path.read_text())
        if "snapshot" in data:
            data = data["snapshot"]
        if "suffix" not in data:
            if base:
                return None, (f"{side} holds no snapshot (made before the day-2 plan existed): "
                              "planned as a stack with nothing deployed")
            raise ValueError(f"{side} holds no snapshot of a run")
        return StackRun.from_snapshot(data), None
    stack, _, extra = side.partition("+")
    values: dict[str, Any] = dict(read_yaml(Path(extra)) or {}) if extra else {}
    values.update(overrides or {})
    return project.run(stack, values, suffix), None


def _setting(text_: str) -> tuple[str, Any]:
    key, sep, value = text_.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text_!r} is not KEY=VALUE")
    try:
        return key, parse_yaml(value, f"--set {key}")
    except StackFileError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


RECREATED_SUFFIX = "r7m2q"
"""The name suffix a stack created again draws under the mocks (a real one draws anew too)."""


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(
        "python -m offline.plan",
        "Print the steps pulumi up (or pulumi destroy) would take from BASE to HEAD, "
                    "in the engine's order, each checked against what Azure and Pulumi do. A "
                    "side is a stack (dev), a stack with overrides (dev+changes.yaml), a saved "
                    "snapshot or offline preview JSON, or none.")
    parser.add_argument("base", help="what is deployed: STACK[+FILE.yaml], FILE.json or none")
    parser.add_argument("head", nargs="?", help="what the program will be (not with --destroy)")
    parser.add_argument("--set", dest="settings", metavar="KEY=VALUE", action="append",
                        type=_setting, default=[], help="a config value (YAML) for HEAD")
    parser.add_argument("--destroy", action="store_true", help="plan pulumi destroy of BASE")
    parser.add_argument("--refresh", action="store_true",
                        help="plan pulumi refresh of BASE first (what Azure's Read puts into the "
                             "state), then the up")
    parser.add_argument("--unprotect", action="store_true",
                        help="as after pulumi state unprotect --all on BASE")
    parser.add_argument("--recreate", action="store_true",
                        help="with --destroy: then plan creating the stack again")
    parser.add_argument("--json", metavar="FILE", help="also write the plan as JSON")
    parser.add_argument("--markdown", metavar="FILE", help="also write the plan as Markdown")
    parser.add_argument("--save", metavar="FILE", help="write HEAD's snapshot, a later BASE")
    add_arguments(parser)
    args = parser.parse_args(argv)
    project = from_arguments(args)
    if args.destroy == bool(args.head) or (args.recreate and not args.destroy):
        parser.error("give HEAD, or --destroy (and optionally --recreate) without it")
    try:
        base, note = load_side(project, args.base, base=True)
        if args.refresh and base is not None:
            from .rules import refreshed  # Azure's facts live with the rules
            base = refreshed(base)
            note = ((note + "; ") if note else "") + "after pulumi refresh of the base"
        if args.destroy:
            plans = [(day2_plan(base, None, unprotect=args.unprotect), "pulumi destroy")]
            if args.recreate:
                again, _ = load_side(project, args.base, suffix=RECREATED_SUFFIX)
                plans.append((day2_plan(None, again, reserved=plans[0][0].reserved),
                              "pulumi up again after the destroy"))
            head = None
        else:
            head, _ = load_side(project, args.head, dict(args.settings))
            plans = [(day2_plan(base, head, unprotect=args.unprotect),
                      f"pulumi up from {args.base} to {args.head}")]
    except (*INPUT_ERRORS, ValueError) as error:
        return refuse(error)
    for plan, _ in plans:
        if note:
            plan.notes.append(note)
    print("\n\n".join(text(plan, title) for plan, title in plans))
    if args.markdown:
        Path(args.markdown).write_text("\n".join(markdown(p, t) for p, t in plans))
    if args.json:
        Path(args.json).write_text(json.dumps([as_json(p) for p, _ in plans], indent=2) + "\n")
    if args.save and head is not None:
        Path(args.save).write_text(json.dumps(head.snapshot(), indent=1) + "\n")
    return exits.REFUSED if any(p.failing for p, _ in plans) else OK


if __name__ == "__main__":
    sys.exit(main())
