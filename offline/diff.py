"""Compare two offline previews (the JSON of ``python -m offline STACK --json FILE``).

``python -m offline.diff BASE.json HEAD.json [--markdown FILE]`` prints the resources added,
removed and changed (with each changed property), the grants added and removed, and the outputs
changed; ``--markdown`` also writes it for a pull-request comment, with the access picture and the
changed grants highlighted. Needs no Azure account, no Pulumi CLI and no secrets.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from .columns import fit
from .day2.inputs import flatten
from .diagram import Grant, grants_of, label_of, mermaid
from .exits import OK, refuse, tool_parser

ABSENT = "(absent)"


@dataclass
class ResourceChange:
    """A resource that appears, goes, or changes between two plans."""

    action: str
    """``add``, ``delete`` or ``change``."""
    type: str
    name: str
    azure_name: str | None
    properties: list[tuple[str, Any, Any]] = field(default_factory=list)
    """For a change: (property path, old value, new value)."""


@dataclass
class PlanDiff:
    """What changes from one plan of a stack to another."""

    stack: str
    resources: list[ResourceChange]
    grants_added: set[Grant]
    grants_removed: set[Grant]
    outputs: list[tuple[str, Any, Any]]

    @property
    def empty(self) -> bool:
        return not (self.resources or self.grants_added or self.grants_removed or self.outputs)

    def count(self, action: str) -> int:
        return sum(1 for r in self.resources if r.action == action)

    def summary(self) -> str:
        return (f"{self.count('add')} to add, {self.count('change')} to change, "
                f"{self.count('delete')} to delete; grants +{len(self.grants_added)} "
                f"-{len(self.grants_removed)}; {len(self.outputs)} outputs changed")


def changed(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(path, old, new) for every leaf that differs between two flattened mappings."""
    return [(path, old.get(path, ABSENT), new.get(path, ABSENT))
            for path in sorted(set(old) | set(new))
            if old.get(path, ABSENT) != new.get(path, ABSENT)]


ACCESS_OUTPUTS = ("grants",)
"""Outputs that list the grants: compared under ACCESS, by principal, role and scope in words."""


def by_name(value: Any) -> Any:
    """``value`` with each list of distinct names (e.g. an endpoint's deployments) keyed by the
    names instead of their positions, so that a name added in front changes one output, not every
    one after it."""
    if isinstance(value, dict):
        return {k: by_name(v) for k, v in value.items() if k not in ACCESS_OUTPUTS}
    if isinstance(value, list) and all(isinstance(v, str) for v in value) \
            and len(set(value)) == len(value):
        return {v: v for v in value}
    return value


def diff_plans(old: dict[str, Any], new: dict[str, Any]) -> PlanDiff:
    """The difference from plan ``old`` to plan ``new`` of the same stack."""
    before = {r["urn"]: r for r in old["resources"]}
    after = {r["urn"]: r for r in new["resources"]}
    resources = []
    for urn in sorted(set(before) | set(after), key=lambda u: (after.get(u) or before[u])["name"]):
        was, now = before.get(urn), after.get(urn)
        if was is None or now is None:
            r = now or was
            assert r is not None
            resources.append(ResourceChange("add" if was is None else "delete", r["type"],
                                            r["name"], r["azureName"]))
            continue
        properties = changed(flatten({"inputs": was["inputs"], "protect": was["protect"]}),
                             flatten({"inputs": now["inputs"], "protect": now["protect"]}))
        if properties:
            resources.append(ResourceChange("change", now["type"], now["name"], now["azureName"],
                                            [(p.removeprefix("inputs."), a, b)
                                             for p, a, b in properties]))
    return PlanDiff(stack=new["stack"], resources=resources,
                    grants_added=grants_of(new) - grants_of(old),
                    grants_removed=grants_of(old) - grants_of(new),
                    outputs=changed(flatten(by_name(old["outputs"])),
                                    flatten(by_name(new["outputs"]))))


SYMBOL = {"add": "+", "delete": "-", "change": "~"}


def text(d: PlanDiff) -> str:
    """The diff for a terminal."""
    if d.empty:
        return f"Offline diff of stack '{d.stack}': no changes."
    lines = [f"Offline diff of stack '{d.stack}': {d.summary()}"]
    if d.resources:
        lines += ["", "RESOURCES"]
        for r in d.resources:
            lines.append(f"  {SYMBOL[r.action]} {r.type} {r.name}"
                         + (f" ({r.azure_name})" if r.azure_name else ""))
            lines += [f"      {path}: {old!r} -> {new!r}" for path, old, new in r.properties]
    if d.grants_added or d.grants_removed:
        lines += ["", "ACCESS"]
        lines += [f"  {sign} {p}  {role}  {s}{label_of(by)}"
                  for sign, grants in (("+", d.grants_added), ("-", d.grants_removed))
                  for p, role, s, by in sorted(grants)]
    if d.outputs:
        lines += ["", "OUTPUTS"]
        lines += [f"  ~ {path}: {old!r} -> {new!r}" for path, old, new in d.outputs]
    return fit(lines)


def _cell(value: Any) -> str:
    return f"`{value}`".replace("|", "\\|")


def markdown(d: PlanDiff, new: dict[str, Any]) -> str:
    """The diff as a pull-request comment, with the access picture of the new plan."""
    lines = [f"### Offline preview diff: `{d.stack}`", ""]
    if d.empty:
        return "\n".join([*lines, "No changes to resources, access or outputs."])
    lines += [f"**{d.summary()}**", ""]
    if d.resources:
        lines += ["| | resource | Pulumi name | changes |", "|---|---|---|---|"]
        for r in d.resources:
            details = "<br>".join(f"{_cell(p)}: {_cell(a)} → {_cell(b)}"
                                  for p, a, b in r.properties)
            lines.append(f"| {SYMBOL[r.action]} | {_cell(r.type)} | {_cell(r.name)}"
                         f"{' (' + _cell(r.azure_name) + ')' if r.azure_name else ''}"
                         f" | {details} |")
        lines.append("")
    if d.grants_added or d.grants_removed:
        lines += ["#### Access changes", "", "| | principal | role | scope |", "|---|---|---|---|"]
        lines += [f"| {sign} | {p} | **{role}**{label_of(by)} | {s} |" for sign, grants in
                  (("+", d.grants_added), ("-", d.grants_removed))
                  for p, role, s, by in sorted(grants)]
        lines.append("")
    lines += ["#### Who can do what after this change", "", "```mermaid",
              mermaid(grants_of(new), d.grants_added, d.grants_removed), "```", ""]
    if d.outputs:
        lines += ["#### Outputs", "", "| output | before | after |", "|---|---|---|"]
        lines += [f"| {_cell(p)} | {_cell(a)} | {_cell(b)} |" for p, a, b in d.outputs]
    return "\n".join(lines)


def _preview(path: str) -> dict[str, Any]:
    """The offline preview JSON in ``path``."""
    with open(path) as file:
        try:
            preview: dict[str, Any] = json.load(file)
        except ValueError as error:
            raise ValueError(f"{path} is not JSON ({error})") from None
    return preview


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("python -m offline.diff",
                                     __doc__.split("\n\n")[0])
    parser.add_argument("base", help="plan JSON of the base revision (missing: an empty plan)")
    parser.add_argument("head", help="plan JSON of the new revision")
    parser.add_argument("--markdown", metavar="FILE", help="also write the diff as Markdown")
    args = parser.parse_args(argv)
    try:
        new = _preview(args.head)
        try:
            old = _preview(args.base)
        except FileNotFoundError:  # a base revision without the offline preview: all is new
            old = {"stack": new["stack"], "resources": [], "grants": [], "outputs": {}}
    except (FileNotFoundError, ValueError) as error:
        return refuse(error)
    d = diff_plans(old, new)
    print(text(d))
    if args.markdown:
        with open(args.markdown, "w") as file:
            file.write(markdown(d, new) + "\n")
    return OK


if __name__ == "__main__":
    sys.exit(main())
