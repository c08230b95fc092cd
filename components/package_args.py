"""The component package's argument types: written by ``python -m offline.package_args``
from ``components/package_inputs.py`` (the library's argument declarations); do not edit."""

from typing import NotRequired, TypedDict

import pulumi


class IdentityArgs(TypedDict):
    """A user-assigned managed identity: what a workload runs as and what roles are granted to."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the resources. Allowed: 1-90 characters: letters, digits, '_', '-', '.', '(' and ')', not ending in '.'."""
    location: pulumi.Input[str]
    """Azure region of the resources: a public region (az account list-locations), e.g. westeurope."""
    allow_unlisted_location: NotRequired[bool]
    """Take a location this package does not list yet (a region newer than its list). Default: false."""
    identity_name: pulumi.Input[str]
    """Azure name of the identity. Allowed: 3-128 characters: letters, digits, '-' and '_', starting with a letter or digit."""
    tags: NotRequired[dict[str, str]]


class MlWorkspaceArgs(TypedDict):
    """An Azure ML workspace with its storage, key vault, insights and registry, and the roles its identity needs on them."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the resources. Allowed: 1-90 characters: letters, digits, '_', '-', '.', '(' and ')', not ending in '.'."""
    location: pulumi.Input[str]
    """Azure region of the resources: a public region (az account list-locations), e.g. westeurope."""
    allow_unlisted_location: NotRequired[bool]
    """Take a location this package does not list yet (a region newer than its list). Default: false."""
    workspace_name: pulumi.Input[str]
    """Azure name of the workspace. Allowed: 3-33 characters: letters, digits, '-' and '_', starting with a letter or digit."""
    storage_account_name: pulumi.Input[str]
    """Azure name of its storage account, unique in Azure. Allowed: 3-24 characters: lowercase letters and digits only."""
    key_vault_name: pulumi.Input[str]
    """Azure name of its key vault, unique in Azure. Allowed: 3-24 characters: letters, digits and single hyphens, starting with a letter and ending with a letter or digit."""
    application_insights_name: pulumi.Input[str]
    """Azure name of its Application Insights. Allowed: 1-255 characters: lowercase letters, digits, '.', '-', '_', '(' and ')', not ending in '.'."""
    log_analytics_name: pulumi.Input[str]
    """Azure name of its Log Analytics workspace. Allowed: 4-63 characters: lowercase letters, digits and hyphens, starting and ending with a letter or digit."""
    storage_sku: NotRequired[str]
    """Workspace storage redundancy. One of: Standard_LRS, Standard_ZRS, Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS. Default: 'Standard_LRS'."""
    storage_soft_delete_retention_days: NotRequired[int]
    """Days deleted blobs and containers stay recoverable. Allowed: a whole number from 1 to 365. Default: 7."""
    key_vault_purge_protection: NotRequired[bool]
    """Key vault purge protection (it cannot be turned off once on). Off leaves the property unset: ARM rejects an explicit false. Default: false."""
    key_vault_soft_delete_retention_days: NotRequired[int]
    """Days a deleted key vault stays recoverable (fixed at the vault's creation: 'The retention policy interval can only be configured during key vault creation and can't be changed afterwards', Key Vault soft-delete overview). Allowed: a whole number from 7 to 90. Default: 7."""
    log_retention_days: NotRequired[int]
    """Days Log Analytics keeps logs. Allowed: a whole number from 30 to 730. Default: 30."""
    registry_name: NotRequired[pulumi.Input[str]]
    """A registry to create, unique in Azure; exactly one of this and existingRegistryId. Allowed: 5-50 characters: letters and digits only."""
    existing_registry_id: NotRequired[str]
    """Resource id of a registry to use instead of creating one; exactly one of this and registryName."""
    registry_sku: NotRequired[str]
    """Container registry SKU (a created registry's). One of: Basic, Standard, Premium. Default: 'Basic'."""
    identity_id: NotRequired[pulumi.Input[str]]
    """Resource id of the user-assigned identity the workspace runs as (it gets Microsoft's documented roles); absent: the workspace's system-assigned identity."""
    encryption_identity_id: NotRequired[pulumi.Input[str]]
    """Resource id of the user-assigned identity that uses a customer-managed key: given, the workspace and its storage (and a created Premium registry) are encrypted with an RSA key in a key vault of its own, encryptionKeyVaultName, which this identity alone may use (Key Vault Crypto Service Encryption User on the key)."""
    encryption_key_vault_name: NotRequired[pulumi.Input[str]]
    """The key's vault, unique in Azure; with encryptionIdentityId. Allowed: 3-24 characters: letters, digits and single hyphens, starting with a letter and ending with a letter or digit."""
    high_business_impact: NotRequired[bool]
    """The workspace's high business impact flag (less diagnostic data collected by the service), fixed at creation; absent: on with a customer-managed key."""
    protect: NotRequired[bool]
    """Protect and retain the stateful resources (production). Default: false."""
    tags: NotRequired[dict[str, str]]


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
    batch_jobs: NotRequired[bool]
    """Runs batch endpoint deployments: its identity (user-assigned) also gets Storage Queue Data Contributor and Storage Table Data Contributor on the workspace storage. Default: false."""
    tags: NotRequired[dict[str, str]]


class OnlineDeployment(TypedDict):
    """One online deployment of an endpoint, serving registered versions (uploaded beforehand: the package uploads no files)."""
    name: str
    """Letters, digits and single hyphens; its Azure name adds the instance type. Allowed: 3-32 characters: letters, digits and single hyphens, starting with a letter."""
    scoring_script: NotRequired[str]
    """The script with init() and run(), inside the code folder. Default: 'score.py'."""
    instance_type: NotRequired[str]
    """A VM size managed online endpoints offer, or on a Kubernetes endpoint one of its compute's instance types (a change rolls to a new deployment). Default: 'Standard_DS2_v2'."""
    instance_count: NotRequired[int]
    """VMs serving the deployment. Allowed: a whole number from 1 to 100. Default: 1."""
    traffic: NotRequired[int]
    """Percent of the endpoint's traffic (an endpoint's shares sum to 100 or are all 0). Allowed: a whole number from 0 to 100. Default: 0."""
    environment_variables: NotRequired[dict[str, pulumi.Input[str]]]
    """Variables for the scoring code (AZURE_CLIENT_ID, KEY_VAULT_URL and STORAGE_BLOB_URL are the endpoint's own)."""
    model_id: pulumi.Input[str]
    """A registered model version: ARM id or azureml:// URI."""
    environment_id: pulumi.Input[str]
    """A registered environment version: ARM id or azureml:// URI."""
    code_id: pulumi.Input[str]
    """A registered code version holding the scoring script."""


class OnlineEndpointArgs(TypedDict):
    """A managed online endpoint serving as a managed identity that holds the roles its deployments need, with its deployments and their traffic."""
    auth_mode: NotRequired[str]
    """How callers authenticate: AADToken (Entra ID), AMLToken, or Key (only when asked for). One of: AADToken, AMLToken, Key. Default: 'AADToken'."""
    deployments: NotRequired[list[OnlineDeployment]]
    """Deployments with their traffic shares."""
    secrets: NotRequired[list[str]]
    """Names of workspace key vault secrets the scoring code reads as the endpoint identity (Key Vault Secrets User on each, never the whole vault); each must exist. Allowed: a list of key vault secret names: 1-127 letters, digits and hyphens."""
    workspace_id: pulumi.Input[str]
    """Resource id of the workspace the endpoint belongs to."""
    endpoint_name: pulumi.Input[str]
    """Azure name, unique in the region. Allowed: 3-32 characters: letters, digits and single hyphens, starting with a letter."""
    identity_id: NotRequired[pulumi.Input[str]]
    """Resource id of the user-assigned identity the endpoint serves as; absent: system-assigned."""
    public_network_access: NotRequired[str]
    """Public network access to the scoring URI (managed endpoints only). One of: Enabled, Disabled. Default: 'Enabled'."""
    compute_id: NotRequired[pulumi.Input[str]]
    """Resource id of an attached Kubernetes compute (a Kubernetes endpoint: AMLToken or Key auth, deployments on its instance types); absent: a managed endpoint."""
    allow_unlisted_vm_size: NotRequired[bool]
    """Take instance types this package does not list for managed online endpoints (sizes newer than its list). Default: false."""
    tags: NotRequired[dict[str, str]]


class InstanceType(TypedDict):
    """A Kubernetes instance type: the resources each deployment instance requests (and is limited to)."""
    name: str
    """A Kubernetes resource name (Azure makes its own defaultinstancetype). Allowed: a Kubernetes name: 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit, other than defaultinstancetype."""
    cpu: NotRequired[str]
    """CPU request and limit, e.g. 1 or 500m. Default: '1'."""
    memory: NotRequired[str]
    """Memory request and limit, e.g. 2Gi. Default: '2Gi'."""
    gpu: NotRequired[int]
    """NVIDIA GPUs (0: none); the extension then installs NVIDIA's device plugin, and a created cluster's nodes must have them. Allowed: a whole number from 0 to 8. Default: 0."""


class KubernetesComputeArgs(TypedDict):
    """An AKS cluster (created, or an existing one) with the Azure ML extension, its instance types, attached to a workspace as Kubernetes compute running as a managed identity, with the roles the attach needs granted first."""
    compute_name: str
    """Name of the attached compute in the workspace (what endpoints name as compute). Allowed: 3-24 characters: letters, digits and hyphens, starting with a letter, ending with a letter or digit, and not ending in a hyphen followed by digits only (gpu-2)."""
    existing_cluster_id: NotRequired[str]
    """An existing AKS cluster (in the workspace's subscription) instead of a new one. Allowed: an AKS cluster resource id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>."""
    node_vm_size: NotRequired[str]
    """VM size of a created cluster's nodes (at least 4 vCPUs and 14 GB for the extension; an NVIDIA GPU size for GPU instance types). Default: 'Standard_D4s_v5'."""
    node_count: NotRequired[int]
    """Nodes of a created cluster (3 or more: the inference router runs highly available, inferenceRouterHA). Allowed: a whole number from 1 to 100. Default: 3."""
    instance_types: NotRequired[list[InstanceType]]
    """Instance types deployments choose from (custom resources in the cluster, put through its API server, which must be reachable); the first is the compute's default; Azure's own defaultinstancetype is there too. None at all: no call to the API server, and the default is Azure's. Default: [{'name': 'cpu-small'}]."""
    router_service_type: NotRequired[str]
    """How the inference router is exposed. One of: loadBalancer, nodePort, clusterIP. Default: 'loadBalancer'."""
    internal_load_balancer: NotRequired[bool]
    """A load-balanced router gets an internal Azure load balancer (no public IP), in the cluster's virtual network. Default: true."""
    allow_insecure_connections: NotRequired[bool]
    """Serve scoring over plain HTTP (no TLS): only when asked for. Default: false."""
    install_nvidia_device_plugin: NotRequired[bool]
    """Whether the extension installs NVIDIA's device plugin (unset: when an instance type asks for a GPU; false for a cluster that runs one already)."""
    workspace_id: pulumi.Input[str]
    """Resource id of the workspace the cluster is attached to."""
    workspace_principal_id: pulumi.Input[str]
    """Principal id of the identity the workspace runs as (it gets the attach roles)."""
    identity_id: pulumi.Input[str]
    """Resource id of the user-assigned identity the attached compute runs as."""
    cluster_name: NotRequired[str]
    """Name of the AKS cluster to create (none with existingClusterId); absent: aks-<resource name>."""
    tls_cname: NotRequired[str]
    """The host name scoring requests use, the certificate's name: with tlsCertificate and tlsKey, or tlsSecret on an existing cluster."""
    tls_certificate: NotRequired[pulumi.Input[str]]
    """The router's certificate, PEM with its full chain (pass a secret); with tlsKey."""
    tls_key: NotRequired[pulumi.Input[str]]
    """Its private key, PEM without a passphrase (pass a secret)."""
    tls_secret: NotRequired[str]
    """Existing cluster only: a Kubernetes secret in its azureml namespace with cert.pem and key.pem."""
    tags: NotRequired[dict[str, str]]


class RegistryPrincipal(TypedDict):
    """Who publishes into a registry or uses it: an Entra ID object id and its kind."""
    object_id: str
    """Object (principal) id in Entra ID: an identity's principalId, a user's or a group's. Allowed: an Entra ID object id (a GUID such as 00000000-0000-0000-0000-000000000000)."""
    type: NotRequired[str]
    """ServicePrincipal for a managed identity; User or Group for people. One of: ServicePrincipal, User, Group. Default: 'ServicePrincipal'."""


class MlRegistryArgs(TypedDict):
    """An Azure ML registry (created with its storage and container registry in each region, or an existing one by id), and the roles of those who publish into it or use it."""
    registry_name: NotRequired[pulumi.Input[str]]
    """Azure name, unique in the Entra tenant and part of every asset id (fixed once created); required unless ``existing_id``. Allowed: 2-32 characters: letters, digits, '_' and '-', starting with a letter or digit."""
    existing_id: NotRequired[pulumi.Input[str]]
    """Resource id of a registry to use instead of creating one (another stack's): only the grants are made."""
    resource_group_name: NotRequired[pulumi.Input[str]]
    """Resource group of a registry to create. Allowed: 1-90 characters: letters, digits, '_', '-', '.', '(' and ')', not ending in '.'."""
    location: NotRequired[pulumi.Input[str]]
    """Primary region of a registry to create (fixed at creation); workspaces that use the registry must be in one of its regions."""
    replication_locations: NotRequired[list[str]]
    """More regions the registry replicates its assets to (regions can be added later)."""
    allow_unlisted_location: NotRequired[bool]
    """Take regions this package does not list yet (newer than its list). Default: false."""
    storage_account_type: NotRequired[str]
    """Storage SKU of the system-created storage account of each region. One of: Standard_LRS, Standard_GRS, Standard_RAGRS, Standard_ZRS, Standard_GZRS, Standard_RAGZRS, Premium_LRS, Premium_ZRS. Default: 'Standard_LRS'."""
    public_network_access: NotRequired[str]
    """Disabled: reached through private endpoints only (a workspace's managed network makes one; clients connect through a network that has one). One of: Enabled, Disabled. Default: 'Enabled'."""
    protect: NotRequired[bool]
    """Protect the created registry from deletion by Pulumi, and keep it in Azure if it is removed from the program. Default: false."""
    tags: NotRequired[dict[str, str]]
    publishers: NotRequired[list[RegistryPrincipal]]
    """Who creates assets in it: AzureML Registry User (how-to-registry-network-isolation)."""
    consumers: NotRequired[list[RegistryPrincipal]]
    """Who uses its assets: Reader (how-to-manage-registries); for an endpoint's or cluster's identity Microsoft names no role, and Reader is the package's choice (at risk)."""


class BatchDeployment(TypedDict):
    """One model deployment of a batch endpoint, scoring with registered versions on a compute cluster (the package uploads no files)."""
    name: str
    """Letters, digits and single hyphens, 3-32. Allowed: 3-32 characters: letters, digits and single hyphens, starting with a letter."""
    scoring_script: NotRequired[str]
    """The code's script with ``init()`` and ``run(mini_batch)``, relative to the code folder. Default: 'batch_driver.py'."""
    instance_count: NotRequired[int]
    """Nodes of the cluster a job runs on (at most the cluster's maximum). Allowed: a whole number from 1 to 1000. Default: 1."""
    mini_batch_size: NotRequired[int]
    """Files one ``run()`` call scores. Allowed: a whole number from 1 to 100000. Default: 10."""
    max_concurrency_per_instance: NotRequired[int]
    """Scoring processes per node. Allowed: a whole number from 1 to 100. Default: 1."""
    output_action: NotRequired[str]
    """AppendRow: every ``run()`` result in one file; SummaryOnly: none kept. One of: AppendRow, SummaryOnly. Default: 'AppendRow'."""
    output_file_name: NotRequired[str]
    """The file AppendRow writes. Default: 'predictions.csv'."""
    max_retries: NotRequired[int]
    """Tries of a failed or timed-out mini-batch. Allowed: a whole number from 0 to 100. Default: 3."""
    timeout_seconds: NotRequired[int]
    """Seconds one mini-batch may take. Allowed: a whole number from 1 to 604800. Default: 30."""
    error_threshold: NotRequired[int]
    """Failed files a job tolerates before it stops; -1: any. Default: -1."""
    logging_level: NotRequired[str]
    """Log verbosity of the jobs. One of: Warning, Info, Debug. Default: 'Info'."""
    environment_variables: NotRequired[dict[str, str]]
    """Variables for the scoring code (not secrets: the definition is readable in the workspace)."""
    model_id: pulumi.Input[str]
    """A registered model version: ARM id or azureml:// URI."""
    environment_id: pulumi.Input[str]
    """A registered environment version (with azureml-core and azureml-dataset-runtime[fuse]): ARM id or azureml:// URI."""
    code_id: pulumi.Input[str]
    """A registered code version holding the scoring script."""
    compute_id: pulumi.Input[str]
    """Resource id of the compute cluster its jobs run on: one made with batchJobs and a user-assigned identity (its identity then holds the batch data roles)."""


class Invoker(TypedDict):
    """Who may invoke a batch endpoint: a user, a group or a service principal (a managed identity)."""
    object_id: str
    """Entra ID object (principal) id, a GUID. Allowed: an Entra ID object id (a GUID such as 00000000-0000-0000-0000-000000000000)."""
    type: NotRequired[str]
    """User, Group or ServicePrincipal. One of: User, Group, ServicePrincipal. Default: 'Group'."""


class BatchEndpointArgs(TypedDict):
    """A batch endpoint that takes Entra tokens, its model deployments on compute clusters, its default deployment and who may invoke it, with the roles Microsoft documents for invokers."""
    default_deployment: NotRequired[str]
    """The deployment an invocation runs unless it names another; unset: the first."""
    workspace_id: pulumi.Input[str]
    """Resource id of the workspace the endpoint belongs to."""
    endpoint_name: pulumi.Input[str]
    """Azure name, unique in the region. Allowed: 3-32 characters: letters, digits and single hyphens, starting with a letter."""
    deployments: NotRequired[list[BatchDeployment]]
    """Model deployments; the first is the default unless defaultDeployment names another."""
    invokers: NotRequired[list[Invoker]]
    """Who may invoke it: AzureML Data Scientist on the workspace and Storage Blob Data Contributor on its storage (roles on the workspace: name each on one endpoint)."""
    tags: NotRequired[dict[str, str]]
