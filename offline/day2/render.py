"""A day-2 plan for a reader: text for a terminal (within 100 columns), Markdown for a pull
request comment, JSON for other tools."""

from __future__ import annotations

from typing import Any

from components.catalog import AT_RISK, LIES, REFUSED

from ..columns import fit
from .model import (
    CREATE,
    DATA_LOSS,
    DELETE,
    DELETE_REPLACED,
    DELETED_WITH,
    IGNORED,
    NOTE,
    PROTECTED,
    REPLACE,
    RETAIN,
    UPDATE,
    Plan,
    Step,
)

SYMBOL = {CREATE: "+", UPDATE: "~", REPLACE: "+-", DELETE: "-", PROTECTED: "!", RETAIN: "=",
          DELETED_WITH: ".", DELETE_REPLACED: "-", IGNORED: "="}
"""The mark of each kind of step in the first column."""

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
