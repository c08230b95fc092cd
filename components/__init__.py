"""Identity-first Azure Machine Learning components for Pulumi (azure-native v3).

Each workload (workspace, compute cluster, compute instance, online endpoint) runs as a managed
identity and grants that identity exactly the built-in roles Microsoft documents for it; every
grant is exposed as data (:class:`Grant`: a :class:`Principal`, a role, a scope and the
assignment). Import the components into any Pulumi Python program::

    from components import OnlineEndpoint, OnlineEndpointArgs, WorkspaceRef

and test that program under mocks that answer like Azure with :mod:`components.testing`. Azure
facts the components rely on (built-in roles, name rules, resource ids) are in
:mod:`components.azure`; what Azure does with each resource type they create is in the catalog,
:mod:`components.catalog`.
"""

from .access import AzureGrant, Grant, Principal, after, grant
from .assets import AssetStore, AssetStoreArgs
from .automation import AutomationIdentity, AutomationIdentityArgs, FederatedCredential
from .batch_endpoint import BatchEndpoint, BatchEndpointArgs, BatchModelDeploymentSpec
from .compute import ClusterRef, ComputeCluster, ComputeClusterArgs
from .compute_instance import ComputeInstance, ComputeInstanceArgs
from .data import DataStorage, DataStorageArgs, DataUser
from .diagnostics import Diagnostics, DiagnosticsArgs, LogTarget
from .encryption import EncryptionKey, EncryptionKeyArgs, EncryptionRef
from .endpoint import OnlineDeploymentSpec, OnlineEndpoint, OnlineEndpointArgs
from .identity import ExistingIdentity, ManagedIdentity, ManagedIdentityArgs, UserIdentity
from .kubernetes import InstanceType, KubernetesCompute, KubernetesComputeArgs, RouterTls
from .managed_network import ManagedNetwork, OutboundRuleSpec
from .ml_registry import MlRegistry, MlRegistryArgs
from .network import PrivateNetwork, PrivateNetworkArgs
from .private_registry import PrivateRegistryAccess, PrivateRegistryAccessArgs
from .registry import ContainerRegistry, ContainerRegistryArgs
from .secrets import vault_secret
from .workspace import Workspace, WorkspaceArgs, WorkspaceRef

__all__ = [
    "AssetStore", "AssetStoreArgs", "AutomationIdentity",
    "AutomationIdentityArgs", "AzureGrant",
    "BatchEndpoint", "BatchEndpointArgs", "BatchModelDeploymentSpec", "ClusterRef",
    "ComputeCluster", "ComputeClusterArgs", "ComputeInstance", "ComputeInstanceArgs",
    "ContainerRegistry", "ContainerRegistryArgs", "DataStorage", "DataStorageArgs", "DataUser",
    "Diagnostics", "DiagnosticsArgs", "EncryptionKey", "EncryptionKeyArgs", "EncryptionRef",
    "ExistingIdentity", "FederatedCredential", "Grant", "InstanceType", "KubernetesCompute",
    "KubernetesComputeArgs", "LogTarget", "ManagedIdentity", "ManagedIdentityArgs",
    "ManagedNetwork", "MlRegistry", "MlRegistryArgs",
    "OnlineDeploymentSpec", "OnlineEndpoint", "OnlineEndpointArgs",
    "OutboundRuleSpec", "Principal",
    "PrivateNetwork", "PrivateNetworkArgs", "PrivateRegistryAccess", "PrivateRegistryAccessArgs",
    "RouterTls", "UserIdentity", "Workspace", "WorkspaceArgs", "WorkspaceRef", "after", "grant",
    "vault_secret",
]
