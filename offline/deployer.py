"""What the identity running ``pulumi up`` needs, told once: before the first ``up``, what the
stack grants it itself, and what waits for that grant.

Derived from a run of the stack (what it creates and assigns), so the preview's DEPLOYER NEEDS,
the JSON preview (``deployer``), the docs' table and the ``az`` commands that set up a CI
identity (``python -m offline.deployer STACK --assignee OBJECT_ID``) are one story:

- **before**: Contributor where the resources go; Role Based Access Control Administrator there,
  limited by a condition to the roles the stack assigns (Azure's "Delegate Azure role assignment
  management to others with conditions": a role assignment write or delete is allowed only for
  those role definitions); the same on each resource group outside the stack that holds a scope
  the stack grants on; on each private endpoint target outside the stack that the workspace's
  managed network reaches, the permission to approve the connection ("the user identity that
  initiates the creation of the private endpoint, must have permissions to approve",
  how-to-managed-network); Reader where an existing registry is looked up.
- **granted by the stack**: Storage Blob Data Contributor on the ``ml-assets`` container, the
  only data role uploads need; nobody can hold it before the ``up`` that creates the container.
- **waits**: each upload waits for that grant (and retries while it takes effect).
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from typing import Any

from components.access import ROLE_ASSIGNMENT
from components.azure.resource_ids import resource_group_id
from components.azure.roles import ROLE_BY_GUID
from components.kubernetes import EXTENSION, INSTANCE_TYPE, MANAGED_CLUSTER
from components.testing.mocks import SUBSCRIPTION_ID
from components.testing.runner import StackRun
from components.workspace import ML_WORKSPACE as WORKSPACE
from stack.config.stack import RESOURCE_GROUP as GROUP_TYPE

from .columns import fit
from .exits import OK, run_tool, tool_parser
from .project import add_arguments, from_arguments
from .words import grant_words

RBAC_ADMINISTRATOR = "Role Based Access Control Administrator"
APPROVER = "Azure AI Enterprise Network Connection Approver"
SUBSCRIPTION = "/subscriptions/$SUBSCRIPTION_ID"
"""The deployment subscription, as the commands name it (a shell variable)."""
_GROUP = re.compile(r"(?i)^/subscriptions/[^/]+/resourceGroups/([^/]+)$")


def deployer_id(run: StackRun) -> str:
    """The object id of the identity that ran the program (the stack's ``deployer`` output)."""
    return str((run.outputs.get("deployer") or {}).get("objectId", ""))


def condition(guids: list[str]) -> str:
    """The ABAC condition that lets a Role Based Access Control Administrator write and delete
    role assignments of ``guids`` only (Azure "Examples to delegate Azure role assignment
    management with conditions", Constrain roles)."""
    roles = ", ".join(sorted(guids))
    return ("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
            f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
            f"ForAnyOfAnyValues:GuidEquals {{{roles}}})) AND "
            "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
            f"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
            f"ForAnyOfAnyValues:GuidEquals {{{roles}}}))")


def _need(role: str, scope: str, scope_id: str, why: str, **extra: Any) -> dict[str, Any]:
    return {"role": role, "scope": scope, "scopeId": scope_id, "why": why, **extra}


def _outside_targets(run: StackRun) -> list[str]:
    """Private endpoint targets of the workspace's managed network that the stack does not
    create."""
    targets: set[str] = set()
    for ws in run.of_type(WORKSPACE):
        rules = ((ws.inputs.get("managedNetwork") or {}).get("outboundRules") or {}).values()
        targets |= {str(rule["destination"]["serviceResourceId"]) for rule in rules
                    if rule.get("type") == "PrivateEndpoint"
                    and run.owner_of(rule["destination"]["serviceResourceId"]) is None}
    return sorted(targets)


def _group_of_resources(run: StackRun) -> str:
    """The resource group a project that exports none (samples/registry) puts its resources in."""
    return next((str(r.inputs["resourceGroupName"]) for r in run.resources.values()
                 if r.custom and isinstance(r.inputs.get("resourceGroupName"), str)), "")


def before(run: StackRun) -> list[dict[str, Any]]:
    """What the deployer must hold before the first ``pulumi up`` of ``run``'s stack."""
    created_group = bool(run.of_type(GROUP_TYPE))
    group = str(run.outputs.get("resourceGroupName") or _group_of_resources(run))
    home = (SUBSCRIPTION, f"the subscription (the stack creates resource group {group})") \
        if created_group else (f"{SUBSCRIPTION}/resourceGroups/{group}", f"resource group {group}")
    assignments = run.of_type(ROLE_ASSIGNMENT)
    guids = sorted({a.inputs["roleDefinitionId"].rsplit("/", 1)[1] for a in assignments})
    roles = ", ".join(sorted(ROLE_BY_GUID[g] for g in guids))
    needs = [_need("Contributor", home[1], home[0],
                   "creates and updates the resources (secrets go through ARM templates: no Key "
                   "Vault data role)")]
    if not assignments:
        return needs
    outside = {resource_group_id(a.inputs["scope"]) for a in assignments}
    scopes = [home] + [(g, f"resource group {_GROUP.match(g)[1]} (outside the stack)")  # type: ignore[index]
                       for g in sorted(outside) if _GROUP.match(g) and run.owner_of(g) is None
                       and _GROUP.match(g)[1] != group]  # type: ignore[index]
    needs += [_need(RBAC_ADMINISTRATOR, words, scope_id,
                    f"creates the stack's role assignments, limited by a condition to the roles "
                    f"it assigns: {roles}", condition=condition(guids))
              for scope_id, words in scopes]
    needs += [_need(APPROVER, f"{target.rsplit('/', 2)[-2]} {target.rsplit('/', 1)[1]} (outside "
                    "the stack)", target,
                    "approves the private endpoint the managed network makes to it (the "
                    "identity that starts the creation must be able to approve it, "
                    "how-to-managed-network)")
              for target in _outside_targets(run)]
    home_subscription = SUBSCRIPTION_ID.lower()
    registries = sorted({a.inputs["scope"] for a in assignments
                         if "/providers/microsoft.containerregistry/registries/"
                         in a.inputs["scope"].lower() and run.owner_of(a.inputs["scope"]) is None
                         and home_subscription not in a.inputs["scope"].lower()})
    needs += [_need("Reader", f"registry {r.rsplit('/', 1)[1]} (another subscription)", r,
                    "reads the registry's login server there") for r in registries]
    needs += _kubernetes_needs(run)
    return needs


def _kubernetes_needs(run: StackRun) -> list[dict[str, Any]]:
    """What a Kubernetes compute on a cluster outside the stack asks of the deployer: reading the
    cluster and installing the extension, and for instance types its admin credentials."""
    created = {r.azure_name for r in run.of_type(MANAGED_CLUSTER)}
    needs = []
    for extension in run.of_type(EXTENSION):
        name = str(extension.inputs.get("clusterName"))
        if name in created:  # in a group the deployer holds Contributor on
            continue
        cluster = (f"{SUBSCRIPTION}/resourceGroups/{extension.inputs.get('resourceGroupName')}/"
                   f"providers/Microsoft.ContainerService/managedClusters/{name}")
        words = f"kubernetes cluster {name} (outside the stack)"
        needs += [_need(role, words, cluster, why) for role, why in (
            ("Reader", "reads the cluster's region"),
            ("Kubernetes Extension Contributor", "installs the Azure ML extension on it"))]
        if any(t.parent == extension.parent for t in run.of_type(INSTANCE_TYPE)):
            needs.append(_need("Azure Kubernetes Service Cluster Admin Role", words, cluster,
                               "reads its admin credentials to put the instance types"))
    return needs


def notes(run: StackRun) -> list[str]:
    """What the deployer needs that is no role: a network path to a cluster's API server where the
    stack puts instance types (pulumi-kubernetes fails Create, Update and Read on a cluster it
    cannot reach: provider.go)."""
    clusters = sorted({str(e.inputs.get("clusterName")) for e in run.of_type(EXTENSION)
                       if any(t.parent == e.parent for t in run.of_type(INSTANCE_TYPE))})
    return [f"a network path to the API server of kubernetes cluster {name}: instance types go "
            "through it on every preview, up and refresh, also from the pull-request preview; a "
            "private cluster or authorized IP ranges keep hosted CI runners out (run inside the "
            "network, or instanceTypes: [])" for name in clusters]


def granted(run: StackRun) -> list[dict[str, str]]:
    """The roles the stack grants the deployer itself."""
    me = deployer_id(run)
    return [{k: v for k, v in grant_words(run, a).items() if k in ("role", "scope", "source")}
            for a in run.of_type(ROLE_ASSIGNMENT) if a.inputs.get("principalId") == me]


def waits(run: StackRun) -> list[str]:
    """Pulumi names of what waits for a role the stack grants the deployer."""
    me = deployer_id(run)
    mine = {urn for urn, r in run.resources.items()
            if r.type == ROLE_ASSIGNMENT and r.inputs.get("principalId") == me}
    return sorted(r.name for r in run.resources.values() if mine & set(r.dependencies))


def story(run: StackRun) -> dict[str, Any]:
    """The deployer's story of ``run`` as JSON-able data."""
    deployer = run.outputs.get("deployer") or {}
    return {"principalType": deployer.get("principalType"), "before": before(run),
            "notes": notes(run), "grantedByStack": granted(run), "waits": waits(run)}


def text_lines(s: dict[str, Any]) -> list[str]:
    """The story for the preview's DEPLOYER NEEDS section (not yet wrapped)."""
    lines = ["  Before the first pulumi up, the identity running it holds:"]
    lines += [f"    {n['role']} on {n['scope']}: {n['why']}" for n in s["before"]]
    lines += [f"    and {note}" for note in s["notes"]]
    if s["grantedByStack"]:
        lines += ["  The stack grants it itself (nobody can hold these before the up that "
                  "creates their scope):"]
        lines += [f"    {g['role']} on {g['scope']}" for g in s["grantedByStack"]]
        lines += [f"  Waiting for that grant (retried while it takes effect): "
                  f"{len(s['waits'])} uploads"]
    return lines


def markdown(s: dict[str, Any]) -> str:
    """The story as the docs' table (docs/guides/deploying.md)."""
    rows = ["| when | role | scope | why |", "|---|---|---|---|"]
    rows += [f"| before the first `up` | {n['role']} | {n['scope']} | {n['why']} |"
             for n in s["before"]]
    rows += [f"| every preview and `up` | (no role) | | {note} |" for note in s["notes"]]
    rows += [f"| granted by the stack | {g['role']} | {g['scope']} | uploads models, code and "
             f"data with Entra ID; {len(s['waits'])} uploads wait for it |"
             for g in s["grantedByStack"]]
    return "\n".join(rows) + "\n"


def commands(s: dict[str, Any], assignee: str, principal_type: str) -> list[str]:
    """The ``az`` commands that give ``assignee`` what the story says it needs before the first
    ``up`` (SUBSCRIPTION_ID from the shell)."""
    found = []
    for n in s["before"]:
        scope = n["scopeId"].replace(SUBSCRIPTION, "/subscriptions/${SUBSCRIPTION_ID}")
        command = (f"az role assignment create --assignee-object-id {shlex.quote(assignee)} "
                   f"--assignee-principal-type {principal_type} --role {shlex.quote(n['role'])} "
                   f"--scope \"{scope}\"")
        if "condition" in n:
            command += f" --condition-version 2.0 --condition {shlex.quote(n['condition'])}"
        found.append(command)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(
        "python -m offline.deployer",
        "Print what the identity running pulumi up for STACK must hold before the first up, "
        "what the stack grants it itself, and what waits for that grant; with --assignee, the "
        "az commands that grant an identity (e.g. CI's) what it must hold. Needs no Azure "
        "account.")
    parser.add_argument("stack", help="stack name, e.g. dev or prod")
    parser.add_argument("--assignee", metavar="OBJECT_ID",
                        help="print az role assignment commands for this object id")
    parser.add_argument("--principal-type", choices=("ServicePrincipal", "User", "Group"),
                        default="ServicePrincipal", help="the assignee's type (default: "
                        "ServicePrincipal, a CI identity)")
    parser.add_argument("--markdown", action="store_true", help="print the docs' table")
    add_arguments(parser)

    def body(args: argparse.Namespace) -> int:
        s = story(from_arguments(args).run(args.stack))
        if args.assignee:
            print(f"# What {args.assignee} needs before the first pulumi up of {args.stack}; "
                  "set SUBSCRIPTION_ID first.")
            print("\n".join(commands(s, args.assignee, args.principal_type)))
        elif args.markdown:
            print(markdown(s), end="")
        else:
            print(fit(text_lines(s)))
        return OK

    return run_tool(parser, argv, body)


if __name__ == "__main__":
    sys.exit(main())

