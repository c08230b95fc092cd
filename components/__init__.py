"""Identity-first Azure Machine Learning components for Pulumi (azure-native v3).

Each workload (workspace, compute cluster, online endpoint) runs as a managed identity and grants
that identity exactly the built-in roles Microsoft documents for it; every grant is exposed as
data (:class:`Grant`). Import the components into any Pulumi Python program::

    from components import OnlineEndpoint, OnlineEndpointArgs, WorkspaceRef
"""

from .assets import AssetStore, AssetStoreArgs
from .automation import AutomationIdentity, AutomationIdentityArgs, FederatedCredential
from .compute import ComputeCluster, ComputeClusterArgs
from .compute_instance import ComputeInstance, ComputeInstanceArgs
from .data import DataStorage, DataStorageArgs, DataUser
from .endpoint import OnlineDeploymentSpec, OnlineEndpoint, OnlineEndpointArgs
from .identity import ManagedIdentity, ManagedIdentityArgs
from .naming import StackNames
from .private_registry import PrivateRegistryAccess, PrivateRegistryAccessArgs
from .registry import ContainerRegistry, ContainerRegistryArgs
from .roles import BUILT_IN_ROLES, Grant, grant_role
from .settings import ConfigError, IdentityKind, StackSettings, load_settings
from .workspace import Workspace, WorkspaceArgs, WorkspaceRef

__all__ = [
    "AssetStore", "AssetStoreArgs", "AutomationIdentity", "AutomationIdentityArgs",
    "ComputeInstance", "ComputeInstanceArgs", "DataStorage", "DataStorageArgs", "DataUser",
    "FederatedCredential", "PrivateRegistryAccess", "PrivateRegistryAccessArgs",
    "BUILT_IN_ROLES", "ComputeCluster", "ComputeClusterArgs", "ConfigError", "ContainerRegistry",
    "ContainerRegistryArgs", "Grant", "IdentityKind", "ManagedIdentity", "ManagedIdentityArgs",
    "OnlineDeploymentSpec", "OnlineEndpoint", "OnlineEndpointArgs", "StackNames", "StackSettings", "Workspace",
    "WorkspaceArgs", "WorkspaceRef", "grant_role", "load_settings",
]
