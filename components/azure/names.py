"""What Azure accepts as the name of each kind of resource this package creates.

The rules come from the ARM "Naming rules and restrictions" page
(learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules), narrowed where
PSRule for Azure, the Azure ML docs or the REST specs are stricter, so that a name accepted here is
accepted by Azure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NameRule:
    """What Azure accepts as the name of one kind of resource."""

    kind: str
    min_length: int
    max_length: int
    pattern: str
    allowed: str

    def problem(self, name: str) -> str | None:
        """Why ``name`` is not a valid name for this kind, or None when it is."""
        if not self.min_length <= len(name) <= self.max_length:
            return (
                f"{self.kind} name {name!r} has {len(name)} characters; "
                f"Azure allows {self.min_length}-{self.max_length}"
            )
        if not re.fullmatch(self.pattern, name):
            return f"{self.kind} name {name!r} is not valid; Azure allows {self.allowed}"
        return None


_COMPUTE = r"[a-zA-Z](?![a-zA-Z0-9-]*-\d+$)[a-zA-Z0-9-]*[a-zA-Z0-9]"
_COMPUTE_ALLOWED = ("letters, digits and hyphens, starting with a letter, ending with a letter or "
                    "digit, and not ending in a hyphen followed by digits only (gpu-2)")

RULES: dict[str, NameRule] = {
    rule.kind: rule
    for rule in (
        NameRule("resource group", 1, 90, r"[-\w.()]*[-\w()]",
                 "letters, digits, '_', '-', '.', '(' and ')', not ending in '.'"),
        # REST spec pattern for workspaceName; the docs add "alphanumerics and hyphens".
        NameRule("workspace", 3, 33, r"[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}",
                 "letters, digits, '-' and '_', starting with a letter or digit"),
        NameRule("storage account", 3, 24, r"[a-z0-9]+", "lowercase letters and digits only"),
        NameRule("key vault", 3, 24, r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]",
                 "letters, digits and single hyphens, starting with a letter and ending "
                 "with a letter or digit"),
        NameRule("container registry", 5, 50, r"[a-zA-Z0-9]+", "letters and digits only"),
        # PSRule Azure.AppInsights.Name is stricter than ARM (lowercase only); stay inside both.
        NameRule("application insights", 1, 255, r"[a-z0-9.\-_()]*[a-z0-9\-_()]",
                 "lowercase letters, digits, '.', '-', '_', '(' and ')', not ending in '.'"),
        NameRule("log analytics workspace", 4, 63, r"[a-z0-9][a-z0-9-]*[a-z0-9]",
                 "lowercase letters, digits and hyphens, starting and ending with a letter or "
                 "digit"),
        NameRule("managed identity", 3, 128, r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
                 "letters, digits, '-' and '_', starting with a letter or digit"),
        # REST spec computeName: ^[a-zA-Z](?![a-zA-Z0-9-]*-\d+$)[a-zA-Z0-9\-]{2,23}$ (bicep-types-az
        # machinelearningservices 2025-12-01), and ending with a letter or digit (studio form).
        NameRule("compute", 3, 24, _COMPUTE, _COMPUTE_ALLOWED),
        # Azure ML quota page: 3-32, begin with a letter, letters and digits, single dashes.
        NameRule("online endpoint", 3, 32, r"[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*",
                 "letters, digits and single hyphens, starting with a letter"),
        # how-to-manage-registries, Choose a name: 2-32 characters, alphanumerics, '_' and '-',
        # starting with an alphanumeric; unique in the Entra tenant, fixed once created.
        NameRule("ml registry", 2, 32, r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
                 "letters, digits, '_' and '-', starting with a letter or digit"),
        # The same quota page's endpoint and deployment name rules hold for batch endpoints.
        NameRule("batch endpoint", 3, 32, r"[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*",
                 "letters, digits and single hyphens, starting with a letter"),
        NameRule("batch deployment", 3, 32, r"[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*",
                 "letters, digits and single hyphens, starting with a letter"),
        # REST spec (codes/models/environments ``name`` path parameter).
        NameRule("asset", 1, 255, r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
                 "letters, digits, '-' and '_', starting with a letter or digit"),
        # Azure ML "Create a compute instance": 3-24 characters, starting with a letter, letters,
        # digits and hyphens, "If '-' character is used, then it needs to be followed by at least
        # one letter later in the name"; unique across the region (hence the stack's suffix).
        NameRule("compute instance", 3, 24, _COMPUTE, _COMPUTE_ALLOWED),
        # Entra ID: 3-120 characters, alphanumeric first, then alphanumerics, '-' and '_'.
        NameRule("federated credential", 3, 120, r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
                 "letters, digits, '-' and '_', starting with a letter or digit"),
        # Same quota page: deployment names follow the endpoint name rules.
        NameRule("online deployment", 3, 32, r"[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*",
                 "letters, digits and single hyphens, starting with a letter"),
        # "Naming rules and restrictions for Azure resources", Microsoft.Network: virtual
        # networks and private endpoints take 2-64 of these, ending in a letter, digit or '_'.
        NameRule("virtual network", 2, 64, r"[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]",
                 "letters, digits, '_', '.' and '-', ending in a letter, digit or '_'"),
        NameRule("private endpoint", 2, 64, r"[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]",
                 "letters, digits, '_', '.' and '-', ending in a letter, digit or '_'"),
        # Microsoft.ContainerService managedClusters: 1-63 characters; the name is also the DNS
        # prefix here, which takes 1-54 letters, digits and hyphens.
        NameRule("kubernetes cluster", 1, 54, r"[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]",
                 "letters, digits and hyphens, starting and ending with a letter or digit"),
    )
}
