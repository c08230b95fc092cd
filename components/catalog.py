"""The catalog of resource types: what Azure (and Pulumi) do with each type the package creates.

Each component module registers the types it creates, with the facts about them that the mocks,
the offline preview, the day-2 plan, the critical path and the policy pack read::

    STORAGE_ACCOUNT = catalog.register(catalog.ResourceType(
        "azure-native:storage:StorageAccount", "storage account",
        created_in=catalog.Seconds(25, catalog.ESTIMATE),
        id_template=catalog.in_group("Microsoft.Storage/storageAccounts/{accountName}"),
        name="accountName", name_rule=RULES["storage account"], stateful=True, ...))

A fact that another module knows is added by that module: the kinds of a type
(:func:`register_kind`: a compute instance is a kind of compute) and what a resource of a type
needs before Azure can create it (:func:`require`: a role assignment needs its scope, which every
module that registers a scope type says). Types the package does not make (random values, a
resource group) are registered by the program that makes them. The modules keep the tokens
:func:`register` returns as constants; :func:`get` returns the whole entry, with what the other
modules added.

This module is data and lookups only: it creates no resource and imports no component.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from .azure.names import NameRule

Inputs = Mapping[str, Any]
"""A resource's inputs, as the engine hands them over (camelCase keys, nested mappings)."""

REFUSED, LIES, AT_RISK = "refused", "lies", "at risk"
"""What Azure does with an update of a property it fixes at creation: refuses it (the operation
fails), ignores it and reports success (the state would lie), or takes it with a risk worth a
look."""

ESTIMATE = ("estimate: typical time of the ARM create operation; Microsoft publishes no figure for "
            "it")
"""The source of a creation time that no document gives."""

SUBSCRIPTION = "subscription"
"""The placeholder of an id template that the subscription fills (the provider's, not an input)."""


def in_group(path: str) -> str:
    """The id template of a resource inside a resource group, from its path under ``providers/``
    (``Microsoft.Storage/storageAccounts/{accountName}``)."""
    return ("/subscriptions/{" + SUBSCRIPTION + "}/resourceGroups/{resourceGroupName}/providers/"
            + path)


def _always(old: Inputs, new: Inputs) -> bool:
    return True


@dataclass(frozen=True)
class Seconds:
    """How long Azure typically takes to create a resource, and where the figure comes from."""

    seconds: int
    source: str


@dataclass(frozen=True)
class Fixed:
    """A property Azure takes at creation only: what it does with an update that changes it."""

    path: str
    """The input path (``properties.softDeleteRetentionInDays``; a change under it counts)."""
    verdict: str
    """:data:`REFUSED`, :data:`LIES` or :data:`AT_RISK`."""
    why: str
    source: str
    applies: Callable[[Inputs, Inputs], bool] = _always
    """Whether the fact holds for a change from the old inputs to the new ones."""
    unless: tuple[str, ...] = ()
    """Paths under ``path`` the fact does not cover."""


@dataclass(frozen=True)
class Filled:
    """A field Azure fills in its answers though the program never sets it: a refresh copies it
    into the state's inputs (azure-native ``Read`` applies the difference between the old and the
    new outputs to the inputs: pulumi/pulumi-azure-native provider.go), where the next plan sees
    the program leave it out."""

    path: str
    value: Any
    """What Azure answers with there."""
    source: str


@dataclass(frozen=True)
class Shown:
    """A setting that costs money or opens access, as the preview shows it: its label, the input
    path (list items by index: ``agentPoolProfiles.0.vmSize``), Azure's default when the program
    leaves it out (where Azure documents one)."""

    label: str
    path: str
    azure_default: Any = None
    applies: Callable[[Inputs], bool] | None = None
    """Whether it applies to a resource with these inputs (all when None)."""


@dataclass(frozen=True)
class Kind:
    """One kind of a type that Azure tells apart by an input (``properties.computeType`` of a
    compute: a cluster, an instance, an attached Kubernetes cluster), with its own facts."""

    value: str
    """The input's value for this kind."""
    created_in: Seconds
    fixed: tuple[Fixed, ...] = ()
    fills: tuple[Filled, ...] = ()
    shown: tuple[Shown, ...] = ()
    requires: Mapping[str, str] = field(default_factory=dict)
    """Besides the type's own: dependency token -> why Azure needs it first."""


@dataclass(frozen=True)
class ResourceType:
    """What Azure and Pulumi do with the resources of one Pulumi type."""

    token: str
    """The Pulumi type token, e.g. ``azure-native:storage:StorageAccount``."""
    label: str
    """What the preview calls one, e.g. ``storage account``."""
    created_in: Seconds | None = None
    """How long Azure takes to create one; None when each kind says (:attr:`kinds`)."""
    id_template: str | None = None
    """The Azure Resource Manager id, as a template: ``{input}`` for each path parameter, and
    ``{subscription}`` (see :func:`in_group`). None for what is not an ARM resource."""
    name: str | None = None
    """The input that holds the name Azure knows it by (Pulumi's auto-naming makes one up when
    the program leaves it out); None when it has none."""
    name_rule: NameRule | None = None
    """What Azure accepts as its name; None when the code fixes the name or Azure makes it."""
    provider_id: Callable[[Inputs], str] | None = None
    """The id a dynamic resource's own provider gives it (its create's function)."""
    stateful: bool = False
    """It holds data that a replacement or a delete loses."""
    replaced_on: tuple[str, ...] = ()
    """Input paths besides the id's path parameters whose change makes the provider replace it
    (``*``: any): azure-native replaces a resource when "any of the parameters that are part of
    the resource path" changes, and on the properties its metadata marks forceNew
    (pulumi/pulumi-azure-native provider/pkg/provider/diff.go; gen/properties.go, x-ms-mutability
    create without update, and gen/replacement.go's forceNewMap); other providers by their diff."""
    fixed: tuple[Fixed, ...] = ()
    """Properties Azure takes at creation only."""
    fills: tuple[Filled, ...] = ()
    """Fields Azure fills in its answers (a refresh copies them into the inputs)."""
    requires: Mapping[str, str] = field(default_factory=dict)
    """Dependency token -> why Azure needs one to exist before this one is created."""
    required_by_all: str | None = None
    """Why whatever depends on one of this type needs it first (the group it is created in, a
    value in its inputs), so that no dependent lists it."""
    shown: tuple[Shown, ...] = ()
    """What costs money or opens access, in the order a reviewer reads it."""
    arm_names: Mapping[str, str] = field(default_factory=dict)
    """SDK input names whose ARM property has another name (``x-ms-client-name``)."""
    kind_input: str | None = None
    """The input path that tells its kinds apart (see :class:`Kind`)."""
    kinds: tuple[Kind, ...] = ()
    retired: str | None = None
    """Why the package no longer creates it (a type of an earlier release, kept so that a plan
    from a state holding one knows it)."""

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """The inputs the id is made of, in order."""
        found = re.findall(r"\{(\w+)\}", self.id_template or "")
        return tuple(p for p in found if p != SUBSCRIPTION)

    @property
    def replaces(self) -> tuple[str, ...]:
        """Every input path whose change makes the provider replace the resource."""
        return (*self.path_parameters, *self.replaced_on)

    @property
    def arm_type(self) -> str | None:
        """The ARM resource type (``Microsoft.KeyVault/vaults/secrets``), from the id."""
        if self.id_template is None or "/providers/" not in self.id_template:
            return None
        namespace, *path = self.id_template.rsplit("/providers/", 1)[1].split("/")
        return "/".join([namespace, *path[0::2]])

    def arm_id(self, values: Inputs, subscription: str) -> str:
        """The id of the resource whose inputs (and name) are ``values``."""
        if self.id_template is None:
            raise ValueError(f"{self.token} is not an Azure Resource Manager resource")
        known = {**values, SUBSCRIPTION: subscription}
        return re.sub(r"\{(\w+)\}", lambda m: str(known[m.group(1)]), self.id_template)

    def kind(self, inputs: Inputs) -> Kind | None:
        """The kind of a resource with ``inputs`` (None: the type has no kinds, or not this)."""
        if self.kind_input is None:
            return None
        value = _at(inputs, self.kind_input)
        return next((k for k in self.kinds if k.value == value), None)

    def creation(self, inputs: Inputs) -> Seconds:
        """How long Azure takes to create a resource with ``inputs``."""
        kind = self.kind(inputs)
        found = kind.created_in if kind else self.created_in
        if found is None:
            raise KeyError(f"no creation time for {self.token} of kind "
                           f"{self.kind_input} = {_at(inputs, self.kind_input or '')!r}")
        return found

    def fixed_of(self, inputs: Inputs) -> tuple[Fixed, ...]:
        """The fixed properties of a resource with (new) ``inputs``."""
        kind = self.kind(inputs)
        return self.fixed + (kind.fixed if kind else ())

    def fills_of(self, inputs: Inputs) -> tuple[Filled, ...]:
        """What Azure fills in for a resource with ``inputs``."""
        kind = self.kind(inputs)
        return self.fills + (kind.fills if kind else ())

    def shown_of(self, inputs: Inputs) -> tuple[Shown, ...]:
        """The settings a resource with ``inputs`` shows."""
        kind = self.kind(inputs)
        return self.shown + (kind.shown if kind else ())

    def requires_of(self, inputs: Inputs) -> Mapping[str, str]:
        """What a resource with ``inputs`` needs first (dependency token -> why)."""
        kind = self.kind(inputs)
        return {**self.requires, **(kind.requires if kind else {})}


def _at(inputs: Inputs, path: str) -> Any:
    value: Any = inputs
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


_TYPES: dict[str, ResourceType] = {}
TYPES: Mapping[str, ResourceType] = MappingProxyType(_TYPES)
"""Every registered type by token (read-only)."""


def register(entry: ResourceType) -> str:
    """Add ``entry`` to the catalog; its token (a module keeps it as a constant)."""
    if entry.token in _TYPES:
        raise ValueError(f"{entry.token} is registered twice: one module owns each type")
    _TYPES[entry.token] = entry
    return entry.token


def register_kind(token: str, kind: Kind) -> None:
    """Add ``kind`` to the registered type ``token``."""
    entry = get(token)
    if any(k.value == kind.value for k in entry.kinds):
        raise ValueError(f"kind {kind.value} of {token} is registered twice")
    _TYPES[token] = replace(entry, kinds=(*entry.kinds, kind))


def require(dependent: str, needs: Mapping[str, str]) -> None:
    """Say that Azure needs a resource of each type of ``needs`` (token -> why) to exist before a
    resource of the registered type ``dependent`` is created."""
    entry = get(dependent)
    _TYPES[dependent] = replace(entry, requires={**entry.requires, **needs})


def get(token: str) -> ResourceType:
    """The registered type ``token``: KeyError, naming it, when no module registered it."""
    entry = _TYPES.get(token)
    if entry is None:
        raise KeyError(f"{token} is not in the catalog: the module that creates it registers it "
                       "(components.catalog.register)")
    return entry


def find(token: str) -> ResourceType | None:
    """The registered type ``token``, or None."""
    return _TYPES.get(token)
