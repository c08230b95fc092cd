"""Managed network isolation of a workspace: what its computes and endpoints reach.

Azure ML "Workspace managed network isolation" (how-to-managed-network): the computes and
endpoints of a workspace run in a network Azure manages, which reaches the workspace's storage,
key vault and registry through private endpoints Azure makes, and the rest of the world only as
the isolation mode and the outbound rules allow. ``AllowInternetOutbound`` reaches the internet;
``AllowOnlyApprovedOutbound`` reaches only what a rule names: a host (an FQDN rule, which runs on
an Azure Firewall: "Using FQDN outbound rules increases the cost of the managed virtual network
because FQDN rules use Azure Firewall"), an Azure service tag, or a resource through a private
endpoint. Private endpoint rules exist in both modes; FQDN and service tag rules only where the
internet is closed.

A user-assigned workspace identity approves the private endpoints of the rules: it needs Azure AI
Enterprise Network Connection Approver on each target ("If you are using UAI workspace please
make sure to add the Azure AI Enterprise Network Connection Approver role to your identity"),
which covers the target types of :data:`~components.azure.roles.NETWORK_APPROVER_TARGETS` only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, StrictBool

from .arguments import MISSING, Arguments, Problem, StrInput, unique_names
from .azure.resource_ids import provider_type
from .azure.roles import NETWORK_APPROVER_TARGETS

Isolation = Literal["AllowOnlyApprovedOutbound", "AllowInternetOutbound"]
"""Azure's ``IsolationMode`` but ``Disabled``, which is no managed network (none given)."""
APPROVED_ONLY: Isolation = "AllowOnlyApprovedOutbound"
FirewallSku = Literal["Basic", "Standard"]
"""The Azure Firewall SKUs FQDN rules run on (Azure's default, where none is sent, is Standard:
azure-ai-ml ``ManagedNetwork``, "when unspecified this will default to FirewallSku.Standard")."""
Protocol = Literal["TCP", "UDP", "ICMP", "*"]

NETWORK_APPROVER = "Azure AI Enterprise Network Connection Approver"
PACKAGE_FEEDS = ("pypi.org", "files.pythonhosted.org", "conda.anaconda.org", "*.anaconda.org",
                 "repo.anaconda.com", "mcr.microsoft.com", "*.data.mcr.microsoft.com")
"""What an environment build reaches: the Python and conda package feeds and Microsoft's image
registry (how-to-managed-network, "Scenario: Access public machine learning packages" and
"Scenario: Use Docker images managed by Azure ML")."""
OWN_APPROVALS = ("storage", "key-vault", "registry")
"""The short names of the approvals a workspace gives its identity on its own dependents."""
BATCH_RULES = ("batch-queue", "batch-table")
"""The rules to the workspace storage's queue and table that batch endpoints need."""
FEED_RULE = re.compile(r"^feed-\d+$")
"""Names of the package feed rules (``feed-0``, ...), one per entry of :data:`PACKAGE_FEEDS`."""

OutboundRule = (ml.FqdnOutboundRuleArgs | ml.PrivateEndpointOutboundRuleArgs
                | ml.ServiceTagOutboundRuleArgs)
"""An outbound rule as the workspace's ``managedNetwork.outboundRules`` takes it."""

_APPROVABLE = {kind.lower() for kind in NETWORK_APPROVER_TARGETS}
APPROVABLE_TARGET = (
    f"the resource id of a resource the workspace identity can approve a private endpoint to "
    f"with {NETWORK_APPROVER} (how-to-managed-network): "
    + ", ".join(NETWORK_APPROVER_TARGETS.values())
    + "; others need a custom role this package does not grant")


_KINDS = {"fqdn": "an FQDN rule", "service_tag": "a service tag rule",
          "private_endpoint": "a private endpoint rule"}
"""The destinations of an outbound rule (the field each kind sets), in words."""
_OWNERS = {"protocol": "service_tag", "port_ranges": "service_tag",
           "subresource": "private_endpoint"}
"""The fields only one kind of rule reads, by the kind."""
_REACHES = {
    "fqdn": "an FQDN rule reaches its host on ports 80 and 443 only (\"FQDN outbound rules only "
            "support ports 80 and 443\", how-to-managed-network)",
    "service_tag": "a service tag rule reaches the tag's addresses on its protocol and ports",
    "private_endpoint": "a private endpoint rule reaches its target through its private link "
                        "group"}
"""How each kind of rule reaches its destination."""


class OutboundRuleSpec(Arguments):
    """One user-defined outbound rule of a managed network: exactly one of an FQDN, a service tag
    or a private endpoint."""

    name: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$")
    """Rule name."""
    fqdn: str | None = Field(None, pattern=r"^(\*\.)?[a-zA-Z0-9.-]{1,253}$")
    """A host, or *.domain, reached on ports 80 and 443 (AllowOnlyApprovedOutbound; an Azure
    Firewall carries FQDN rules)."""
    service_tag: str | None = Field(None, pattern=r"^[A-Za-z][A-Za-z0-9.]{1,80}$")
    """An Azure service tag, e.g. AzureActiveDirectory (AllowOnlyApprovedOutbound)."""
    protocol: Protocol = "TCP"
    """Protocol of a service tag rule."""
    port_ranges: str = Field("443", pattern=r"^(\*|\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*)$")
    """Ports of a service tag rule, e.g. 443 or 80,443."""
    private_endpoint: StrInput | None = None
    """Resource id of a target reached by a private endpoint (the workspace identity gets the
    approver role on it)."""
    subresource: str | None = Field(None, pattern=r"^[a-zA-Z]{2,40}$")
    """The target's private link group, e.g. blob, vault, registry, amlworkspace."""

    @property
    def kinds(self) -> list[str]:
        """The destinations the rule sets (fields of :data:`_KINDS`): exactly one when right."""
        return [kind for kind in _KINDS if getattr(self, kind) is not None]

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks()
        one = "exactly one of {fqdn}, {service_tag} or {private_endpoint}"
        kinds = self.kinds
        if not kinds:
            found.append(Problem(("fqdn",), MISSING, f"{one} (the rule's destination)"))
        found += [Problem((kind,), getattr(self, kind), one, when=f"with {{{kinds[0]}}}")
                  for kind in kinds[1:]]
        if FEED_RULE.match(self.name):
            found.append(Problem(("name",), self.name, "a name other than feed-<n> (the names of "
                                 "the package feed rules)"))
        target = self.private_endpoint
        if isinstance(target, str) and (provider_type(target) or "").lower() not in _APPROVABLE:
            found.append(Problem(("private_endpoint",), target, APPROVABLE_TARGET))
        if target is not None and self.subresource is None:
            found.append(Problem(("subresource",), MISSING, "the target's private link group, "
                                 "e.g. blob, vault, registry", when="on a private endpoint rule"))
        if len(kinds) == 1:  # the fields of another kind, which this rule would leave out
            found += [Problem((name,), getattr(self, name), f"nothing ({_KINDS[owner]}'s; "
                              f"{_REACHES[kinds[0]]})", when=f"on {_KINDS[kinds[0]]}")
                      for name, owner in _OWNERS.items()
                      if name in self.model_fields_set and owner != kinds[0]]
        return found

    def azure(self) -> OutboundRule:
        """The rule as the workspace takes it."""
        category = ml.RuleCategory.USER_DEFINED
        if self.fqdn is not None:
            return ml.FqdnOutboundRuleArgs(type="FQDN", destination=self.fqdn, category=category)
        if self.service_tag is not None:
            return ml.ServiceTagOutboundRuleArgs(
                type="ServiceTag", category=category,
                destination=ml.ServiceTagDestinationArgs(
                    service_tag=self.service_tag, protocol=self.protocol,
                    port_ranges=self.port_ranges, action=ml.RuleAction.ALLOW))
        return ml.PrivateEndpointOutboundRuleArgs(
            type="PrivateEndpoint", category=category,
            destination=ml.PrivateEndpointDestinationArgs(
                service_resource_id=self.private_endpoint, subresource_target=self.subresource,
                spark_enabled=False))


class ManagedNetworkSpec(Arguments):
    """Managed network isolation of a workspace: what its computes and endpoints reach."""

    isolation_mode: Isolation = APPROVED_ONLY
    """What compute and endpoints reach: only the outbound rules, or the internet too (fixed
    once on: Azure cannot turn isolation off)."""
    package_feeds: StrictBool = True
    """Outbound FQDN rules for the Python and conda feeds and Microsoft's image registry, so
    environments build (AllowOnlyApprovedOutbound)."""
    outbound_rules: tuple[OutboundRuleSpec, ...] = ()
    """More outbound rules."""
    firewall_sku: FirewallSku = "Basic"
    """The Azure Firewall that FQDN rules run on."""

    @property
    def feeds(self) -> bool:
        """Whether the network has the package feed rules."""
        return self.package_feeds and self.isolation_mode == APPROVED_ONLY

    @property
    def fqdn_rules(self) -> bool:
        """Whether the network has FQDN rules, and so an Azure Firewall ("FQDN rules use Azure
        Firewall", how-to-managed-network)."""
        return self.feeds or (self.isolation_mode == APPROVED_ONLY
                              and any(rule.fqdn for rule in self.outbound_rules))

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks()
        mode = f"with {{isolation_mode}} {self.isolation_mode}"
        if self.isolation_mode != APPROVED_ONLY:
            found += [Problem(("outbound_rules", i), rule.name, "FQDN and service tag rules "
                              f"exist only in {APPROVED_ONLY} (the internet is open already)",
                              when=mode)
                      for i, rule in enumerate(self.outbound_rules)
                      if rule.fqdn is not None or rule.service_tag is not None]
        found += unique_names(("outbound_rules",), [rule.name for rule in self.outbound_rules])
        given = self.model_fields_set
        if "package_feeds" in given and self.isolation_mode != APPROVED_ONLY:
            found.append(Problem(("package_feeds",), self.package_feeds, "nothing (the feed rules "
                                 f"exist only in {APPROVED_ONLY}; with the internet open the "
                                 "feeds are reached already)", when=mode))
        if "firewall_sku" in given and not self.fqdn_rules:
            found.append(Problem(("firewall_sku",), self.firewall_sku, "nothing (the firewall "
                                 "exists only for FQDN rules: {package_feeds} or an fqdn rule of "
                                 f"{{outbound_rules}}, with {{isolation_mode}} {APPROVED_ONLY})",
                                 when="without FQDN rules"))
        return found


class ManagedNetwork(ManagedNetworkSpec):
    """Managed network isolation of a workspace (:class:`~components.workspace.WorkspaceArgs`'s
    ``managed_network``): the package feed rules (``feed-<n>``, when asked for, in
    AllowOnlyApprovedOutbound), the outbound rules, and a firewall only for FQDN rules.

    Provisioned with the workspace (``provisionNetworkNow``), and explicitly afterwards
    (:mod:`components.network_provisioning`: on an existing workspace ``provisionNetworkNow`` "does
    nothing"), before any compute or deployment of the workspace; the mode "can't be disabled"
    once on. A user-assigned workspace identity gets Azure AI Enterprise Network Connection
    Approver on each private endpoint target before the workspace exists: without it the
    endpoints are not approved ("Required permissions", how-to-managed-network)."""

    batch_storage: StrictBool = False
    """Private endpoint rules to the workspace storage's queue and table (``batch-queue``,
    ``batch-table``), which batch endpoints need ("Scenario: Use batch endpoints or
    ParallelRunStep", how-to-managed-network); the workspace identity approves its own storage
    already."""
    approval_names: Mapping[str, str] = {}
    """The short name of the approval of a private endpoint rule's target (the workspace
    identity's approver role on it), by rule name, where it is not ``rule-<rule name>``: the
    approval's Pulumi name is made of it, so a new name replaces the role assignment."""

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks()
        if self.batch_storage:
            found += [Problem(("outbound_rules", i, "name"), rule.name, "a name other than "
                              f"{', '.join(BATCH_RULES)} (the batch storage rules)")
                      for i, rule in enumerate(self.outbound_rules) if rule.name in BATCH_RULES]
        rules = {rule.name for rule in self.outbound_rules if rule.private_endpoint is not None}
        taken = {*OWN_APPROVALS, *(f"rule-{name}" for name in rules - set(self.approval_names))}
        for name, short in self.approval_names.items():
            if name not in rules:
                found.append(Problem(("approval_names", name), short, "the name of a private "
                                     "endpoint rule of {outbound_rules}"))
            elif short in taken:
                found.append(Problem(("approval_names", name), short, "a name no other approval "
                                     f"has ({', '.join(OWN_APPROVALS)} are the workspace's own)"))
            taken.add(short)
        return found

    def approvals(self) -> dict[str, StrInput]:
        """The private endpoint targets the workspace identity approves, by short name."""
        return {self.approval_names.get(rule.name, f"rule-{rule.name}"): rule.private_endpoint
                for rule in self.outbound_rules if rule.private_endpoint is not None}

    def azure(self, storage_account_id: StrInput) -> ml.ManagedNetworkSettingsArgs:
        """The network as the workspace's ``managedNetwork`` takes it; ``storage_account_id``: the
        workspace storage (the batch storage rules' target)."""
        rules: dict[str, OutboundRule] = {
            f"feed-{i}": ml.FqdnOutboundRuleArgs(type="FQDN", destination=fqdn,
                                                 category=ml.RuleCategory.USER_DEFINED)
            for i, fqdn in enumerate(PACKAGE_FEEDS if self.feeds else ())}
        rules |= {name: OutboundRuleSpec(name=name, private_endpoint=storage_account_id,
                                         subresource=name.removeprefix("batch-")).azure()
                  for name in (BATCH_RULES if self.batch_storage else ())}
        rules |= {rule.name: rule.azure() for rule in self.outbound_rules}
        return ml.ManagedNetworkSettingsArgs(
            isolation_mode=self.isolation_mode, outbound_rules=rules,
            firewall_sku=self.firewall_sku if self.fqdn_rules else None)
