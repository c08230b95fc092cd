"""The longest chain of resources `pulumi up` must create one after another, and the floor under it.

Pulumi creates a resource as soon as everything it depends on exists, so the wall time of a first
`pulumi up` is the longest path through the dependency graph the program declares, weighted by how
long Azure takes to create each resource. The floor is the same path over only the edges Azure
itself imposes (a resource inside a group needs the group, a workspace needs its dependents and,
with a user-assigned identity, the roles on them, a deployment needs its endpoint and its
identity's roles, ...). Every edge the program declares must be one of those (the requirements in
the catalog, :mod:`components.catalog`, each with its reason); an edge that is not would lengthen
`pulumi up` for nothing. The creation times, with their sources, are in the catalog too.

Run ``python -m offline.critical_path dev`` to print the chain.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache

from components import catalog
from components.testing.runner import Registration, StackRun

from .columns import fit
from .exits import FINDING, OK, run_tool, tool_parser
from .project import add_arguments, from_arguments


def _short(type_: str) -> str:
    return type_.rsplit(":", 1)[1]


def seconds(r: Registration) -> int:
    """Typical seconds Azure takes to create ``r`` (the catalog's figure for its type)."""
    return catalog.get(r.type).creation(r.inputs).seconds


def why_required(dependent: Registration, dependency: Registration) -> str | None:
    """Why Azure needs ``dependency`` before ``dependent``, or None when it does not (the
    catalog's requirements)."""
    needed = catalog.find(dependency.type)
    if needed is not None and needed.required_by_all:
        return needed.required_by_all
    entry = catalog.find(dependent.type)
    return entry.requires_of(dependent.inputs).get(dependency.type) if entry else None


@dataclass(frozen=True)
class Edge:
    dependent: Registration
    dependency: Registration
    reason: str | None


def edges(run: StackRun) -> list[Edge]:
    """Every dependency the program declares between two resources Azure creates."""
    found = []
    for r in run.resources.values():
        if not r.custom:
            continue
        for urn in dict.fromkeys(r.dependencies):
            d = run.resources.get(urn)
            if d is not None and d.custom:
                found.append(Edge(r, d, why_required(r, d)))
    return found


def longest_path(run: StackRun, only_required: bool = False) -> tuple[int, list[Registration]]:
    """The chain of resources with the largest total creation time, and that time."""
    after: dict[str, list[Registration]] = {}
    for e in edges(run):
        if e.reason or not only_required:
            after.setdefault(e.dependent.urn, []).append(e.dependency)

    @cache
    def chain(urn: str) -> tuple[int, tuple[str, ...]]:
        best: tuple[int, tuple[str, ...]] = (0, ())
        for d in after.get(urn, []):
            best = max(best, chain(d.urn))
        return best[0] + seconds(run.resources[urn]), best[1] + (urn,)

    total, urns = max((chain(r.urn) for r in run.resources.values() if r.custom),
                      default=(0, ()))
    return total, [run.resources[u] for u in urns]


def report(run: StackRun) -> str:
    """The program's critical path beside the floor, and any edge Azure does not need."""
    total, path = longest_path(run)
    floor, floor_path = longest_path(run, only_required=True)
    lines = [f"Critical path of stack '{run.stack}' (typical seconds to create; sources in the "
             "catalog):"]
    lines += [f"  {seconds(r):>5}  {r.name}  ({_short(r.type)})" for r in path]
    same_chain = [r.urn for r in path] == [r.urn for r in floor_path]
    lines += [f"  {total:>5}  total, about {total / 60:.0f} minutes",
              f"Floor (only the edges Azure requires): {floor} s over {len(floor_path)} resources; "
              f"the program's chain is {'the same' if same_chain else 'different'}."]
    extra = [e for e in edges(run) if not e.reason]
    lines.append("Edges Azure does not require: " + (", ".join(
        f"{e.dependent.name} -> {e.dependency.name}" for e in extra) or "none"))
    return fit(lines)


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("python -m offline.critical_path", __doc__)
    parser.add_argument("stack", nargs="?", default="dev")
    add_arguments(parser)
    return run_tool(parser, argv, lambda args: _print(from_arguments(args).run(args.stack)))


def _print(run: StackRun) -> int:
    print(report(run))
    return FINDING if any(not e.reason for e in edges(run)) else OK


if __name__ == "__main__":
    sys.exit(main())
