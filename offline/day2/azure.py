"""What exists in Azure while the steps of a plan run, and what ``pulumi refresh`` reads back.

:class:`Azure` is the model the rules replay a plan against: the deployed resources, changed step
by step as Azure changes them (a resource group takes what is in it along), and the traffic each
online endpoint routes, which another writer than the endpoint resource sets (an ARM template
deployment). :func:`refreshed` is the state a refresh leaves: what Azure changed or filled in
becomes the state's inputs.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from components import catalog
from components.batch_endpoint import BATCH_ENDPOINT
from components.endpoint import ONLINE_ENDPOINT as ENDPOINT
from components.secrets import TEMPLATE_DEPLOYMENT as TEMPLATE
from components.testing.runner import Registration, StackRun
from components.workspace import KEY_VAULT as VAULT
from components.workspace import ML_WORKSPACE
from stack.config.stack import RESOURCE_GROUP as GROUP

from .inputs import value_at, with_value
from .model import CREATE, DELETE, DELETE_REPLACED, DELETED_WITH, REPLACE, UPDATE, Step


def endpoint_key(r: Registration) -> tuple[str, str]:
    """(workspace, endpoint) name of an online or batch endpoint or deployment."""
    return str(r.inputs.get("workspaceName")), str(r.inputs.get("endpointName"))


def resolve(value: Any, parameters: dict[str, Any]) -> Any:
    """An ARM template expression of the forms this project writes, resolved."""
    if not isinstance(value, str):
        return value
    single = re.fullmatch(r"\[parameters\('(\w+)'\)\]", value)
    if single:
        return (parameters.get(single.group(1)) or {}).get("value")
    formatted = re.fullmatch(r"\[format\('([^']*)', (.*)\)\]", value)
    if formatted:
        args = [resolve(f"[{a.strip()}]", parameters) for a in formatted.group(2).split(", ")]
        return formatted.group(1).format(*args)
    return value


def traffic_written(r: Registration) -> dict[tuple[str, str], dict[str, int]]:
    """The endpoint traffic that creating or updating ``r`` sets in Azure: an endpoint's own
    ``properties.traffic`` (a full PUT without it zeroes the traffic), or the endpoints an ARM
    template deployment puts (a batch endpoint's default deployment takes all of its traffic)."""
    if r.type == ENDPOINT:
        return {endpoint_key(r): dict((r.inputs.get("properties") or {}).get("traffic") or {})}
    written = {}
    if r.type == TEMPLATE:
        props = r.inputs.get("properties") or {}
        parameters = props.get("parameters") or {}
        for res in (props.get("template") or {}).get("resources", []):
            if res.get("type") == catalog.get(ENDPOINT).arm_type:
                workspace, endpoint = str(resolve(res["name"], parameters)).split("/")
                traffic = resolve((res.get("properties") or {}).get("traffic"), parameters)
                written[(workspace, endpoint)] = dict(traffic or {})
            elif res.get("type") == catalog.get(BATCH_ENDPOINT).arm_type:
                # the default "will end up getting 100% traffic when the endpoint scoring URL is
                # invoked" (REST spec BatchEndpointDefaults.deploymentName)
                workspace, endpoint = str(resolve(res["name"], parameters)).split("/")
                default = resolve(((res.get("properties") or {}).get("defaults") or {}).get(
                    "deploymentName"), parameters)
                written[(workspace, endpoint)] = {str(default): 100} if default else {}
    return written


@dataclass
class Azure:
    """What exists in Azure while the steps of a plan run, as far as the rules need to know."""

    resources: dict[str, Registration]
    """What exists, by URN (the state's version until a step changes it)."""
    traffic: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    """Traffic per (workspace, endpoint) name, as Azure routes it."""
    deleted: list[Registration] = field(default_factory=list)
    """What the steps so far deleted in Azure (directly, or with a resource group)."""

    @classmethod
    def deployed(cls, base: StackRun | None) -> Azure:
        """What exists before the first step: ``base``'s resources, with the traffic the ARM
        template deployments among them wrote."""
        azure = cls(dict(base.resources) if base else {})
        for r in azure.resources.values():
            azure.traffic.update(traffic_written(r) if r.type == TEMPLATE else {})
        return azure

    def in_group(self, group: str) -> list[Registration]:
        return [r for r in self.resources.values()
                if str(r.inputs.get("resourceGroupName", "")).lower() == group.lower()]

    def apply(self, step: Step) -> None:
        """What ``step`` does in Azure."""
        r = step.resource
        if step.op in (CREATE, UPDATE, REPLACE):
            self.resources[r.urn] = r
            for key, traffic in traffic_written(r).items():
                self.traffic[key] = traffic
        elif step.op in (DELETE, DELETE_REPLACED) or (step.op == DELETED_WITH
                                                      and step.deleted_with in self.deleted):
            gone = [r] + (self.in_group(str(r.inputs.get("resourceGroupName")))
                          if r.type == GROUP else [])
            # what Azure deletes with it (a deployment with its endpoint: deletedWith)
            gone += [x for x in self.resources.values() if x.deleted_with == r.urn]
            for g in gone:
                if self.resources.pop(g.urn, None) is not None:
                    self.deleted.append(g)
                if g.type in (ENDPOINT, BATCH_ENDPOINT):
                    self.traffic.pop(endpoint_key(g), None)
        # PROTECTED and RETAIN leave Azure as it is.


def soft_deleted(r: Registration) -> bool:
    """Whether deleting ``r`` keeps its name taken (azure-native sends no purge): a key vault
    always; a workspace unless it has only user-assigned identities ("Soft-deletion and recovery
    is not supported when a workspace uses only user-assigned managed identity",
    MicrosoftDocs/azure-ai-docs concept-soft-delete): that one is gone for good."""
    if r.type == VAULT:
        return True
    identity = str((r.inputs.get("identity") or {}).get("type", ""))
    return r.type == ML_WORKSPACE and "SystemAssigned" in identity


# --- what pulumi refresh puts into the state --------------------------------------------------

REFRESH_SOURCE = ("pulumi/pulumi-azure-native provider/pkg/provider/provider.go Read: \"we compare "
                  "old outputs to new outputs, and if properties changed, we assume they aren't "
                  "default values anymore, and we need to copy them to new inputs\"")


def _live_traffic(run: StackRun, r: Registration) -> dict[str, Any]:
    """An endpoint's traffic as Azure routes it: what the last template that puts it wrote."""
    live = {key: traffic for t in run.resources.values() if t.type == TEMPLATE
            for key, traffic in traffic_written(t).items()}
    key = endpoint_key(r)
    return {"properties.traffic": live[key]} if key in live else {}


def _filled(r: Registration) -> dict[str, Any]:
    """What Azure fills in a resource's answers itself (the catalog's fills of its type)."""
    entry = catalog.find(r.type)
    return {fill.path: fill.value for fill in entry.fills_of(r.inputs)} if entry else {}


def drift(run: StackRun, r: Registration) -> dict[str, Any]:
    """What another writer than the resource itself changes in Azure: the live value of each
    input path of ``r``, which a refresh reads back (an endpoint's traffic, which its template
    writes; what Azure fills in)."""
    return {**(_live_traffic(run, r) if r.type == ENDPOINT else {}), **_filled(r)}


def refreshed(run: StackRun) -> StackRun:
    """The state ``pulumi refresh`` leaves of deployed ``run``: where Azure's value of an input
    property differs from the state's output (:func:`drift`), it becomes the state's output and
    input (:data:`REFRESH_SOURCE`)."""
    changed = {}
    for urn, r in run.resources.items():
        differs = {path: live for path, live in drift(run, r).items()
                   if value_at(r.outputs, path) != live}
        if differs:
            inputs, outputs = r.inputs, r.outputs
            for path, live in differs.items():
                inputs, outputs = with_value(inputs, path, live), with_value(outputs, path, live)
            changed[urn] = dataclasses.replace(r, inputs=inputs, outputs=outputs)
    return dataclasses.replace(run, resources={**run.resources, **changed})
