"""The offline preview of a stack run: resource tree, access matrix and outputs, as a plan
(JSON-able) and as text.

Values Azure computes are shown as ``(known after deploy)``, values read from the deployer's Azure
login as ``(from your Azure login)``, and the random name suffix as ``*****``, as a reviewer would
see them before the first ``pulumi up``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pulumi

from components.access import ROLE_ASSIGNMENT
from components.testing.mocks import AFTER_DEPLOY, RANDOM_SUFFIX, SUBSCRIPTION_ID
from components.testing.runner import StackRun

from .columns import WIDTH, fit, wrapped
from .deployer import story, text_lines
from .diagram import AZURE, STACK, grants_of, label_of, mermaid
from .exposure import settings
from .network_view import Path as NetworkPath
from .network_view import mermaid as network_mermaid
from .network_view import paths as network_paths
from .policy_check import Violation, check, policy_names
from .words import SUFFIX_MASK, azure_grant_words, describe, grant_words


def shown(value: Any, invented: dict[str, str]) -> Any:
    """``value`` as a preview shows it before the first deploy."""
    if isinstance(value, dict):
        return {k: shown(v, invented) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v, invented) for v in value]
    if isinstance(value, pulumi.FileAsset):  # what will be uploaded, by content
        path = Path(value.path)
        return {"file": value.path, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    if not isinstance(value, str):
        return value
    if value in invented:
        return f"({invented[value]})"
    if SUBSCRIPTION_ID in value:  # a resource id
        return f"({AFTER_DEPLOY})"
    return value.replace(RANDOM_SUFFIX, SUFFIX_MASK)


def short_type(type_: str) -> str:
    parts = type_.split(":")
    return (f"{parts[0]}:{parts[-1]}" if parts[0] == "random"
            else type_.removeprefix("azure-native:"))


def access_matrix(run: StackRun) -> list[dict[str, str]]:
    """Every role a principal of the stack holds, in words: the stack's role assignments and the
    roles Azure grants system-assigned identities itself."""
    rows = [grant_words(run, assignment) for assignment in run.of_type(ROLE_ASSIGNMENT)]
    rows += [azure_grant_words(run, g) for g in run.outputs.get("grants", [])
             if g.get("grantedBy") == AZURE]
    return sorted(rows, key=lambda row: (row["principal"], row["scope"], row["role"]))


def plan(run: StackRun, pack_dir: Path) -> dict[str, Any]:
    """The machine-readable offline preview of ``run``, with the verdict of the policy pack in
    ``pack_dir``."""
    names = {urn: r.name for urn, r in run.resources.items()}
    resources = []
    for r in run.resources.values():
        azure_name = r.azure_name
        if r.type == ROLE_ASSIGNMENT:
            azure_name = f"({AFTER_DEPLOY})"
        resources.append({
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "azureName": shown(azure_name, run.invented) if azure_name else None,
            "parent": r.parent if r.parent in run.resources else None,
            "protect": r.protect,
            "waitsFor": sorted(names[d] for d in r.dependencies
                               if run.resources[d].type == ROLE_ASSIGNMENT),
            "waitsForGrants": sorted(
                "{role} on {scope} ({principal})".format(**grant_words(run, run.resources[d]))
                for d in r.dependencies if run.resources[d].type == ROLE_ASSIGNMENT),
            "inputs": shown(r.inputs, run.invented),
            "settings": settings(r.type, r.inputs),
        })
    violations: list[Violation] = check(run, pack_dir)
    return {"project": run.project, "stack": run.stack, "resources": resources,
            "grants": access_matrix(run), "deployer": story(run),
            "network": [p._asdict() for p in network_paths(run, describe)],
            "outputs": shown(run.outputs, run.invented),
            "policies": policy_names(pack_dir),
            "policyViolations": [vars(v) for v in violations]}


def _tree(resources: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    children: dict[Any, list[dict[str, Any]]] = {}
    for r in resources:
        children.setdefault(r["parent"], []).append(r)
    ordered: list[tuple[int, dict[str, Any]]] = []

    def walk(parent: Any, depth: int) -> None:  # registration order varies: sort for stable output
        for r in sorted(children.get(parent, []),
                        key=lambda r: (r["type"] == ROLE_ASSIGNMENT, r["name"], r["type"])):
            ordered.append((depth, r))
            walk(r["urn"], depth + 1)
    walk(None, 0)
    return ordered


def _value_lines(value: Any, depth: int) -> list[str]:
    pad = "  " * depth
    if isinstance(value, dict):
        return [line for k, v in value.items() for line in
                ([f"{pad}{k}: {v}"] if not isinstance(v, (dict, list)) or not v
                 else [f"{pad}{k}:", *_value_lines(v, depth + 1)])]
    if isinstance(value, list):
        return [line for v in value for line in
                ([f"{pad}- {v}"] if not isinstance(v, dict)
                 else [f"{pad}- " + ", ".join(f"{k}: {x}" for k, x in v.items())])]
    return [f"{pad}{value}"]


def _resource_lines(depth: int, r: dict[str, Any]) -> list[str]:
    """A resource: type and Pulumi name, then its Azure name, flags and settings, each line within
    WIDTH columns."""
    pad = 2 + 2 * depth
    head = f"{' ' * pad}{short_type(r['type'])}  {r['name']}"
    azure_name = r["azureName"] if r["type"] != ROLE_ASSIGNMENT else None
    if azure_name and len(f"{head} -> {azure_name}") <= WIDTH:
        head, azure_name = f"{head} -> {azure_name}", None
    lines = wrapped(head.strip(), pad)
    facts = [f"Azure name {azure_name}" if azure_name else "", "protected" if r["protect"] else "",
             f"waits for {len(r['waitsFor'])} role assignments" if r["waitsFor"] else ""]
    details = [x for x in facts if x] + [f"{k}: {v}" for k, v in r.get("settings", {}).items()]
    if details:
        lines += wrapped("; ".join(details), pad + 4)
    return lines


def _access_lines(grants: list[dict[str, str]]) -> list[str]:
    """The grants by principal: each role on its scope."""
    width = max((len(g["role"]) for g in grants), default=0)
    lines: list[str] = []
    for i, g in enumerate(grants):
        if i == 0 or g["principal"] != grants[i - 1]["principal"]:
            lines.append(f"  {g['principal']}")
        source = g.get("source", "").split(":")[0]  # the document, without its words
        lines.append(f"    {g['role']:<{width}}  {g['scope']}{label_of(g.get('grantedBy', STACK))}"
                     + (f" [{source}]" if source else ""))
    return lines


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def text(p: dict[str, Any]) -> str:
    """The offline preview as text for a terminal, within WIDTH columns."""
    grants = p["grants"]
    own = [g for g in grants if g.get("grantedBy") == AZURE]
    lines = [
        *wrapped(f"Offline preview of stack '{p['stack']}' (project {p['project']}): "
                  f"{len(p['resources'])} resources, "
                  f"{_count(len(grants) - len(own), 'role assignment')}.",
                  0),
        *([f"Azure grants the system-assigned identities {len(own)} more roles itself "
           "(Azure's own, under ACCESS)."] if own else []),
        "Nothing was deployed: the real program ran with the stack's config under Pulumi mocks.",
        f"(known after deploy) = computed by Azure; {SUFFIX_MASK} = random name suffix drawn on "
        "the first deploy.",
        "",
        "RESOURCES  (type, Pulumi name -> Azure name; what it costs and who can reach it)",
    ]
    for depth, r in _tree(p["resources"]):
        lines += _resource_lines(depth, r)
    lines += ["", "STARTS AFTER  (the role assignments each workload needs before it starts)"]
    for _, r in _tree(p["resources"]):
        if r["waitsForGrants"]:
            lines += [f"  {r['name']} ({short_type(r['type'])}):"]
            lines += [f"    {grant}" for grant in r["waitsForGrants"]]
    lines += ["", "ACCESS  (each principal: its roles, each on its scope [the document that says "
                  "it needs it])", *_access_lines(grants)]
    if own:
        lines += wrapped("(Azure's own) = Azure assigns the role to the system-assigned identity "
                          "itself; the stack makes no assignment for it and cannot remove it.", 2)
    outputs = {**p["outputs"], "grants": f"{len(grants)} grants, as under ACCESS"}
    lines += ["", "NETWORK  (from where each resource is reached)"]
    lines += [f"  {n['source']} -> {n['target']}: {n['how']}" for n in p.get("network", [])]
    lines += ["", "DEPLOYER NEEDS  (what the identity that runs pulumi up must hold, and what the "
                  "stack grants it)", *text_lines(p["deployer"])]
    lines += ["", "OUTPUTS", *_value_lines(outputs, 1)]
    violations = p["policyViolations"]
    lines += ["", f"POLICY  (the pack's config from the stack's settings): "
                  f"{len(p['policies'])} mandatory policies, {len(violations)} violations"]
    lines += [f"  {v['policy']}: {v['resource']}: {v['message']}" for v in violations]
    return fit(lines)


def markdown(p: dict[str, Any]) -> str:
    """The offline preview as Markdown: counts, the access picture and table, resources with what
    they cost and open, policy."""
    violations = p["policyViolations"]
    own = sum(1 for g in p["grants"] if g.get("grantedBy") == AZURE)
    lines = [f"### Offline preview: `{p['stack']}`", "",
             f"{len(p['resources'])} resources, {len(p['grants']) - own} role assignments, "
             f"{own} roles Azure grants itself, {len(p['policies'])} policies, "
             f"{len(violations)} violations.", "",
             "```mermaid", mermaid(grants_of(p)), "```", "",
             "Network (from where each resource is reached):", "",
             "```mermaid", network_mermaid([NetworkPath(**n) for n in p.get("network", [])]),
             "```", "",
             "| principal | role | scope | source |", "|---|---|---|---|"]
    lines += [f"| {g['principal']} | {g['role']}{label_of(g.get('grantedBy', STACK))} | "
              f"{g['scope']} | {g.get('source', '')} |" for g in p["grants"]]
    lines += ["", "| resource | Pulumi name | Azure name | costs and access |", "|---|---|---|---|"]
    lines += [f"| `{r['type']}` | `{r['name']}` | {r['azureName'] or ''} | "
              + "; ".join(f"{k}: {v}" for k, v in r.get("settings", {}).items()) + " |"
              for _, r in _tree(p["resources"])]
    lines += [""] + [f"- **{v['policy']}** {v['resource']}: {v['message']}" for v in violations]
    return "\n".join(lines).rstrip() + "\n"
