"""The stack's settings: read from Pulumi config, validated in one place, returned as typed values.

Every problem is collected and raised as one :class:`ConfigError` that names each config key, the
value found and what is allowed, before the program registers a single resource. ``ConfigError`` is
a :class:`pulumi.RunError`, so the Pulumi CLI prints the message without a Python traceback.

Defaults live in ``Pulumi.yaml`` (the CLI applies them); the defaults below are the same values, for
programs that read settings without the CLI's help, and a test keeps the two in step.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from components.automation import FederatedCredential
from components.azure.names import RULES, NameRule
from components.azure.resource_ids import parse_resource_id
from components.data import DataUser
from components.endpoint import RESERVED_VARIABLES, deployment_name

from .names import (
    AUTOMATION_PURPOSE,
    REGISTRY_PULL_PURPOSE,
    StackNames,
    cluster_identity_purpose,
    endpoint_identity_purpose,
    instance_identity_purpose,
)


class ConfigError(pulumi.RunError):
    """Stack configuration that the program refuses, with every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid stack configuration:\n  - " + "\n  - ".join(problems))


class IdentityKind(StrEnum):
    """Which kind of managed identity a workload runs as."""

    USER_ASSIGNED = "userAssigned"
    SYSTEM_ASSIGNED = "systemAssigned"


@dataclass(frozen=True)
class ClusterSettings:
    """One AmlCompute cluster."""

    name: str
    vm_size: str = "Standard_DS3_v2"
    vm_priority: str = "Dedicated"
    min_nodes: int = 0
    max_nodes: int = 2
    idle_seconds_before_scale_down: int = 120
    identity: IdentityKind = IdentityKind.USER_ASSIGNED


@dataclass(frozen=True)
class EnvironmentSettings:
    """Where a deployment's environment comes from: a registered one, or an image (+ conda file)."""

    image: str | None = None
    """A base image (with ``conda_file``) or a complete image, e.g. in the stack's registry."""
    conda_file: Path | None = None
    environment_id: str | None = None
    """An environment already registered (``azureml://...``); then nothing is registered."""


@dataclass(frozen=True)
class DeploymentSettings:
    """One managed online deployment of an endpoint."""

    name: str
    model: str
    """A local folder to upload and register, or a registered model's ``azureml://`` URI."""
    code: Path
    environment: EnvironmentSettings
    scoring_script: str = "score.py"
    instance_type: str = "Standard_DS2_v2"
    instance_count: int = 1
    traffic: int = 0
    environment_variables: Mapping[str, str] = field(default_factory=dict)

    @property
    def model_folder(self) -> Path | None:
        """The local model folder, or None for a registered model."""
        return None if self.model.startswith("azureml:") else Path(self.model)


@dataclass(frozen=True)
class EndpointSettings:
    """One managed online endpoint."""

    name: str
    auth_mode: str = "AADToken"
    public_network_access: str = "Enabled"
    identity: IdentityKind = IdentityKind.USER_ASSIGNED
    deployments: tuple[DeploymentSettings, ...] = ()


@dataclass(frozen=True)
class DataStorageSettings:
    """The storage account that training data is read from by identity."""

    existing_id: str | None = None
    """An existing account's resource id; None creates one."""
    container: str = "data"


@dataclass(frozen=True)
class InstanceSettings:
    """A compute instance assigned to one user, running as its own user-assigned identity."""

    name: str
    assigned_user: str
    """Object id of the Entra ID user the instance belongs to."""
    vm_size: str = "Standard_DS11_v2"
    idle_minutes_before_shutdown: int = 60


@dataclass(frozen=True)
class StackSettings:
    """Everything the stack reads from config, validated."""

    environment: str = "dev"
    workload: str = "mlplat"
    location: str = "westeurope"
    resource_group_name: str | None = None
    protect_stateful_resources: bool = False
    storage_sku: str = "Standard_LRS"
    key_vault_purge_protection: bool = False
    key_vault_soft_delete_retention_days: int = 7
    storage_soft_delete_retention_days: int = 7
    registry_sku: str = "Basic"
    existing_registry_id: str | None = None
    workspace_identity: IdentityKind = IdentityKind.USER_ASSIGNED
    workspace_public_network_access: str = "Enabled"
    log_retention_days: int = 30
    compute_clusters: tuple[ClusterSettings, ...] = (ClusterSettings("cpu"),)
    online_endpoints: tuple[EndpointSettings, ...] = ()
    sample_data: bool = False
    workspace_identities: tuple[str, ...] = ("workspace",)
    """Purposes of the workspace's user-assigned identities (``id-<workload>-<env>-<purpose>``)."""
    workspace_primary_identity: str = "workspace"
    private_registry_id: str | None = None
    data_storage: DataStorageSettings | None = None
    data_users: tuple[DataUser, ...] = ()
    compute_instances: tuple[InstanceSettings, ...] = ()
    automation_credentials: tuple[FederatedCredential, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> StackNames:
        """The Azure name of each resource of this stack."""
        return StackNames(self.workload, self.environment)


# Allowed values, each with its source.
STORAGE_SKUS = ("Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS",
                "Standard_GZRS", "Standard_RAGZRS")
"""Workspace default storage must be StorageV2, not Premium (Azure ML concept-workspace docs)."""
REGISTRY_SKUS = ("Basic", "Standard", "Premium")
AUTH_MODES = ("AADToken", "AMLToken", "Key")
"""``EndpointAuthMode`` of the Microsoft.MachineLearningServices API."""
NETWORK_ACCESS = ("Enabled", "Disabled")
VM_PRIORITIES = ("Dedicated", "LowPriority")
IDENTITY_KINDS = tuple(kind.value for kind in IdentityKind)
# ARM tag rules: learn.microsoft.com tag-resources#limitations
_TAG_NAME_FORBIDDEN = set('<>%&\\?/')

KEYS = ("environment", "workload", "location", "resourceGroupName", "protectStatefulResources",
        "storageSku", "storageSoftDeleteRetentionDays", "keyVaultPurgeProtection",
        "keyVaultSoftDeleteRetentionDays", "registrySku", "existingRegistryId", "workspaceIdentity",
        "workspacePublicNetworkAccess", "logRetentionDays", "computeClusters", "onlineEndpoints",
        "sampleData", "workspaceIdentities", "workspacePrimaryIdentity", "privateRegistryId",
        "dataStorage", "dataUsers", "computeInstances", "automationCredentials", "tags")
"""Every project config key the program reads; Pulumi.yaml declares the same set."""

_CLUSTER_KEYS = ("name", "vmSize", "vmPriority", "minNodes", "maxNodes",
                 "idleSecondsBeforeScaleDown", "identity")
_ENDPOINT_KEYS = ("name", "authMode", "publicNetworkAccess", "identity", "deployments")
_DEPLOYMENT_KEYS = ("name", "model", "code", "scoringScript", "environment", "instanceType",
                    "instanceCount", "traffic", "environmentVariables")
_ENVIRONMENT_KEYS = ("image", "condaFile")
_DATA_KEYS = ("create", "existingId", "container")
_PRINCIPAL_KEYS = ("objectId", "type")
_INSTANCE_KEYS = ("name", "vmSize", "assignedUser", "idleMinutesBeforeShutdown")
_CREDENTIAL_KEYS = ("name", "issuer", "subject", "audience")
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PRINCIPAL_TYPES = ("User", "Group")
_IMAGE = r"[a-z0-9][a-z0-9.-]*(:[0-9]+)?(/[a-z0-9._-]+)+(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})"
"""A fully qualified image reference with a tag or digest (registry/repository:tag)."""


class _Reader:
    """Reads raw config strings into typed values, collecting every problem."""

    def __init__(self, namespace: str, raw: Mapping[str, str | None]):
        self.namespace = namespace
        self.raw = raw
        self.problems: list[str] = []

    def key(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    def fail(self, key: str, value: Any, allowed: str) -> None:
        self.problems.append(f"{key} = {value!r} is not allowed: {allowed}")

    def text(self, name: str, default: str, pattern: str, allowed: str) -> str:
        value = self.raw.get(name)
        if value is None:
            return default
        return self.check_text(self.key(name), value, default, pattern, allowed)

    def check_text(self, key: str, value: Any, default: str, pattern: str, allowed: str) -> str:
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            self.fail(key, value, allowed)
            return default
        return value

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        return self.choice_in(self.key(name), self.raw.get(name), default, choices)

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            self.fail(self.key(name), value, "true or false")
            return default
        return value.lower() == "true"

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.raw.get(name)
        if value is None:
            return default
        return self.check_integer(self.key(name), value, default, low, high)

    def check_integer(self, key: str, value: Any, default: int, low: int, high: int) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            number = int(value)
        if number is None or not low <= number <= high:
            self.fail(key, value, f"a whole number from {low} to {high}")
            return default
        return number

    def structured(self, name: str, default: Any, kind: type) -> Any:
        """A JSON value (what Pulumi hands over for a YAML list or object) of type ``kind``."""
        value = self.raw.get(name)
        if value is None:
            return default
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        if not isinstance(parsed, kind):
            self.fail(self.key(name), value, f"a YAML {'list' if kind is list else 'mapping'}")
            return default
        return parsed

    def items(self, name: str, default: tuple[Any, ...], known: tuple[str, ...],
              build: Callable[[str, dict[str, Any]], Any], named: bool = True) -> tuple[Any, ...]:
        """A list of objects, each checked for unknown keys, a name, and a unique name."""
        entries = self.structured(name, None, list)
        if entries is None:
            return default
        return self.entries(self.key(name), entries, known, build, named)

    def entries(self, key: str, entries: Any, known: tuple[str, ...],
                build: Callable[[str, dict[str, Any]], Any], named: bool = True
                ) -> tuple[Any, ...]:
        """``entries`` (found at ``key``) built one by one, with unknown keys and duplicate names
        reported."""
        if not isinstance(entries, list):
            self.fail(key, entries, "a YAML list")
            return ()
        built, seen = [], set()
        for index, entry in enumerate(entries):
            where = f"{key}[{index}]"
            if not self.mapping(where, entry, known):
                continue
            item = build(where, entry)
            field_name, unique = ("name", item.name) if named else ("objectId", item.object_id)
            if unique.lower() in seen:
                self.fail(f"{where}.{field_name}", unique, "a value not used by another entry")
            seen.add(unique.lower())
            built.append(item)
        return tuple(built)

    def mapping(self, key: str, value: Any, known: tuple[str, ...]) -> bool:
        """Whether ``value`` is a mapping; reports it if not, and each key not in ``known``."""
        if not isinstance(value, dict):
            self.fail(key, value, "a mapping with keys " + ", ".join(known))
            return False
        for unknown in sorted(set(value) - set(known)):
            self.fail(f"{key}.{unknown}", value[unknown],
                      "nothing: unknown key; known keys are " + ", ".join(known))
        return True

    def name(self, key: str, value: Any, rule: NameRule) -> str:
        """A workload's name, checked against the Azure rule for its kind."""
        if value is None:
            self.fail(key, value, "a name is required")
        elif not isinstance(value, str):
            self.fail(key, value, f"a string: {rule.allowed}")
        elif rule.problem(value):
            self.fail(key, value, f"{rule.min_length}-{rule.max_length} characters: {rule.allowed}")
        else:
            return value
        return f"invalid{len(self.problems)}"  # a stand-in, unique so no duplicate is reported

    def choice_in(self, key: str, value: Any, default: str, choices: tuple[str, ...]) -> str:
        if value is None:
            return default
        if value not in choices:
            self.fail(key, value, "one of " + ", ".join(choices))
            return default
        return str(value)

    def cluster(self, where: str, entry: dict[str, Any]) -> ClusterSettings:
        d = ClusterSettings(name="")
        min_nodes = self.check_integer(f"{where}.minNodes", entry.get("minNodes", d.min_nodes),
                                       d.min_nodes, 0, 1000)
        max_nodes = self.check_integer(f"{where}.maxNodes", entry.get("maxNodes", d.max_nodes),
                                       d.max_nodes, 1, 1000)
        if max_nodes < min_nodes:
            self.fail(f"{where}.maxNodes", max_nodes, f"at least minNodes ({min_nodes})")
        return ClusterSettings(
            name=self.name(f"{where}.name", entry.get("name"), RULES["compute"]),
            vm_size=self.check_text(f"{where}.vmSize", entry.get("vmSize", d.vm_size), d.vm_size,
                                    r"Standard_[A-Za-z0-9_]+",
                                    "an Azure VM size such as Standard_DS3_v2"),
            vm_priority=self.choice_in(f"{where}.vmPriority", entry.get("vmPriority"),
                                       d.vm_priority, VM_PRIORITIES),
            min_nodes=min_nodes,
            max_nodes=max_nodes,
            idle_seconds_before_scale_down=self.check_integer(
                f"{where}.idleSecondsBeforeScaleDown",
                entry.get("idleSecondsBeforeScaleDown", d.idle_seconds_before_scale_down),
                d.idle_seconds_before_scale_down, 0, 7 * 24 * 3600),
            identity=IdentityKind(self.choice_in(f"{where}.identity", entry.get("identity"),
                                                 d.identity.value, IDENTITY_KINDS)),
        )

    def endpoint(self, where: str, entry: dict[str, Any]) -> EndpointSettings:
        d = EndpointSettings(name="")
        # The Azure name adds the environment and suffix; StackNames.problems checks its length.
        return EndpointSettings(
            name=self.name(f"{where}.name", entry.get("name"), RULES["online endpoint"]),
            auth_mode=self.choice_in(f"{where}.authMode", entry.get("authMode"), d.auth_mode,
                                     AUTH_MODES),
            public_network_access=self.choice_in(f"{where}.publicNetworkAccess",
                                                 entry.get("publicNetworkAccess"),
                                                 d.public_network_access, NETWORK_ACCESS),
            identity=IdentityKind(self.choice_in(f"{where}.identity", entry.get("identity"),
                                                 d.identity.value, IDENTITY_KINDS)),
            deployments=self.deployments(f"{where}.deployments", entry.get("deployments", [])),
        )

    def deployments(self, key: str, entries: Any) -> tuple[DeploymentSettings, ...]:
        """An endpoint's deployments, whose traffic shares must sum to 100 or all be 0."""
        deployments = self.entries(key, entries, _DEPLOYMENT_KEYS, self.deployment)
        shares = [d.traffic for d in deployments]
        if sum(shares) not in (0, 100):
            split = ", ".join(f"{d.name}={d.traffic}" for d in deployments)
            self.fail(key, split, f"traffic shares that sum to 100 (or are all 0); these sum to "
                                  f"{sum(shares)}")
        return deployments

    def deployment(self, where: str, entry: dict[str, Any]) -> DeploymentSettings:
        d = DeploymentSettings(name="", model="", code=Path(), environment=EnvironmentSettings())
        code = self.folder(f"{where}.code", entry.get("code"))
        script = self.check_text(f"{where}.scoringScript",
                                 entry.get("scoringScript", d.scoring_script), d.scoring_script,
                                 r"[\w.-]+(/[\w.-]+)*\.py", "a .py path inside the code folder")
        if code and not (code / script).is_file():
            self.fail(f"{where}.scoringScript", script, f"a file that exists in {code.as_posix()}")
        model = entry.get("model")
        if not (isinstance(model, str) and model.startswith("azureml://")):
            model = self.folder(f"{where}.model", model, "or a registered model's azureml:// URI")
        deployment = DeploymentSettings(
            name=self.name(f"{where}.name", entry.get("name"), RULES["online deployment"]),
            model=str(model or ""),
            code=code or Path(),
            scoring_script=script,
            environment=self.environment(f"{where}.environment", entry.get("environment")),
            instance_type=self.check_text(f"{where}.instanceType",
                                          entry.get("instanceType", d.instance_type),
                                          d.instance_type, r"Standard_[A-Za-z0-9_]+",
                                          "an Azure VM size such as Standard_DS2_v2"),
            instance_count=self.check_integer(f"{where}.instanceCount",
                                              entry.get("instanceCount", d.instance_count),
                                              d.instance_count, 1, 100),
            traffic=self.check_integer(f"{where}.traffic", entry.get("traffic", d.traffic),
                                       d.traffic, 0, 100),
            environment_variables=self.variables(f"{where}.environmentVariables",
                                                 entry.get("environmentVariables", {})),
        )
        rule = RULES["online deployment"]
        if not rule.problem(str(entry.get("name"))):  # its Azure name adds the instance type
            problem = rule.problem(deployment_name(deployment.name, deployment.instance_type))
            if problem:
                self.fail(f"{where}.name", deployment.name,
                          f"a shorter name: its Azure name carries the instance type ({problem})")
        return deployment

    def folder(self, key: str, value: Any, alternative: str = "") -> Path | None:
        """A folder that holds files; a relative path is the project directory's."""
        allowed = " ".join(filter(None, ["a folder of the project that holds files", alternative]))
        if not isinstance(value, str) or not value:
            self.fail(key, value, allowed)
            return None
        path = Path(value)
        if not path.is_dir() or not any(p.is_file() for p in path.rglob("*")):
            self.fail(key, value, allowed + f"; {path.resolve()} is not such a folder")
            return None
        return path

    def environment(self, key: str, value: Any) -> EnvironmentSettings:
        if isinstance(value, str) and value.startswith("azureml:"):
            return EnvironmentSettings(environment_id=value)
        if value is None or not self.mapping(key, value, _ENVIRONMENT_KEYS):
            if value is None:
                self.fail(key, value, "a mapping with image (and optionally condaFile), or a "
                                      "registered environment's azureml:// id")
            return EnvironmentSettings()
        image = self.check_text(f"{key}.image", value.get("image"), "", _IMAGE,
                                "an image reference with registry and tag or digest, e.g. "
                                "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1")
        conda = value.get("condaFile")
        if conda is not None and not (isinstance(conda, str) and Path(conda).is_file()):
            self.fail(f"{key}.condaFile", conda, "a conda YAML file of the project, relative to "
                                                 "the project directory")
            conda = None
        return EnvironmentSettings(image=image or None, conda_file=Path(conda) if conda else None)

    def variables(self, key: str, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            self.fail(key, value, "a mapping of variable names to string values")
            return {}
        for name, text in value.items():
            if name in RESERVED_VARIABLES:
                self.fail(f"{key}.{name}", text, "nothing: the stack sets " + ", ".join(
                    RESERVED_VARIABLES) + " itself")
            elif not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                self.fail(f"{key}.{name}", name, "a variable name of letters, digits and '_'")
            if not isinstance(text, str):
                self.fail(f"{key}.{name}", text, "a string (quote numbers and booleans)")
        return {str(k): str(v) for k, v in value.items()}

    def object_id(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(_GUID, value):
            self.fail(key, value, "an Entra ID object id (a GUID such as "
                                  "00000000-0000-0000-0000-000000000000)")
            return ""
        return value.lower()

    def principal(self, where: str, entry: dict[str, Any]) -> DataUser:
        return DataUser(
            object_id=self.object_id(f"{where}.objectId", entry.get("objectId")),
            type=self.choice_in(f"{where}.type", entry.get("type"), "Group", PRINCIPAL_TYPES))

    def instance(self, where: str, entry: dict[str, Any]) -> InstanceSettings:
        d = InstanceSettings(name="", assigned_user="")
        return InstanceSettings(
            name=self.name(f"{where}.name", entry.get("name"), RULES["compute instance"]),
            assigned_user=self.object_id(f"{where}.assignedUser", entry.get("assignedUser")),
            vm_size=self.check_text(f"{where}.vmSize", entry.get("vmSize", d.vm_size), d.vm_size,
                                    r"Standard_[A-Za-z0-9_]+",
                                    "an Azure VM size such as Standard_DS11_v2"),
            # "Minimum is 15 min, maximum is 3 days" (ComputeInstanceProperties, REST spec)
            idle_minutes_before_shutdown=self.check_integer(
                f"{where}.idleMinutesBeforeShutdown",
                entry.get("idleMinutesBeforeShutdown", d.idle_minutes_before_shutdown),
                d.idle_minutes_before_shutdown, 15, 3 * 24 * 60))

    def credential(self, where: str, entry: dict[str, Any]) -> FederatedCredential:
        # Entra ID limits: name 3-120 URL-friendly characters, issuer and subject up to 600
        # characters without wildcards (workload-identity-federation-considerations).
        d = FederatedCredential(name="", issuer="", subject="")
        return FederatedCredential(
            name=self.name(f"{where}.name", entry.get("name"), RULES["federated credential"]),
            issuer=self.check_text(f"{where}.issuer", entry.get("issuer"), "",
                                   r"https://[^\s*]{1,592}",
                                   "the issuer's https URL, e.g. "
                                   "https://token.actions.githubusercontent.com"),
            subject=self.check_text(f"{where}.subject", entry.get("subject"), "", r"[^\s*]{1,600}",
                                    "the token's subject claim without spaces or wildcards, e.g. "
                                    "repo:<org>/<repo>:environment:prod"),
            audience=self.check_text(f"{where}.audience", entry.get("audience", d.audience),
                                     d.audience, r"[^\s*]{1,600}", "one audience value"))

    def data_storage(self) -> DataStorageSettings | None:
        value = self.structured("dataStorage", {}, dict)
        if not value or not self.mapping(self.key("dataStorage"), value, _DATA_KEYS):
            return None
        key = self.key("dataStorage")
        create = value.get("create", False)
        if create not in (True, False):
            self.fail(f"{key}.create", create, "true or false")
        existing = value.get("existingId")
        if existing is not None:
            existing = self.check_resource_id(f"{key}.existingId", existing,
                                              "Microsoft.Storage/storageAccounts",
                                              RULES["storage account"])
        if bool(create) == (existing is not None):
            self.fail(key, value, "either create: true or existingId: <storage account id>")
            return None
        # Container names: 3-63 lowercase letters, digits and single hyphens (storage docs).
        container = self.check_text(f"{key}.container", value.get("container", "data"), "data",
                                    r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]",
                                    "3-63 lowercase letters, digits and single hyphens")
        return DataStorageSettings(existing_id=existing, container=container)

    def identity_purposes(self) -> tuple[tuple[str, ...], str]:
        """The workspace's user-assigned identities, and which one is primary."""
        d = StackSettings()
        key = self.key("workspaceIdentities")
        purposes = self.structured("workspaceIdentities", list(d.workspace_identities), list)
        valid = []
        for i, purpose in enumerate(purposes):
            if not isinstance(purpose, str) or not re.fullmatch(r"[a-z][a-z0-9-]{0,39}", purpose):
                self.fail(f"{key}[{i}]", purpose,
                          "an identity purpose: 1-40 lowercase letters, digits and hyphens")
            elif purpose in valid:
                self.fail(f"{key}[{i}]", purpose, "a purpose not listed twice")
            else:
                valid.append(purpose)
        if not purposes:
            self.fail(key, purposes, "at least one identity purpose")
        primary = self.raw.get("workspacePrimaryIdentity") or (valid[0] if valid else "workspace")
        if valid and primary not in valid:
            self.fail(self.key("workspacePrimaryIdentity"), primary,
                      "one of workspaceIdentities: " + ", ".join(valid))
        return tuple(valid) or d.workspace_identities, primary

    def resource_id(self, name: str, provider_type: str, rule: NameRule) -> str | None:
        """An existing resource's id: ``provider_type``'s shape, and a name Azure accepts."""
        value = self.raw.get(name)
        if value is None:
            return None
        return self.check_resource_id(self.key(name), value, provider_type, rule)

    def check_resource_id(self, key: str, value: Any, provider_type: str,
                          rule: NameRule) -> str | None:
        if not isinstance(value, str):
            self.fail(key, value, f"a {rule.kind} resource id")
            return None
        try:
            problem = rule.problem(parse_resource_id(value, provider_type).name)
        except ValueError as error:
            problem = str(error)
        if problem:
            self.fail(key, value, f"a {rule.kind} resource id ({problem})")
            return None
        return value

    def tags(self) -> dict[str, str]:
        tags = self.structured("tags", {}, dict)
        for name, value in tags.items():
            if len(name) > 512 or set(name) & _TAG_NAME_FORBIDDEN or not name:
                self.fail(f"{self.key('tags')}.{name}", name,
                          "a tag name of 1-512 characters without < > % & \\ ? /")
            if not isinstance(value, str) or len(value) > 256:
                self.fail(f"{self.key('tags')}.{name}", value, "a string of at most 256 characters")
        return {str(k): str(v) for k, v in tags.items()}


def parse_settings(namespace: str, raw: Mapping[str, str | None]) -> StackSettings:
    """Validate raw config values (strings, as Pulumi hands them over; None when unset).

    ``namespace`` is the project name that prefixes each key in messages.
    Raises :class:`ConfigError` listing every problem.
    """
    r = _Reader(namespace, {k: v for k, v in raw.items() if v not in (None, "")})
    d = StackSettings()
    group = r.raw.get("resourceGroupName")
    if group is not None:
        r.name(r.key("resourceGroupName"), group, RULES["resource group"])
    identities, primary = r.identity_purposes()
    settings = StackSettings(
        environment=r.text("environment", d.environment, r"[a-z][a-z0-9]{1,7}",
                           "2-8 lowercase letters and digits, starting with a letter"),
        workload=r.text("workload", d.workload, r"[a-z][a-z0-9]{1,9}",
                        "2-10 lowercase letters and digits, starting with a letter"),
        location=r.text("location", d.location, r"[a-z][a-z0-9]{2,}",
                        "an Azure region name such as westeurope (az account list-locations)"),
        resource_group_name=group,
        protect_stateful_resources=r.boolean("protectStatefulResources",
                                             d.protect_stateful_resources),
        storage_sku=r.choice("storageSku", d.storage_sku, STORAGE_SKUS),
        key_vault_purge_protection=r.boolean("keyVaultPurgeProtection",
                                             d.key_vault_purge_protection),
        key_vault_soft_delete_retention_days=r.integer(
            "keyVaultSoftDeleteRetentionDays", d.key_vault_soft_delete_retention_days, 7, 90),
        storage_soft_delete_retention_days=r.integer(
            "storageSoftDeleteRetentionDays", d.storage_soft_delete_retention_days, 1, 365),
        registry_sku=r.choice("registrySku", d.registry_sku, REGISTRY_SKUS),
        existing_registry_id=r.resource_id("existingRegistryId",
                                           "Microsoft.ContainerRegistry/registries",
                                           RULES["container registry"]),
        workspace_identity=IdentityKind(r.choice("workspaceIdentity", d.workspace_identity.value,
                                                 IDENTITY_KINDS)),
        workspace_public_network_access=r.choice("workspacePublicNetworkAccess",
                                                 d.workspace_public_network_access, NETWORK_ACCESS),
        log_retention_days=r.integer("logRetentionDays", d.log_retention_days, 30, 730),
        compute_clusters=r.items("computeClusters", d.compute_clusters, _CLUSTER_KEYS, r.cluster),
        online_endpoints=r.items("onlineEndpoints", d.online_endpoints, _ENDPOINT_KEYS, r.endpoint),
        sample_data=r.boolean("sampleData", d.sample_data),
        workspace_identities=identities,
        workspace_primary_identity=primary,
        private_registry_id=r.resource_id("privateRegistryId",
                                          "Microsoft.ContainerRegistry/registries",
                                          RULES["container registry"]),
        data_storage=r.data_storage(),
        data_users=r.items("dataUsers", d.data_users, _PRINCIPAL_KEYS, r.principal, named=False),
        compute_instances=r.items("computeInstances", d.compute_instances, _INSTANCE_KEYS,
                                  r.instance),
        automation_credentials=r.items("automationCredentials", d.automation_credentials,
                                       _CREDENTIAL_KEYS, r.credential),
        tags=r.tags(),
    )
    if settings.data_users and settings.data_storage is None:
        r.fail(r.key("dataUsers"), [u.object_id for u in settings.data_users],
               "nothing unless dataStorage is on (create: true or existingId)")
    if len(settings.automation_credentials) > 20:  # Entra ID: at most 20 per identity
        r.fail(r.key("automationCredentials"), f"{len(settings.automation_credentials)} entries",
               "at most 20 federated credentials")
    if settings.workspace_identity is IdentityKind.SYSTEM_ASSIGNED and \
            settings.workspace_identities != d.workspace_identities:
        r.fail(r.key("workspaceIdentities"), list(settings.workspace_identities),
               "the default unless workspaceIdentity is userAssigned")
    if not r.problems:  # the names derived from valid tokens must also fit Azure's rules
        names = settings.names
        r.problems += [f"{r.key('workload')}/{r.key('environment')}: {p}" for p in names.problems()]
        named: list[tuple[str, list[str], Callable[[str], list[str]]]] = [
            ("computeClusters", [c.name for c in settings.compute_clusters],
             names.cluster_problems),
            ("onlineEndpoints", [e.name for e in settings.online_endpoints],
             names.endpoint_problems),
            ("computeInstances", [i.name for i in settings.compute_instances],
             names.instance_problems)]
        for key, entries, check in named:
            r.problems += [f"{r.key(key)}[{i}].name: {p} (shorten the name)"
                           for i, entry in enumerate(entries) for p in check(entry)]
        r.problems += [f"{r.key('workspaceIdentities')}[{i}]: {p} (shorten it)"
                       for i, purpose in enumerate(settings.workspace_identities)
                       for p in names.identity_problems(purpose)]
        if settings.data_storage and not settings.data_storage.existing_id:
            r.problems += [f"{r.key('dataStorage')}: {p}" for p in names.data_storage_problems()]
        r.problems += _purpose_clashes(r, settings)
    if r.problems:
        raise ConfigError(r.problems)
    return settings


def identity_purposes(settings: StackSettings) -> list[tuple[str, str]]:
    """Every user-assigned identity the stack creates, as (purpose, config key it comes from)."""
    purposes: list[tuple[str, str]] = []
    if settings.workspace_identity is IdentityKind.USER_ASSIGNED:
        purposes += [(p, "workspaceIdentities") for p in settings.workspace_identities]
    purposes += [(cluster_identity_purpose(c.name), "computeClusters")
                 for c in settings.compute_clusters if c.identity is IdentityKind.USER_ASSIGNED]
    purposes += [(endpoint_identity_purpose(e.name), "onlineEndpoints")
                 for e in settings.online_endpoints if e.identity is IdentityKind.USER_ASSIGNED]
    purposes += [(instance_identity_purpose(i.name), "computeInstances")
                 for i in settings.compute_instances]
    if settings.private_registry_id:
        purposes.append((REGISTRY_PULL_PURPOSE, "privateRegistryId"))
    if settings.automation_credentials:
        purposes.append((AUTOMATION_PURPOSE, "automationCredentials"))
    return purposes


def _purpose_clashes(r: _Reader, settings: StackSettings) -> list[str]:
    """Two identities of one stack that would get the same Azure name."""
    first: dict[str, str] = {}
    problems = []
    for purpose, key in identity_purposes(settings):
        if purpose in first:
            problems.append(f"{r.key(key)}: its identity {purpose!r} would be the same as one of "
                            f"{r.key(first[purpose])}; rename one of them")
        first.setdefault(purpose, key)
    return problems


def unknown_keys(namespace: str, configured: list[str]) -> list[str]:
    """Problems for keys of ``namespace`` that the program does not read (likely typos)."""
    problems = []
    for full_key in sorted(configured):
        prefix, _, key = full_key.partition(":")
        if prefix == namespace and key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean {namespace}:{close[0]}?" if close else "see Pulumi.yaml"
            problems.append(f"{full_key} is not a setting of this stack; {hint}")
    return problems


def load_settings(config: pulumi.Config | None = None) -> StackSettings:
    """Read and validate the current stack's settings from Pulumi config."""
    config = config or pulumi.Config()
    namespace = config.name
    configured = [*runtime_config.CONFIG.get(), *runtime_config.get_config_env()]
    problems = unknown_keys(namespace, configured)
    try:
        settings = parse_settings(namespace, {key: config.get(key) for key in KEYS})
    except ConfigError as error:
        problems = error.problems + problems
    if problems:
        raise ConfigError(problems)
    return settings
