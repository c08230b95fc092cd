"""The network picture: what is reachable from where, from the resources a run registers.

Three kinds of way in or out: the internet, to each resource whose public network access is on
(Azure's default where the program leaves it unset); a virtual network, through each private
endpoint to its target; and a workspace's managed network, out through each outbound rule (and
through the private endpoints Azure makes to the workspace's own storage, key vault and registry).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from components.endpoint import ONLINE_ENDPOINT
from components.network import PRIVATE_ENDPOINT as ENDPOINT
from components.testing.runner import Registration, StackRun
from components.workspace import ML_WORKSPACE as WORKSPACE

from .exposure import settings

INTERNET = "internet"
PUBLIC = ("public network", "public ingestion", "public query")
"""The settings (offline.exposure labels) that open a resource to the internet."""


class Path(NamedTuple):
    """One way from a place to a resource (or a destination outside the stack)."""

    source: str
    target: str
    how: str


def _rule_target(rule: dict[str, Any], words: Callable[[str], str]) -> str:
    destination = rule.get("destination")
    if isinstance(destination, str):
        return destination
    if isinstance(destination, dict) and destination.get("serviceResourceId"):
        return words(str(destination["serviceResourceId"]))
    if isinstance(destination, dict) and destination.get("serviceTag"):
        return f"service tag {destination['serviceTag']}"
    return "?"


def _closed_endpoints(run: StackRun, workspace_id: str) -> list[Registration]:
    """The online endpoints of a workspace that take no public traffic: their scoring requests
    come from a client's virtual network through the workspace's private endpoint
    (concept-secure-online-endpoint, "Secure inbound scoring requests")."""
    workspace = run.owner_of(workspace_id)
    name = workspace.inputs.get("workspaceName") if workspace else None
    return [e for e in run.of_type(ONLINE_ENDPOINT) if name and e.inputs.get("workspaceName")
            == name and (e.inputs.get("properties") or {}).get("publicNetworkAccess")
            == "Disabled"]


def paths(run: StackRun, describe: Callable[[Registration | None, str], str]) -> list[Path]:
    """Every way in or out of the stack's resources, in words."""
    def words(resource_id: str) -> str:
        return describe(run.owner_of(resource_id), resource_id)

    found: list[Path] = []
    for r in run.resources.values():
        shown = settings(r.type, r.inputs)
        for label in PUBLIC:
            if shown.get(label, "").lower().startswith("enabled"):
                found.append(Path(INTERNET, describe(r, r.id), f"{label}: {shown[label]}"))
        if r.type == ENDPOINT:
            subnet = str((r.inputs.get("subnet") or {}).get("id", ""))
            network = re.sub(r"/subnets/.*", "", subnet)
            place = words(network) if network else "virtual network"
            for connection in r.inputs.get("privateLinkServiceConnections") or []:
                groups = connection.get("groupIds") or []
                target = str(connection.get("privateLinkServiceId"))
                how = f"private endpoint {r.inputs.get('privateEndpointName')}"
                found.append(Path(place, words(target), f"{how} ({', '.join(groups)})"))
                if "amlworkspace" in groups:
                    found += [Path(place, describe(e, e.id), f"scoring through {how}")
                              for e in _closed_endpoints(run, target)]
        managed = r.inputs.get("managedNetwork") if r.type == WORKSPACE else None
        if isinstance(managed, dict) and managed.get("isolationMode", "Disabled") != "Disabled":
            source = f"managed network of {describe(r, r.id)}"
            found.append(Path(source, "the workspace's storage, key vault and registry",
                              "private endpoints Azure makes (required rules)"))
            if managed["isolationMode"] == "AllowInternetOutbound":
                found.append(Path(source, INTERNET, "AllowInternetOutbound"))
            for name, rule in sorted((managed.get("outboundRules") or {}).items()):
                found.append(Path(source, _rule_target(rule, words), f"{rule.get('type')} "
                                                                      f"rule {name}"))
    return sorted(found)


def mermaid(found: list[Path]) -> str:
    """The network picture as a Mermaid flowchart: places on the left, resources on the right."""
    def node(label: str) -> str:
        return "n_" + re.sub(r"[^A-Za-z0-9]", "_", label)

    places = sorted({p.source for p in found})
    targets = sorted({p.target for p in found} - set(places))
    lines = ["flowchart LR", "  subgraph places[From]"]
    lines += [f'    {node(p)}["{p}"]' for p in places]
    lines += ["  end", "  subgraph reached[To]"]
    lines += [f'    {node(t)}["{t}"]' for t in targets]
    lines += ["  end"]
    lines += [f'  {node(p.source)} -- "{p.how}" --> {node(p.target)}' for p in found]
    return "\n".join(lines)
