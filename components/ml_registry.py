"""Azure Machine Learning registry: models, environments and components that many workspaces
share, and who may publish into it or use what it holds.

A registry (``Microsoft.MachineLearningServices/registries``) holds assets that are "workspace
agnostic": a model registered in a ``dev`` workspace is shared into the registry and deployed,
the same version, from a ``prod`` workspace (how-to-share-models-pipelines-across-workspaces-with-
registries, "Cross-workspace MLOps"). Creating one provisions "Azure blob storage accounts in each
supported region" and "a single Azure Container Registry with replication enabled to each
supported region" in a managed resource group ``azureml-rg-<name>_<guid>``; existing storage or
registries cannot be used instead (how-to-manage-registries; ``az ml registry create``). The
component sends what Microsoft's REST sample sends: a system-assigned identity, and in each region
a system-created storage account and a Premium container registry (the SKU that replicates), with
public blob access off and the hierarchical namespace off (blob storage, as the docs' YAML
sample). The primary region is fixed at creation; "the other regions can be updated at a later
point" (how-to-manage-registries): here regions are added, never changed (the catalog says so).

Who may do what (each grant cites its page, :mod:`components.azure.sources`):

* publishers create assets: AzureML Registry User, which "can get registries, and read, write and
  delete assets within them" and cannot create or delete registries (how-to-assign-roles); the
  identity that creates assets "must be assigned the AzureML Registry User, owner, or contributor
  role" (how-to-registry-network-isolation);
* consumers use assets: Reader ("To let a user only read assets, you can grant the user the
  built-in Reader role", how-to-manage-registries). Microsoft names no role for the identity of an
  endpoint or cluster that runs a registry model or environment; Reader, the role for using
  assets, is what the component grants (``workload_consumers``), cited as at risk.

A registry shared by environments belongs to a stack of its own; the stacks that use it take it
by resource id (``existing_id``: nothing is created, the grants are made on it). Asset ids name
the registry: ``azureml://registries/<registry>/models/<name>/versions/<version>`` and
``.../environments/<name>/versions/<version>`` (:func:`registry_asset_problem`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pydantic import InstanceOf, StrictBool

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, Grant, Principal, grant
from .arguments import (
    MISSING,
    Arguments,
    NetworkAccess,
    Problem,
    StrInput,
    azure_name,
    region_problems,
    resource_id,
)
from .azure import sources
from .azure.names import RULES
from .azure.resource_ids import parse_resource_id
from .catalog import AT_RISK, Fixed, Inputs, Seconds, Shown

ML_REGISTRY_TYPE = "Microsoft.MachineLearningServices/registries"
PUBLISHER_ROLE = "AzureML Registry User"
CONSUMER_ROLE = "Reader"
SUBRESOURCE = "amlregistry"
"""The private link group of a registry (azure-docs private-link/private-endpoint-dns: "Azure
Machine Learning registry (Microsoft.MachineLearningServices/registries) | amlregistry")."""
REGISTRY_ID_OUTPUT = "registryId"
"""The stack output a registry's own stack exports its id as (:meth:`MlRegistry.exports`), which
the stacks that use the registry read through a stack reference."""
ACR_SKU = "Premium"
"""The SKU of the registry's container registry: the one with geo-replication, which a registry
replicates to each of its regions (how-to-manage-registries; the REST sample sends Premium)."""


FILLED = tuple(f"regionDetails[*].{path}" for path in (
    "storageAccountDetails[*].systemCreatedStorageAccount.armResourceId",
    "storageAccountDetails[*].systemCreatedStorageAccount.storageAccountName",
    "acrDetails[*].systemCreatedAcrAccount.armResourceId",
    "acrDetails[*].systemCreatedAcrAccount.acrAccountName"))
"""What Azure fills in each region of a registry it creates (REST spec ``armResourceId``: "This is
populated once the storage account is created", and the names it draws), which a refresh copies
into the state's inputs (azure-native ``Read``): the registry ignores changes to them, so the
state's values are sent again (an added region has none: pulumi/pulumi#20278)."""


def _chosen(region: Any) -> Any:
    """A region as the program sets it, without what Azure fills (:data:`FILLED`)."""
    if not isinstance(region, Mapping):
        return region
    def account(details: Any, kind: str, filled: tuple[str, ...]) -> list[Any]:
        return [{k: v for k, v in (d.get(kind) or {}).items() if k not in filled}
                for d in details or () if isinstance(d, Mapping)]
    return (region.get("location"),
            account(region.get("storageAccountDetails"), "systemCreatedStorageAccount",
                    ("armResourceId", "storageAccountName")),
            account(region.get("acrDetails"), "systemCreatedAcrAccount",
                    ("armResourceId", "acrAccountName")))


def _region_changed(old: Inputs, new: Inputs) -> bool:
    """Whether a change of ``regionDetails`` does more than add regions: Microsoft documents adding
    regions after creation, nothing else (what Azure fills aside)."""
    before = [_chosen(r) for r in old.get("regionDetails") or []]
    after_ = [_chosen(r) for r in new.get("regionDetails") or []]
    return after_[:len(before)] != before


ML_REGISTRY = catalog.register(catalog.ResourceType(
    "azure-native:machinelearningservices:Registry", "ml registry",
    created_in=Seconds(300, catalog.ESTIMATE + " (a storage account and a container registry "
                                               "per region)"),
    id_template=catalog.in_group(ML_REGISTRY_TYPE + "/{registryName}"), name="registryName",
    name_rule=RULES["ml registry"], stateful=True, replaced_on=("location",),
    fixed=(Fixed("regionDetails", AT_RISK,
                 "Microsoft documents adding regions to a registry after creation, not removing "
                 "one or changing a region's storage or container registry",
                 "MicrosoftDocs/azure-ai-docs how-to-manage-registries.md (\"The primary region "
                 "can't be changed after registry creation, but the other regions can be updated "
                 "at a later point\")", applies=_region_changed, unless=FILLED),),
    shown=(Shown("public network", "publicNetworkAccess", "Enabled"),
           Shown("storage", "regionDetails.0.storageAccountDetails.0.systemCreatedStorageAccount"
                            ".storageAccountType"),
           Shown("public blob access", "regionDetails.0.storageAccountDetails.0."
                                       "systemCreatedStorageAccount.allowBlobPublicAccess"),
           Shown("container registry", "regionDetails.0.acrDetails.0.systemCreatedAcrAccount."
                                       "acrAccountSku")),
    # who read or wrote which asset and version, as which identity (data plane)
    logs=catalog.Logs(("RegistryAssetReadEvent", "RegistryAssetWriteEvent"),
                      catalog.SUPPORTED_LOGS + "microsoft-machinelearningservices-registries-"
                      "logs")))
catalog.require(ROLE_ASSIGNMENT, {ML_REGISTRY: PRINCIPAL_OR_SCOPE})

StorageAccountType = Literal["Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS",
                             "Standard_GZRS", "Standard_RAGZRS", "Premium_LRS", "Premium_ZRS"]
"""The storage SKUs a registry's system-created storage takes (REST spec
``SystemCreatedStorageAccount.storageAccountType``)."""
EXISTING_ML_REGISTRY = resource_id(ML_REGISTRY_TYPE, "ml registry")
"""The id of an existing Azure ML registry."""

_ASSET = re.compile(r"azureml://registries/(?P<registry>[^/]+)/(?P<kind>[^/]+)/(?P<name>[^/]+)"
                    r"/versions/(?P<version>[^/]+)")
_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}")
"""An asset name in a registry (curated environments carry dots: ``sklearn-1.5``)."""
_VERSION = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]{0,29}")
"""An asset version: what Azure ML's version strings look like (``1``, ``2024.06.1``)."""
ASSET_ALLOWED = ("azureml://registries/<registry>/{kind}/<name>/versions/<version>, e.g. "
                 "azureml://registries/mlreg-shared/{kind}/score/versions/3 "
                 "(how-to-share-models-pipelines-across-workspaces-with-registries)")


def asset_uri_prefix(registry_name: str) -> str:
    """What every asset id of registry ``registry_name`` starts with."""
    return f"azureml://registries/{registry_name}"


def registry_of(asset_id: str) -> str | None:
    """The registry an ``azureml://registries/...`` asset id names (None for another id)."""
    match = _ASSET.fullmatch(asset_id)
    return match["registry"] if match else None


def registry_asset_problem(asset_id: str, kind: str) -> str | None:
    """What is wrong with ``asset_id`` as a registry asset of ``kind`` (``models`` or
    ``environments``), in words; None when it is right."""
    allowed = ASSET_ALLOWED.format(kind=kind)
    match = _ASSET.fullmatch(asset_id)
    if match is None:
        return f"a registry {kind[:-1]} id: {allowed}"
    wrong = [why for ok, why in (
        (not RULES["ml registry"].problem(match["registry"]), "its registry is not a registry "
                                                              "name"),
        (match["kind"] == kind, f"it names {match['kind']}, not {kind}"),
        (bool(_NAME.fullmatch(match["name"])), "its name is not an asset name"),
        (bool(_VERSION.fullmatch(match["version"])), "its version is not a version")) if not ok]
    return f"a registry {kind[:-1]} id ({'; '.join(wrong)}): {allowed}" if wrong else None


class MlRegistrySpec(Arguments):
    """A registry to create (``registry_name``, with its regions) or an existing one
    (``existing_id``)."""

    registry_name: Annotated[StrInput | None, azure_name("ml registry")] = None
    """Azure name, unique in the Entra tenant and part of every asset id (fixed once created);
    required unless ``existing_id``."""
    existing_id: Annotated[StrInput | None, EXISTING_ML_REGISTRY] = None
    """Resource id of a registry to use instead of creating one (another stack's): only the
    grants are made."""
    resource_group_name: Annotated[StrInput | None, azure_name("resource group")] = None
    """Resource group of a registry to create."""
    location: StrInput | None = None
    """Primary region of a registry to create (fixed at creation); workspaces that use the
    registry must be in one of its regions."""
    replication_locations: tuple[str, ...] = ()
    """More regions the registry replicates its assets to (regions can be added later)."""
    allow_unlisted_location: StrictBool = False
    """Take regions this package does not list yet (newer than its list)."""
    storage_account_type: StorageAccountType = "Standard_LRS"
    """Storage SKU of the system-created storage account of each region."""
    public_network_access: NetworkAccess = "Enabled"
    """Disabled: reached through private endpoints only (a workspace's managed network makes one;
    clients connect through a network that has one)."""
    protect: StrictBool = False
    """Protect the created registry from deletion by Pulumi, and keep it in Azure if it is
    removed from the program."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        if self.existing_id is not None:
            made = ("registry_name", "resource_group_name", "location", "replication_locations",
                    "storage_account_type", "public_network_access", "protect", "tags")
            return [Problem((field,), getattr(self, field), "nothing: an existing registry is "
                            "used as it is", when="with {existing_id}")
                    for field in made if field in self.model_fields_set]
        found = []
        if self.registry_name is None:
            found.append(Problem(("registry_name",), MISSING, "a registry to create, or "
                                 "{existing_id} (the resource id of one to use)"))
        for field in ("resource_group_name", "location"):
            if getattr(self, field) is None:
                found.append(Problem((field,), MISSING, "where the registry is created (unless "
                                     "{existing_id} names one to use)"))
        found += region_problems(("location",), self.location, self.allow_unlisted_location)
        seen = {self.location} if isinstance(self.location, str) else set()
        for i, region in enumerate(self.replication_locations):
            found += region_problems(("replication_locations", i), region,
                                     self.allow_unlisted_location)
            if region in seen:
                found.append(Problem(("replication_locations", i), region, "a region not listed "
                                     "already (the primary location is always one)"))
            seen.add(region)
        return found


class MlRegistryArgs(MlRegistrySpec):
    """Arguments of :class:`MlRegistry`: the registry, and who publishes into it or uses it."""

    publishers: Mapping[str, InstanceOf[Principal]] = {}
    """Who creates assets in the registry (AzureML Registry User), by a short name."""
    consumers: Mapping[str, InstanceOf[Principal]] = {}
    """People and groups who use its assets (Reader), by a short name."""
    workload_consumers: Mapping[str, InstanceOf[Principal]] = {}
    """Endpoint and cluster identities that run its assets (Reader, at risk: Microsoft names no
    role for them), by a short name."""

    def cross_checks(self) -> list[Problem]:
        found = super().cross_checks()
        seen: dict[str, str] = {}
        for field in ("publishers", "consumers", "workload_consumers"):
            for short in getattr(self, field):
                if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", short):
                    found.append(Problem((field, short), short, "a short name of lowercase "
                                         "letters, digits and hyphens (it names the role "
                                         "assignment in Pulumi)"))
                elif short in seen:
                    found.append(Problem((field, short), short, "a short name not used in "
                                         f"{{{seen[short]}}} already"))
                seen.setdefault(short, field)
        return found


class MlRegistry(pulumi.ComponentResource):
    """An Azure ML registry (created, or an existing one by id) and the roles of those who
    publish into it and use it."""

    id: pulumi.Output[str]
    """Resource id of the registry."""
    name: pulumi.Output[str]
    """Azure name of the registry (what asset ids name)."""
    asset_uri_prefix: pulumi.Output[str]
    """``azureml://registries/<name>``: what the ids of its models and environments start with."""
    grants: list[Grant]
    """The roles this component grants on the registry."""

    def __init__(self, name: str, args: MlRegistryArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:ml_registry:MlRegistry", name, {}, opts)
        if args.existing_id is not None:
            self.id = pulumi.Output.from_input(args.existing_id)
            self.name = self.id.apply(lambda rid: parse_resource_id(rid, ML_REGISTRY_TYPE).name)
        else:
            registry = self._create(name, args)
            self.id, self.name = registry.id, registry.name
        self.asset_uri_prefix = self.name.apply(asset_uri_prefix)
        roles = ((args.publishers, PUBLISHER_ROLE, sources.REGISTRY_PUBLISHER),
                 (args.consumers, CONSUMER_ROLE, sources.REGISTRY_CONSUMER),
                 (args.workload_consumers, CONSUMER_ROLE, sources.REGISTRY_WORKLOAD))
        self.grants = [grant(self, f"{name}-{short}", principal, role, self.id, source)
                       for who, role, source in roles for short, principal in who.items()]
        self.register_outputs({"id": self.id, "name": self.name,
                               "asset_uri_prefix": self.asset_uri_prefix})

    def exports(self) -> dict[str, pulumi.Output[str]]:
        """What the registry's own stack exports for the stacks that use it: ``registryId`` (what
        they read through a stack reference), ``registryName`` and ``assetUriPrefix``."""
        return {REGISTRY_ID_OUTPUT: self.id, "registryName": self.name,
                "assetUriPrefix": self.asset_uri_prefix}

    def _create(self, name: str, args: MlRegistryArgs) -> ml.Registry:
        regions: list[Any] = [args.location, *args.replication_locations]
        return ml.Registry(
            name,
            registry_name=args.registry_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            identity=ml.ManagedServiceIdentityArgs(
                type=ml.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
            public_network_access=args.public_network_access,
            region_details=[ml.RegistryRegionArmDetailsArgs(
                location=region,
                storage_account_details=[ml.StorageAccountDetailsArgs(
                    system_created_storage_account=ml.SystemCreatedStorageAccountArgs(
                        storage_account_type=args.storage_account_type,
                        storage_account_hns_enabled=False, allow_blob_public_access=False))],
                acr_details=[ml.AcrDetailsArgs(
                    system_created_acr_account=ml.SystemCreatedAcrAccountArgs(
                        acr_account_sku=ACR_SKU))]) for region in regions],
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect,
                                        retain_on_delete=args.protect,
                                        ignore_changes=list(FILLED)),
        )
