"""The access picture: a Mermaid flowchart of identities -> roles -> resources, from a plan's
grants."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

STACK, AZURE = "stack", "Azure"
"""Who makes a grant: a role assignment of the stack, or Azure itself for a system-assigned
identity (a plan grant's ``grantedBy``)."""

Grant = tuple[str, str, str, str]
"""(principal, role, scope, granted by) in words, as in a plan's ``grants``."""

ADDED_STYLE = "stroke:#2da44e,stroke-width:3px"
REMOVED_STYLE = "stroke:#cf222e,stroke-width:3px,stroke-dasharray:5 5"


def _node_id(label: str, prefix: str) -> str:
    return prefix + re.sub(r"[^A-Za-z0-9]", "_", label)


def mermaid(grants: Iterable[Grant], added: Iterable[Grant] = (),
            removed: Iterable[Grant] = ()) -> str:
    """A flowchart with one edge per (principal, scope) pair, labelled with its roles.

    Edges with an ``added`` grant are drawn green, edges with only ``removed`` grants red and dashed
    (removed grants are drawn even though they are no longer in ``grants``).
    """
    added, removed = set(added), set(removed)
    edges: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for principal, role, scope, by in sorted(set(grants) | removed):
        g = (principal, role, scope, by)
        status = "added" if g in added else "removed" if g in removed else "kept"
        edges.setdefault((principal, scope), []).append((role + label_of(by), status))
    principals = sorted({p for p, _ in edges})
    scopes = sorted({s for _, s in edges})
    lines = ["flowchart LR", "  subgraph identities[Identities]"]
    lines += [f'    {_node_id(p, "p_")}["{p}"]' for p in principals]
    lines += ["  end", "  subgraph resources[Resources]"]
    lines += [f'    {_node_id(s, "r_")}["{s}"]' for s in scopes]
    lines += ["  end"]
    styles = []
    for index, ((principal, scope), roles) in enumerate(edges.items()):
        label = " + ".join(("+ " if status == "added" else "- " if status == "removed" else "")
                           + role for role, status in roles)
        lines.append(f'  {_node_id(principal, "p_")} -- "{label}" --> {_node_id(scope, "r_")}')
        statuses = {status for _, status in roles}
        if "added" in statuses:
            styles.append(f"  linkStyle {index} {ADDED_STYLE}")
        elif statuses == {"removed"}:
            styles.append(f"  linkStyle {index} {REMOVED_STYLE}")
    return "\n".join(lines + styles)


def label_of(by: str) -> str:
    """What a grant's role is followed by: nothing for the stack's, a mark for Azure's own."""
    return " (Azure's own)" if by == AZURE else ""


def grants_of(plan: dict[str, Any]) -> set[Grant]:
    """The grants of a plan as (principal, role, scope, granted by); a plan written before
    grants were labelled holds only the stack's."""
    return {(g["principal"], g["role"], g["scope"], g.get("grantedBy", STACK))
            for g in plan["grants"]}
