"""What Azure and Pulumi do with each step of a day-2 plan: the rules, each with its source.

A rule looks at one step and at what exists in Azure when it runs (as the plan's steps so far
left it: :class:`~offline.day2.azure.Azure`) and says that Azure or Pulumi refuses the step, that
Azure ignores it (the state would lie), that data is lost, or that the step is at risk.
:data:`RULES` lists them; the facts about each type they read (what Azure fixes at creation, what
it holds) are in the catalog (:mod:`components.catalog`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from components import catalog
from components.access import ROLE_ASSIGNMENT as ASSIGNMENT
from components.azure.roles import BUILT_IN_ROLES
from components.batch_endpoint import BATCH_DEPLOYMENT
from components.blob_upload import KEY_BLOB
from components.catalog import AT_RISK, LIES, REFUSED
from components.compute import COMPUTE
from components.endpoint import ONLINE_DEPLOYMENT as DEPLOYMENT
from components.endpoint import ONLINE_ENDPOINT as ENDPOINT
from components.propagation import ROLE_PROPAGATION_HOOK
from components.secrets import SECRET
from components.secrets import TEMPLATE_DEPLOYMENT as TEMPLATE
from components.testing.mocks import DEPLOYER_OBJECT_ID
from components.testing.runner import Registration
from components.workspace import KEY_VAULT as VAULT
from components.workspace import STORAGE_ACCOUNT
from stack.config.stack import RESOURCE_GROUP as GROUP

from .azure import REFRESH_SOURCE, Azure, endpoint_key, resolve
from .inputs import matches, value_at
from .model import (
    CREATE,
    DATA_LOSS,
    DELETE,
    DELETE_REPLACED,
    IGNORED,
    NOTE,
    PROTECTED,
    REPLACE,
    UPDATE,
    Finding,
    Plan,
    Step,
)

# --- facts about properties -----------------------------------------------------------------

def _fixed(r: Registration) -> tuple[catalog.Fixed, ...]:
    """What Azure fixes at the creation of ``r`` (none for a type not in the catalog)."""
    entry = catalog.find(r.type)
    return entry.fixed_of(r.inputs) if entry else ()


def _covers(fact: catalog.Fixed, path: str) -> bool:
    return matches(path, fact.path) and not any(matches(path, u) for u in fact.unless)


def fixed_at_creation(r: Registration, path: str) -> bool:
    """Whether Azure takes input ``path`` of ``r`` at creation only (a fixed property of its type
    in the catalog, and not a path under it that the fact leaves out)."""
    return any(_covers(fact, path) for fact in _fixed(r))


def _stateful(type_: str) -> bool:
    entry = catalog.find(type_)
    return entry is not None and entry.stateful


# --- the rules --------------------------------------------------------------------------------

_SEVERITY = [NOTE, AT_RISK, LIES, DATA_LOSS, REFUSED]
"""Verdicts, mildest first."""


@dataclass(frozen=True)
class Rule:
    """One thing Azure or Pulumi does with a kind of step, and where that is documented."""

    name: str
    verdict: str
    summary: str
    source: str
    check: Callable[[Step, Azure, Context], str | None]
    """The finding's message for a step, or None when the rule has nothing to say."""
    verdicts: Callable[[Step], set[str]] | None = None
    """The verdicts of the finding on a step, where they depend on the step (default:
    :attr:`verdict`); the finding takes the gravest."""

    def find(self, step: Step, azure: Azure, ctx: Context) -> Finding | None:
        """What the rule finds on ``step``, run in ``azure`` as it is before the step."""
        message = self.check(step, azure, ctx)
        if not message:
            return None
        verdicts = self.verdicts(step) if self.verdicts else {self.verdict}
        return Finding(self.name, max(verdicts, key=_SEVERITY.index), message, self.source)


@dataclass
class Context:
    """What a rule may look at besides the step and Azure: the whole plan, and what it does."""

    plan: Plan
    fresh_grants: set[str]
    """URNs of role assignments this plan creates or replaces."""
    reserved: set[tuple[str, str]]
    """(type, Azure name) of names a previous plan left soft-deleted."""
    deleting: set[str]
    """URNs of the resources this plan deletes in Azure (not retained, not refused)."""


def _key_based_delete(step: Step, azure: Azure, ctx: Context) -> str | None:
    blob = step.old if step.op == REPLACE and step.delete_first else step.resource
    if blob is None or blob.type != KEY_BLOB or step.op not in (REPLACE, DELETE, DELETE_REPLACED):
        return None
    account = next((r for r in azure.resources.values()
                    if r.type == STORAGE_ACCOUNT
                    and r.inputs.get("accountName") == blob.inputs.get("accountName")), None)
    if account is None or account.inputs.get("allowSharedKeyAccess") is not False:
        return None
    return (f"azure-native deletes blob {blob.inputs.get('blobName')} with the key of "
            f"{blob.inputs.get('accountName')}, which this plan has already turned off "
            "(403 KeyBasedAuthenticationNotPermitted): move the uploads first with "
            "workspaceStorageKeyAccess: true, then turn the keys off in a second pulumi up")


def _protected(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.op == PROTECTED:
        return "Pulumi refuses to delete a protected resource; the operation fails at preview"
    if step.op == REPLACE and step.old is not None and step.old.protect and step.resource.protect:
        return "Pulumi refuses to replace a protected resource"
    return None


def _name_taken(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.op == REPLACE and not step.delete_first and step.old and \
            step.old.id.lower() == step.resource.id.lower():
        return ("the replacement is created before the original is deleted, under the same "
                "Azure name: \"cannot create already existing resource\" (set "
                "delete_before_replace, or let the name change)")
    return None


def _stateful_replaced(step: Step, azure: Azure, ctx: Context) -> str | None:
    if _stateful(step.resource.type) and (
            step.op == REPLACE or (step.op == DELETE_REPLACED and not ctx.plan.destroy)):
        because = ", ".join(step.replace_because) or "a dependency is replaced"
        return f"replacing it deletes what it holds (replaced because of {because})"
    return None


def _kept_parents(step: Step, azure: Azure, ctx: Context) -> list[str]:
    """The data resources that ``step`` deletes data from while they stay (retained or kept)."""
    if step.op != DELETE or not _stateful(step.resource.type):
        return []
    return [azure.resources[d].name for d in step.resource.dependencies
            if d in azure.resources and _stateful(azure.resources[d].type)
            and d not in ctx.deleting]


def _data_kept_deleted(step: Step, azure: Azure, ctx: Context) -> str | None:
    kept = _kept_parents(step, azure, ctx)
    return (f"deletes the data it holds while the stack keeps {', '.join(kept)}, which it "
            "belongs to") if kept else None


def _data_deleted(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.op == DELETE and _stateful(step.resource.type) and not ctx.plan.destroy \
            and not _kept_parents(step, azure, ctx):
        return "deletes the data it holds"
    return None


def _group_cascade(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.resource.type != GROUP or step.op != DELETE:
        return None
    name = str(step.resource.inputs.get("resourceGroupName"))
    left = [r for r in azure.in_group(name) if r.urn != step.resource.urn]
    lost = [r for r in left if _stateful(r.type)]
    if lost:
        return ("deleting the resource group deletes what Pulumi keeps in Azure with it: "
                + ", ".join(sorted(r.name for r in lost)))
    return None


def _traffic_on_delete(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.resource.type != DEPLOYMENT or step.op not in (DELETE, DELETE_REPLACED):
        return None
    share = azure.traffic.get(endpoint_key(step.resource), {}).get(
        str(step.resource.inputs.get("deploymentName")), 0)
    if share:
        return (f"the deployment still has {share}% of the endpoint's traffic when it is "
                "deleted: \"You can't delete a deployment that has live traffic allocated to it\"")
    return None


def _batch_default_on_delete(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.resource.type != BATCH_DEPLOYMENT or step.op not in (DELETE, DELETE_REPLACED):
        return None
    name = str(step.resource.inputs.get("deploymentName"))
    if azure.traffic.get(endpoint_key(step.resource), {}).get(name):
        return (f"deployment {name} is still the batch endpoint's default when it is deleted: "
                "an invocation that names no deployment would find none (make another "
                "deployment the default first; Azure's answer is not documented)")
    return None


def _endpoint_put(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.resource.type != ENDPOINT or step.op != UPDATE:
        return None
    sent = (step.resource.inputs.get("properties") or {}).get("traffic")
    if not sent:
        return ("the update PUTs the endpoint without traffic: Azure routes nothing until the "
                "next write of its traffic")
    return ("the update PUTs the traffic this resource last sent (or read back on a refresh), "
            "not the traffic Azure routes now")


def _data_plane_delete(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.resource.type != SECRET or step.op not in (DELETE, DELETE_REPLACED):
        return None
    vault = str(step.resource.inputs.get("vaultName"))
    able = {BUILT_IN_ROLES["Key Vault Secrets Officer"], BUILT_IN_ROLES["Key Vault Administrator"]}
    for a in azure.resources.values():
        scope = str(a.inputs.get("scope", ""))
        if (a.type == ASSIGNMENT and a.inputs.get("principalId") == DEPLOYER_OBJECT_ID
                and str(a.inputs.get("roleDefinitionId", "")).rsplit("/", 1)[-1] in able
                and re.search(rf"/vaults/{re.escape(vault)}($|/secrets/)", scope, re.I)):
            return None
    return ("azure-native deletes a secret through the Key Vault data plane, as the identity that "
            "runs pulumi up, which holds no secrets role on this RBAC vault: 403 ForbiddenByRbac")


def _number(value: Any) -> Any:
    """A whole number as the integer it is (the engine hands every number over as a float)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _kept_at_creation(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.op != IGNORED or step.old is None:
        return None
    return "; ".join(f"{path} stays {_number(value_at(step.old.inputs, path))!r} in Azure and "
                     "in the state: "
                     + next(fact.why for fact in _fixed(step.resource)
                            if matches(path, fact.path)) for path in step.changed)


def _immutable(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.op != UPDATE or step.old is None:
        return None
    found = [f"{path}: {fact.why}" for fact in _fixed(step.resource)
             for path in step.changed if _covers(fact, path)
             and fact.applies(step.old.inputs, step.resource.inputs)]
    return "; ".join(dict.fromkeys(found)) or None


def _immutable_verdicts(step: Step) -> set[str]:
    return {fact.verdict for fact in _fixed(step.resource) if step.op == UPDATE
            and step.old is not None and fact.applies(step.old.inputs, step.resource.inputs)
            and any(_covers(fact, path) for path in step.changed)}


def _soft_deleted_name(step: Step, azure: Azure, ctx: Context) -> str | None:
    if (step.op in (CREATE, REPLACE)
            and (step.resource.type, step.resource.azure_name) in ctx.reserved):
        return (f"{step.resource.azure_name} was deleted into soft delete, which keeps the name "
                "taken until it is purged or its retention ends")
    return None


def _propagation(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.op not in (CREATE, REPLACE):
        return None
    fresh = [d for d in step.resource.dependencies if d in ctx.fresh_grants]
    if fresh and ROLE_PROPAGATION_HOOK not in step.resource.error_hooks:
        return (f"starts right after {len(fresh)} new role assignments, which take up to 10 "
                "minutes to take effect, and has no retry on the errors that delay causes")
    return None


def _template_leaves(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.resource.type != TEMPLATE or step.op not in (DELETE, DELETE_REPLACED):
        return None
    props = step.resource.inputs.get("properties") or {}
    parameters = props.get("parameters") or {}
    put = [f"{res.get('type')} {resolve(res.get('name'), parameters)}"
           for res in (props.get("template") or {}).get("resources", [])]
    return "only the deployment record goes; Azure keeps " + ", ".join(put) if put else None


def _secrets_put(templates: list[Registration]) -> set[str]:
    """``<vault>/<secret>`` (lower case) of every secret ``templates`` put."""
    put = set()
    for r in templates:
        if r.type != TEMPLATE:
            continue
        props = r.inputs.get("properties") or {}
        parameters = props.get("parameters") or {}
        put |= {str(resolve(res.get("name"), parameters)).lower()
                for res in (props.get("template") or {}).get("resources", [])
                if res.get("type") == catalog.get(SECRET).arm_type}
    return put


def _secret_missing(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.resource.type != ASSIGNMENT or step.op not in (CREATE, REPLACE):
        return None
    found = re.search(r"/vaults/([^/]+)/secrets/([^/]+)$", str(step.resource.inputs.get("scope")),
                      re.I)
    if found is None:
        return None
    vault, secret = found.groups()
    new_vault = any(s.op in (CREATE, REPLACE) and s.resource.type == VAULT
                    and str(s.resource.inputs.get("vaultName")).lower() == vault.lower()
                    for s in ctx.plan.steps)
    waits_for = [azure.resources[d] for d in step.resource.dependencies if d in azure.resources]
    if not new_vault or f"{vault}/{secret}".lower() in _secrets_put(waits_for):
        return None
    return (f"the grant on secret {secret} does not wait for anything that puts that secret into "
            f"vault {vault}, which this plan creates: a new vault holds no secret")


def _stale_traffic(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.resource.type != ENDPOINT or step.op not in (CREATE, REPLACE):
        return None
    traffic = (step.resource.inputs.get("properties") or {}).get("traffic") or {}
    there = {str(r.inputs.get("deploymentName")) for r in azure.resources.values()
             if r.type == DEPLOYMENT and endpoint_key(r) == endpoint_key(step.resource)}
    missing = sorted(name for name in traffic if name not in there)
    if not missing:
        return None
    return (f"creates the endpoint with traffic {traffic}, which a refresh put into its state and "
            f"ignore_changes keeps, naming {', '.join(missing)}, which do not exist then: Azure "
            f"answers 404 \"Deployment {missing[0]} not found in endpoint\". First set every "
            "deployment's traffic to 0, pulumi up and pulumi refresh (the state's traffic becomes "
            "{}), then make this change")


def _compute_delete(step: Step, azure: Azure, ctx: Context) -> str | None:
    if step.resource.type == COMPUTE and step.op in (DELETE, DELETE_REPLACED):
        return ("azure-native deletes computes without the underlyingResourceAction query "
                "parameter that the REST spec marks required; not confirmed against Azure")
    return None


RULES: tuple[Rule, ...] = (
    Rule("protected", REFUSED, "a protected resource cannot be deleted or replaced",
         "pulumi/pulumi pkg/resource/deploy/step.go (deleteProtectedError) and step_generator.go "
         "(\"unable to replace resource ... marked for protection\")", _protected),
    Rule("name-taken", REFUSED,
         "a replacement created before the original's delete cannot take the same Azure name",
         "pulumi/pulumi-azure-native provider.go Create (CanCreate: \"cannot create already "
         "existing resource\"); pulumi/pulumi step_generator.go (replaceOnChanges keeps the "
         "provider's create-before-delete)", _name_taken),
    Rule("stateful-replaced", DATA_LOSS, "replacing a storage account, key vault, registry, "
         "log workspace or ML workspace loses what it holds",
         "ARM: a replacement is a delete and a new resource", _stateful_replaced),
    Rule("data-kept-deleted", DATA_LOSS,
         "a container (or other data) is deleted while the account it belongs to is kept",
         "pulumi/pulumi step.go: only the resource's own retainOnDelete keeps it; a delete of a "
         "blob container deletes its blobs (Azure Storage Delete Container)", _data_kept_deleted),
    Rule("data-deleted", AT_RISK, "an update deletes a resource that holds data",
         "ARM: deleting a storage account, container, key vault, registry or workspace deletes "
         "what it holds (soft delete aside)", _data_deleted),
    Rule("group-cascade", DATA_LOSS,
         "deleting a resource group deletes every resource in it, kept by Pulumi or not",
         "Azure REST spec ResourceGroups_Delete (\"all of its resources are also deleted\"); "
         "pulumi/pulumi-azure-native#2522", _group_cascade),
    Rule("deployment-traffic", REFUSED, "a deployment with live traffic cannot be deleted",
         "MicrosoftDocs/azure-ai-docs how-to-safely-rollout-online-endpoints.md (\"You can't "
         "delete a deployment that has live traffic allocated to it\")", _traffic_on_delete),
    Rule("batch-default-delete", AT_RISK,
         "a batch deployment is deleted while it is its endpoint's default",
         "Azure/azure-rest-api-specs BatchEndpointDefaults.deploymentName (the default \"will end "
         "up getting 100% traffic when the endpoint scoring URL is invoked\"); "
         "how-to-use-batch-model-deployments (update the default, then delete the old "
         "deployment)", _batch_default_on_delete),
    Rule("endpoint-put", LIES, "an update of the endpoint resource rewrites its traffic",
         "pulumi/pulumi-azure-native provider.go (update is a full PUT; traffic is not kept from "
         "Azure) and Read (a refresh copies traffic into the inputs); "
         "microsoft/genaiops-promptflow-template#182", _endpoint_put),
    Rule("data-plane-delete", REFUSED,
         "a Key Vault secret is deleted through the data plane, which needs a secrets role",
         "pulumi/pulumi-azure-native provider/pkg/resources/customresources/custom_keyvault.go "
         "(DELETE via azsecrets DeleteSecret); Owner and Contributor carry no data actions",
         _data_plane_delete),
    Rule("immutable", REFUSED, "Azure cannot change the property in place (the catalog's fixed "
         "properties say which it refuses and which it ignores)",
         "the catalog's fixed properties, each with its source",
         _immutable, _immutable_verdicts),
    Rule("kept-at-creation", NOTE, "a setting Azure takes at creation only is not sent",
         "the catalog's fixed properties, each with its source; pulumi/pulumi "
         "processIgnoreChanges",
         _kept_at_creation),
    Rule("soft-deleted-name", REFUSED,
         "a soft-deleted workspace or key vault keeps its name taken",
         "MicrosoftDocs/azure-ai-docs concept-soft-delete.md; azure-docs key-vault/general/"
         "soft-delete-overview.md; azure-native deletes without forceToPurge", _soft_deleted_name),
    Rule("propagation", AT_RISK, "a workload started seconds after its grants may fail once",
         "MicrosoftDocs/azure-docs role-based-access-control/troubleshooting.md (\"up to 10 "
         "minutes\"); azure-native retries only 408/429/5xx", _propagation),
    Rule("template-leaves", NOTE, "deleting an ARM template deployment keeps what it put",
         "Azure REST spec Deployments_Delete (\"Deleting a template deployment does not affect "
         "the state of the resource group\")", _template_leaves),
    Rule("key-based-delete", REFUSED,
         "a key-based blob of an earlier release cannot be deleted once the account takes no keys",
         "pulumi/pulumi-azure-native v3 custom_storage_azidentity.go (blob calls use a shared key "
         "credential from ListKeys); #2015 (403 KeyBasedAuthenticationNotPermitted)",
         _key_based_delete),
    Rule("secret-missing", AT_RISK,
         "a role on one secret of a vault this plan creates, before anything puts the secret",
         "Key Vault rbac-guide (roles on individual secrets: the secret is the scope); that ARM "
         "refuses a role assignment on a scope that does not exist is not confirmed against "
         "Azure", _secret_missing),
    Rule("stale-traffic", REFUSED,
         "an endpoint is created with traffic to deployments that do not exist yet",
         "pulumi/pulumi step_generator.go processIgnoreChanges (the state's value of an ignored "
         "path is sent, on a replacement's create too); Azure's answer, Azure/azure-dev#4037 "
         "(\"Deployment ... not found in endpoint\"); " + REFRESH_SOURCE, _stale_traffic),
    Rule("compute-delete", AT_RISK, "deleting a compute alone is not proven on Azure",
         "Azure/azure-rest-api-specs Compute_Delete (underlyingResourceAction required); "
         "azure-native provider.go Delete passes no query parameters", _compute_delete),
)
