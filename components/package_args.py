"""The component package's argument types: written by ``python -m offline.package_args``
from ``components/package_inputs.py`` (the library's argument declarations); do not edit."""

from typing import NotRequired, TypedDict

import pulumi


class ComputeClusterArgs(TypedDict):
    """An AmlCompute cluster that scales to zero and runs jobs as a managed identity, with the roles that identity needs to pull images and read data."""
    compute_name: str
    """Name in the workspace (what jobs name as `compute: azureml:<name>`). Allowed: 3-24 characters: letters, digits and hyphens, starting with a letter, ending with a letter or digit, and not ending in a hyphen followed by digits only (gpu-2)."""
    vm_size: NotRequired[str]
    """VM size of the nodes, one Azure ML compute offers (a change replaces the cluster). Default: 'Standard_DS3_v2'."""
    vm_priority: NotRequired[str]
    """LowPriority is cheaper and may be preempted. One of: Dedicated, LowPriority. Default: 'Dedicated'."""
    min_nodes: NotRequired[int]
    """Nodes kept when idle. Allowed: a whole number from 0 to 1000. Default: 0."""
    max_nodes: NotRequired[int]
    """Nodes at most (at least min nodes). Allowed: a whole number from 1 to 1000. Default: 2."""
    idle_seconds_before_scale_down: NotRequired[int]
    """Seconds a node idles before it is released. Allowed: a whole number from 0 to 604800. Default: 120."""
    secrets: NotRequired[list[str]]
    """Names of workspace key vault secrets job code reads as the cluster identity (Key Vault Secrets User on each, never the whole vault); each must exist. Allowed: a list of key vault secret names: 1-127 letters, digits and hyphens."""
    workspace_id: pulumi.Input[str]
    """Resource id of the workspace the cluster joins."""
    identity_id: NotRequired[pulumi.Input[str]]
    """Resource id of the user-assigned identity jobs run as; absent: system-assigned."""
    allow_unlisted_vm_size: NotRequired[bool]
    """Take a VM size this package does not list for Azure ML compute (one newer than its list). Default: false."""
    tags: NotRequired[dict[str, str]]
