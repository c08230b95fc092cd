"""Mandatory policies for every posture rule the ml-platform stack follows.

Each policy reads the resource's inputs (camelCase, as the engine sees them) and reports what is
wrong and how to fix it. pulumi-policy hands the inputs over as read-only views: objects are
``Mapping``s and arrays ``Sequence``s, never ``dict`` or ``list`` (``pulumi_policy/proxy.py``), so
a policy tests for those. Reading a value that is unknown during a preview raises
pulumi-policy's ``UnknownValueError``, which it reports as an advisory "can't run during preview";
so each policy reads only what its verdict needs, in an order that leaves unknown values alone
when the known ones already decide (a role assignment's scope is read only for a privileged
role), and runs in full at ``pulumi up``, when every input is known.

Kept free of imports from the project so the pack works from any stack: the types it checks come
from ``catalog.json`` beside it, which ``python -m offline.policy_catalog`` writes from the
project's catalog of resource types (a test fails while it is stale).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

CATALOG = json.loads((Path(__file__).parent / "catalog.json").read_text())
TYPES: dict[str, str] = CATALOG["types"]
"""Pulumi type token by what the preview calls the type."""
REGISTRY = TYPES["container registry"]
VAULT = TYPES["key vault"]
STORAGE = TYPES["storage account"]
COMPUTE = TYPES["compute cluster"]
ENDPOINT = TYPES["online endpoint"]
BATCH_ENDPOINT = TYPES["batch endpoint"]
BATCH_DEPLOYMENT = TYPES["batch deployment"]
WORKSPACE = TYPES["ml workspace"]
ROLE_ASSIGNMENT = TYPES["role assignment"]
GROUP = TYPES["resource group"]
ML_REGISTRY = TYPES["ml registry"]
STATEFUL: tuple[str, ...] = tuple(CATALOG["stateful"])
"""The types that hold data a replacement or a delete loses."""
LOGS: dict[str, list[str]] = CATALOG["logs"]
"""The resource log categories of each type that has some (Azure Monitor's supported logs)."""
DIAGNOSTIC_SETTING = TYPES["diagnostic setting"]

# Owner, Contributor, User Access Administrator (Azure built-in roles; the same GUIDs as
# components/roles.py, a test keeps them in step).
PRIVILEGED_ROLE_GUIDS = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}
_BROAD_SCOPE = re.compile(r"/subscriptions/[^/]+(/resourceGroups/[^/]+)?/?", re.IGNORECASE)
# Key Vault Secrets User and Secrets Officer (built-in roles): reading secrets.
SECRET_READER_GUIDS = {"4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
                       "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer"}
_WHOLE_VAULT = re.compile(r".*/providers/Microsoft\.KeyVault/vaults/[^/]+/?", re.IGNORECASE)

Props = Mapping[str, Any]
"""A resource's inputs as pulumi-policy hands them over."""
Check = Callable[[Props, ResourceValidationArgs], str | None]


def _policy(name: str, description: str, types: tuple[str, ...], check: Check,
            config_schema: PolicyConfigSchema | None = None) -> ResourceValidationPolicy:
    """A mandatory policy that runs ``check`` on resources of ``types`` and reports its answer."""
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type in types:
            problem = check(args.props, args)
            if problem:
                report(problem, None)
    return ResourceValidationPolicy(name=name, description=description, validate=validate,
                                    enforcement_level=EnforcementLevel.MANDATORY,
                                    config_schema=config_schema)


def _get(props: Any, *path: str) -> Any:
    """The value at ``path`` in nested mappings, or None where one is missing or not a mapping."""
    for key in path:
        props = props.get(key) if isinstance(props, Mapping) else None
    return props


def _role(props: Props, roles: dict[str, str]) -> str | None:
    """The name of the role among ``roles`` that a role assignment grants, if any."""
    return roles.get(str(props.get("roleDefinitionId", "")).rsplit("/", 1)[-1])


def _privileged_broad(props: Props, _: ResourceValidationArgs) -> str | None:
    role = _role(props, PRIVILEGED_ROLE_GUIDS)
    if not role or props.get("principalType") != "ServicePrincipal":
        return None
    scope = props.get("scope")
    if isinstance(scope, str) and _BROAD_SCOPE.fullmatch(scope):
        return (f"{role} on {scope} for a service principal: grant a narrower role on the "
                "resource the workload uses")
    return None


def _vault_wide_secret_reads(props: Props, _: ResourceValidationArgs) -> str | None:
    role = _role(props, SECRET_READER_GUIDS)
    if not role or props.get("principalType") != "ServicePrincipal":
        return None
    scope = props.get("scope")
    if isinstance(scope, str) and _WHOLE_VAULT.fullmatch(scope):
        return (f"{role} on the whole vault {scope}: grant it on each secret the workload reads "
                "(.../vaults/<vault>/secrets/<name>); the workspace vault also holds the "
                "credentials Azure ML keeps for datastores and connections")
    return None


def _closed(props: Props, path: tuple[str, ...]) -> str | None:
    value = _get(props, *path)
    return None if str(value).lower() == "disabled" else (
        f"{'.'.join(path)} is {value!r}: Disabled (reached through a private endpoint; unset means "
        "Enabled)")


def _workspace_private(props: Props, _: ResourceValidationArgs) -> str | None:
    mode = _get(props, "managedNetwork", "isolationMode") or "Disabled"
    if mode == "Disabled":
        return ("managedNetwork.isolationMode is Disabled: AllowOnlyApprovedOutbound or "
                "AllowInternetOutbound (compute and endpoints in a managed network)")
    return _closed(props, ("publicNetworkAccess",))


def _compute_ssh(props: Props, _: ResourceValidationArgs) -> str | None:
    inner = _get(props, "properties", "properties")
    kind = _get(props, "properties", "computeType")
    if kind == "AmlCompute" and _get(inner, "remoteLoginPortPublicAccess") != "Disabled":
        return ("remoteLoginPortPublicAccess must be Disabled (NotSpecified opens SSH without a "
                "VNet)")
    if kind == "ComputeInstance" and _get(inner, "sshSettings", "sshPublicAccess") == "Enabled":
        return "sshSettings.sshPublicAccess must not be Enabled"
    return None


def _instance_stops(props: Props, _: ResourceValidationArgs) -> str | None:
    if _get(props, "properties", "computeType") != "ComputeInstance":
        return None
    inner = _get(props, "properties", "properties")
    stops = [s for s in _get(inner, "schedules", "computeStartStop") or ()
             if isinstance(s, Mapping) and s.get("action") == "Stop"
             and s.get("status") != "Disabled"]
    if _get(inner, "idleTimeBeforeShutdown") or stops:
        return None
    return ("properties.properties.idleTimeBeforeShutdown (15 minutes to 3 days) or an enabled "
            "Stop schedule must be set: an instance left running is billed by the hour")


def _logs_sent(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every resource with resource logs (a Kubernetes endpoint's are its cluster's) has a
    diagnostic setting sending each of its categories to a Log Analytics workspace. A setting
    names its resource by id; the resource it depends on for that id is the one it watches.
    Only the presence of values is read, which a preview knows before the ids."""
    sent: dict[str, set[Any]] = {}
    for r in args.resources:
        if r.resource_type == DIAGNOSTIC_SETTING and "workspaceId" in r.props:
            categories = {log.get("category") for log in r.props.get("logs") or ()
                          if isinstance(log, Mapping) and log.get("enabled") is True}
            for target in r.property_dependencies.get("resourceUri") or ():
                sent.setdefault(target.urn, set()).update(categories)
    for r in args.resources:
        wanted = LOGS.get(r.resource_type, [])
        if r.resource_type == ENDPOINT and "compute" in (r.props.get("properties") or {}):
            continue
        missing = [c for c in wanted if c not in sent.get(r.urn, set())]
        if missing:
            report(f"no diagnostic setting sends {', '.join(missing)} to a Log Analytics "
                   "workspace", r.urn)


def _registry_public_blobs(props: Props, _: ResourceValidationArgs) -> str | None:
    """The regions of an Azure ML registry whose system-created storage does not forbid anonymous
    blob access (unset leaves it to Azure)."""
    regions = props.get("regionDetails")
    open_ = [str(_get(region, "location")) for region in
             (regions if isinstance(regions, Sequence) else ())
             for details in (_get(region, "storageAccountDetails") or ())
             if _get(details, "systemCreatedStorageAccount", "allowBlobPublicAccess") is not False]
    return (f"the storage of region(s) {', '.join(open_)} may allow anonymous blob access: set "
            "regionDetails[].storageAccountDetails[].systemCreatedStorageAccount."
            "allowBlobPublicAccess to false (fixed with the region)") if open_ else None


def _batch_clusters(args: StackValidationArgs, report: ReportViolation) -> None:
    """A batch deployment's jobs run as its cluster's identity, which must be user-assigned to
    hold the storage queue and table roles keyless storage asks of them
    (how-to-disable-local-auth-storage); a cluster the stack does not make is not seen here."""
    for r in args.resources:
        if r.resource_type != BATCH_DEPLOYMENT:
            continue
        for cluster in r.property_dependencies.get("properties") or ():
            if cluster.resource_type == COMPUTE \
                    and _get(cluster.props, "identity", "type") != "UserAssigned":
                report(f"runs on {cluster.name}, whose identity is not user-assigned: batch jobs "
                       "need a cluster with a user-assigned identity holding Storage Queue and "
                       "Table Data Contributor", r.urn)


def _is_number(value: Any) -> bool:
    """A JSON number (the wire has no integers: pulumi-policy hands every number over as a
    float), not a boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


POLICIES: list[Policy] = [
    _policy("registry-no-admin-user", "Container registries have the admin user disabled.",
            (REGISTRY,), lambda p, _: "adminUserEnabled is true: pull with AcrPull as a managed "
            "identity instead" if p.get("adminUserEnabled") is True else None),
    _policy("registry-no-anonymous-pull", "Container registries refuse anonymous pulls.",
            (REGISTRY,), lambda p, _: "anonymousPullEnabled is true"
            if p.get("anonymousPullEnabled") is True else None),
    _policy("key-vault-rbac", "Key vaults use the Azure RBAC permission model.",
            (VAULT,), lambda p, _: None if _get(p, "properties", "enableRbacAuthorization") is True
            else "properties.enableRbacAuthorization must be true (access policies let any "
                 "Contributor grant itself data access)"),
    _policy("key-vault-soft-delete-retention", "Key vaults set their soft-delete retention.",
            (VAULT,), lambda p, _: None
            if _is_number(_get(p, "properties", "softDeleteRetentionInDays"))
            else "properties.softDeleteRetentionInDays must be set (7-90; fixed at creation)"),
    _policy("key-vault-purge-protection", "Key vaults have purge protection (production).",
            (VAULT,), lambda p, _: None if _get(p, "properties", "enablePurgeProtection") is True
            else "properties.enablePurgeProtection must be true"),
    _policy("storage-no-public-blob-access", "Storage accounts forbid anonymous blob access.",
            (STORAGE,), lambda p, _: None if p.get("allowBlobPublicAccess") is False
            else "allowBlobPublicAccess must be false"),
    _policy("ml-registry-no-public-blobs",
            "Azure ML registries create their storage with anonymous blob access off "
            "(how-to-registry-network-isolation, Data exfiltration protection).",
            (ML_REGISTRY,), _registry_public_blobs),
    _policy("storage-min-tls-1-2", "Storage accounts accept TLS 1.2 or newer only.",
            (STORAGE,), lambda p, _: None if p.get("minimumTlsVersion") in ("TLS1_2", "TLS1_3")
            else f"minimumTlsVersion is {p.get('minimumTlsVersion')!r}; use TLS1_2"),
    _policy("storage-no-shared-keys",
            "Storage accounts refuse account keys and SAS: Entra ID only (production).",
            (STORAGE,), lambda p, _: None if p.get("allowSharedKeyAccess") is False
            else "allowSharedKeyAccess must be false (unset means true: anyone who can list the "
                 "keys reads every byte, with no identity in the logs)"),
    _policy("storage-https-only", "Storage accounts accept HTTPS only.",
            (STORAGE,), lambda p, _: "enableHttpsTrafficOnly is false"
            if p.get("enableHttpsTrafficOnly") is False else None),
    _policy("compute-no-local-auth", "Compute clusters and instances have local auth disabled.",
            (COMPUTE,), lambda p, _: None
            if _get(p, "properties", "computeType") not in ("AmlCompute", "ComputeInstance")
            or _get(p, "properties", "disableLocalAuth") is True
            else "properties.disableLocalAuth must be true"),
    _policy("compute-no-ssh", "Compute clusters and instances have public SSH closed.",
            (COMPUTE,), _compute_ssh),
    _policy("compute-instance-stops",
            "Compute instances shut down when idle or on a schedule.", (COMPUTE,),
            _instance_stops),
    _policy("endpoint-token-auth",
            "Online endpoints authenticate callers with Entra ID or AML tokens, not keys.",
            (ENDPOINT,), lambda p, args: "properties.authMode is Key; use AADToken or AMLToken "
            "(or allow keys in the pack config: allowKeyAuth)"
            if _get(p, "properties", "authMode") == "Key"
            and not args.get_config().get("allowKeyAuth")
            else None,
            PolicyConfigSchema(properties={"allowKeyAuth": {"type": "boolean",
                                                            "default": False}})),
    _policy("batch-endpoint-entra-auth",
            "Batch endpoints take Microsoft Entra tokens (AADToken), the only way Microsoft "
            "documents to invoke them.", (BATCH_ENDPOINT,),
            lambda p, _: None if _get(p, "properties", "authMode") == "AADToken"
            else f"properties.authMode is {_get(p, 'properties', 'authMode')!r}: AADToken "
            "(\"Batch endpoints support Microsoft Entra authentication\", "
            "how-to-authenticate-batch-endpoint)"),
    _policy("role-assignment-principal-type",
            "Role assignments name their principal type (avoids PrincipalNotFound for new "
            "identities).",
            (ROLE_ASSIGNMENT,), lambda p, _: None if p.get("principalType")
            else "principalType must be set (ServicePrincipal for a managed identity)"),
    _policy("role-assignment-not-privileged-on-group",
            "No service principal gets Owner, Contributor or User Access Administrator on a "
            "resource group or subscription.", (ROLE_ASSIGNMENT,), _privileged_broad),
    _policy("key-vault-secrets-per-secret",
            "Workload identities read key vault secrets one by one, never the whole vault.",
            (ROLE_ASSIGNMENT,), _vault_wide_secret_reads),
    _policy("workspace-identity-datastores",
            "Workspaces reach their system datastores by identity.",
            (WORKSPACE,), lambda p, _: None if p.get("systemDatastoresAuthMode") == "Identity"
            else "systemDatastoresAuthMode must be Identity (no storage keys in the workspace)"),
    _policy("workspace-customer-managed-key",
            "Workspaces encrypt their data with a customer-managed key (production).",
            (WORKSPACE,), lambda p, _: None if _get(p, "encryption", "status") == "Enabled"
            else "encrypt the workspace with a key of yours when it is created (encryption with "
                 "status Enabled: customerManagedKey: true, components.encryption.EncryptionKey); "
                 "Azure takes the key at creation only (concept-customer-managed-keys)"),
    _policy("network-workspace-private",
            "Workspaces take no public traffic and run compute in a managed network "
            "(production).", (WORKSPACE,), _workspace_private),
    _policy("network-dependents-private",
            "Storage accounts, key vaults and registries take no public traffic (production).",
            (STORAGE, VAULT, REGISTRY), lambda p, args: _closed(
                p, ("properties", "publicNetworkAccess") if args.resource_type == VAULT
                else ("publicNetworkAccess",))),
    _policy("network-endpoint-private",
            "Online endpoints take no public traffic (production).", (ENDPOINT,),
            lambda p, _: _closed(p, ("properties", "publicNetworkAccess"))),
    _policy("network-compute-no-public-ip",
            "Compute clusters and instances have no public IP (production).", (COMPUTE,),
            lambda p, _: "properties.properties.enableNodePublicIp is not false (Azure's default "
            "gives every node a public IP)" if _get(p, "properties", "computeType") in (
                "AmlCompute", "ComputeInstance")
            and _get(p, "properties", "properties", "enableNodePublicIp") is not False else None),
    StackValidationPolicy(
        name="batch-deployment-user-assigned-cluster",
        description="Batch deployments run on clusters with a user-assigned identity.",
        validate=_batch_clusters, enforcement_level=EnforcementLevel.MANDATORY),
    StackValidationPolicy(
        name="diagnostics-to-log-analytics",
        description="Workspaces, key vaults, storage blob services, registries, managed online "
                    "endpoints and AKS clusters send every resource log to Log Analytics "
                    "(production).",
        validate=_logs_sent, enforcement_level=EnforcementLevel.MANDATORY),
    _policy("stateful-resources-protected",
            "Storage accounts and their containers, key vaults, registries, Log Analytics, "
            "workspaces and the resource group that holds them are protected (production).",
            (*STATEFUL, GROUP), lambda p, args: None if args.opts.protect
            else "protect the resource (ResourceOptions(protect=True))"),
]
