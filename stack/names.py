"""The stack's names: the Cloud Adoption Framework name of each resource this stack creates.

Names are ``<abbreviation>-<workload>-<environment>`` with CAF abbreviations (MicrosoftDocs
cloud-adoption-framework ``resource-abbreviations.md``): rg, mlw, st, kv, cr, appi, log, id. Where
Azure needs a name that is unique across all of Azure (storage, key vault, registry) or across a
region (online endpoints: the name is part of the scoring URI's host), or keeps a deleted
resource's name taken (a soft-deleted workspace or key vault: "You can't reuse the name of a
workspace that has been soft deleted until the retention period has passed", concept-soft-delete),
a short random suffix is appended. The stack draws it once with pulumi-random and keeps it in
state; a stack destroyed and created again draws a new one, so its names are free. The suffix
always holds a letter: a compute instance name may not end in a hyphen and digits only.

Each name is checked against the Azure rule of its kind (:data:`components.azure.names.RULES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.azure.names import RULES

SUFFIX_LENGTH = 5
"""Length of the random suffix (lowercase letters and digits, at least one letter)."""

SUFFIX_EXAMPLE = "x" * SUFFIX_LENGTH
"""A stand-in suffix with the suffix's length and alphabet, for checking names before it exists."""


@dataclass(frozen=True)
class StackNames:
    """The Azure name of every resource of one stack, from its workload and environment tokens.

    Methods that take ``suffix`` build globally (or regionally) unique names; pass the stack's
    random suffix, or :data:`SUFFIX_EXAMPLE` to check a name before the suffix exists.
    """

    workload: str
    environment: str

    @property
    def _base(self) -> str:
        return f"{self.workload}-{self.environment}"

    def resource_group(self) -> str:
        return f"rg-{self._base}"

    def workspace(self, suffix: str) -> str:
        return f"mlw-{self._base}-{suffix}"

    def storage_account(self, suffix: str) -> str:
        return f"st{self.workload}{self.environment}{suffix}"

    def key_vault(self, suffix: str) -> str:
        return f"kv-{self._base}-{suffix}"

    def encryption_key_vault(self, suffix: str) -> str:
        """The key vault that holds the customer-managed key, e.g. ``kvk-mlplatprod-ab12c``: as
        long as the workspace's vault name, so that any stack that names one names the other."""
        return f"kvk-{self.workload}{self.environment}-{suffix}"

    def container_registry(self, suffix: str) -> str:
        return f"cr{self.workload}{self.environment}{suffix}"

    def application_insights(self) -> str:
        return f"appi-{self._base}"

    def log_analytics(self) -> str:
        return f"log-{self._base}"

    def data_storage_account(self, suffix: str) -> str:
        """The storage account for training data (identity-based access only)."""
        return f"st{self.workload}{self.environment}data{suffix}"

    def compute_instance(self, name: str, suffix: str) -> str:
        return f"{name}-{suffix}"

    def identity(self, purpose: str) -> str:
        """A user-assigned identity, e.g. ``id-mlplat-dev-cluster-cpu`` for purpose
        ``cluster-cpu``."""
        return f"id-{self._base}-{purpose}"

    def virtual_network(self) -> str:
        return f"vnet-{self._base}"

    def private_endpoint(self, target: str) -> str:
        """A private endpoint into the stack, e.g. ``pe-mlplat-prod-workspace``."""
        return f"pe-{self._base}-{target}"

    def kubernetes_cluster(self) -> str:
        """The AKS cluster the stack creates for inference, e.g. ``aks-mlplat-aks``."""
        return f"aks-{self._base}"

    def online_endpoint(self, name: str, suffix: str) -> str:
        return f"{name}-{self.environment}-{suffix}"

    def batch_endpoint(self, name: str, suffix: str) -> str:
        return f"{name}-{self.environment}-{suffix}"

    def problems(self) -> list[str]:
        """Every way a stack-level name would break Azure's rules (empty when all are valid)."""
        names = [
            ("resource group", self.resource_group()),
            ("workspace", self.workspace(SUFFIX_EXAMPLE)),
            ("storage account", self.storage_account(SUFFIX_EXAMPLE)),
            ("key vault", self.key_vault(SUFFIX_EXAMPLE)),
            ("key vault", self.encryption_key_vault(SUFFIX_EXAMPLE)),
            ("container registry", self.container_registry(SUFFIX_EXAMPLE)),
            ("application insights", self.application_insights()),
            ("log analytics workspace", self.log_analytics()),
            ("managed identity", self.identity("workspace")),
            ("virtual network", self.virtual_network()),
            ("private endpoint", self.private_endpoint("storage-blob")),
            ("kubernetes cluster", self.kubernetes_cluster()),
        ]
        return _found([RULES[kind].problem(name) for kind, name in names])

    def cluster_problems(self, cluster: str) -> list[str]:
        """Ways the names derived from compute cluster ``cluster`` would break Azure's rules."""
        return _found([RULES["managed identity"].problem(
            self.identity(cluster_identity_purpose(cluster)))])

    def endpoint_problems(self, endpoint: str) -> list[str]:
        """Ways the names derived from online endpoint ``endpoint`` would break Azure's rules."""
        return _found([
            RULES["online endpoint"].problem(self.online_endpoint(endpoint, SUFFIX_EXAMPLE)),
            RULES["managed identity"].problem(self.identity(endpoint_identity_purpose(endpoint))),
        ])

    def batch_endpoint_problems(self, endpoint: str) -> list[str]:
        """Ways the Azure name of batch endpoint ``endpoint`` would break Azure's rules."""
        return _found([RULES["batch endpoint"].problem(
            self.batch_endpoint(endpoint, SUFFIX_EXAMPLE))])

    def instance_problems(self, instance: str) -> list[str]:
        """Ways the names derived from compute instance ``instance`` would break Azure's rules."""
        return _found([
            RULES["compute instance"].problem(self.compute_instance(instance, SUFFIX_EXAMPLE)),
            RULES["managed identity"].problem(self.identity(instance_identity_purpose(instance))),
        ])

    def identity_problems(self, purpose: str) -> list[str]:
        return _found([RULES["managed identity"].problem(self.identity(purpose))])

    def data_storage_problems(self) -> list[str]:
        return _found([RULES["storage account"].problem(self.data_storage_account(SUFFIX_EXAMPLE))])


def _found(problems: list[str | None]) -> list[str]:
    return [problem for problem in problems if problem]


def cluster_identity_purpose(cluster: str) -> str:
    return f"cluster-{cluster}"


def endpoint_identity_purpose(endpoint: str) -> str:
    return f"endpoint-{endpoint}"


def instance_identity_purpose(instance: str) -> str:
    return f"instance-{instance}"


def kubernetes_identity_purpose(compute: str) -> str:
    return f"kubernetes-{compute}"


REGISTRY_PULL_PURPOSE = "registry-pull"
"""The identity the workspace hands to image builds that pull from a private registry."""
AUTOMATION_PURPOSE = "automation"
"""The identity a CI system signs in as through federated credentials."""
