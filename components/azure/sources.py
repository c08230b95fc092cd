"""The Microsoft documents each grant of the package comes from, as the access matrix cites them.

Paths are MicrosoftDocs/azure-ai-docs ``articles/machine-learning/`` unless a repository is named.
"""

WORKSPACE_IDENTITY = ("how-to-identity-based-service-authentication: the roles \"required on your "
                      "user-assigned managed identity\" (seed 002)")
COMPUTE_IDENTITY = ("how-to-identity-based-service-authentication, Compute cluster: the cluster "
                    "pulls images and reads data as its identity (seed 002)")
JOB_OUTPUTS = ("how-to-disable-local-auth-storage, Scenarios for role assignments: Model Registry "
               "and ML Flow need Storage Blob Data Contributor for the compute's identity; jobs "
               "write outputs to the default datastore as it")
INSTANCE_FILES = ("how-to-disable-local-auth-storage, Limitations (2026-01-30): \"Use user "
                  "assigned identity to create the compute instance, and make sure the "
                  "user-assigned identity has Storage File Data Privileged Contributor on the "
                  "storage account\"")
USER_STORAGE = ("how-to-disable-local-auth-storage: users \"must be assigned the Storage Blob Data "
                "Contributor and Storage File Data Privileged Contributor roles\"")
INSTANCE_OWNER = ("how-to-create-compute-instance, Create on behalf of: the user needs "
                  "computes/start, stop, restart, applicationaccess and updateSchedules actions")
IDLE_SHUTDOWN = ("how-to-identity-based-service-authentication: idle shutdown needs the "
                 "instance's managed identity to be Contributor on the workspace (seed 002)")
ENDPOINT_IDENTITY = ("concept-endpoints-online-auth: \"If the endpoint identity is a user-assigned "
                     "identity, there's no automatic role assignment\"")
ENDPOINT_STORAGE = ("how-to-disable-local-auth-storage, Scenarios for role assignments "
                    "(2026-01-30): a managed online endpoint's identity holds Storage Blob Data "
                    "Contributor on an identity-based workspace's storage; "
                    "concept-endpoints-online-auth says Storage Blob Data Reader. The pages "
                    "disagree: the stricter one is followed")
STUDIO_PRIVATE_ENDPOINT = ("how-to-managed-network, Azure Machine Learning studio: with public "
                           "access to the storage disabled, \"ensure the private endpoint created "
                           "in the client virtual network is granted the Reader role to your "
                           "workspace managed identity\" (blob and file)")
DEPLOYER_UPLOADS = ("how-to-disable-local-auth-storage, Scenarios for role assignments: "
                    "\"registration of a model from local files, the user needs the Storage Data "
                    "Contributor role\"; Owner and Contributor hold no data actions")
ENCRYPTION_KEY = ("concept-customer-managed-keys: the identity of the services encrypted with the "
                  "key needs \"Wrap Key, Unwrap Key, Get\", which Key Vault Crypto Service "
                  "Encryption User holds; storage customer-managed-keys and container-registry "
                  "customer-managed-keys assign it on the vault, Key Vault rbac-guide allows "
                  "\"individual keys\" as the scope: here on the key only, the scope Azure's own "
                  "ML module grants on (AVM machine-learning-services/workspace, e2e test encr)")
SECRETS_IN_RUNS = ("how-to-use-secrets-in-runs: the compute's managed identity gets Key Vault "
                   "Secrets User; here on each named secret only")
SCORING_SECRETS = ("seed 003: scoring code reads its secrets as the endpoint identity; Key Vault "
                   "rbac-guide: roles on individual secrets")
DATA_USERS = ("how-to-identity-based-service-authentication, Data storage: users read "
              "identity-based datastores as themselves (seed 002)")
PRIVATE_REGISTRY = ("how-to-identity-based-service-authentication, Use a private Azure Container "
                    "Registry: AcrPull for whatever pulls from it (seed 002)")
AUTOMATION = ("how-to-assign-roles: AzureML Data Scientist deploys endpoints; assigning a "
              "user-assigned identity needs .../userAssignedIdentities/assign/action (footnote 4)")
BATCH_JOBS = ("how-to-disable-local-auth-storage, Scenarios for role assignments: Parallel Run "
              "Step needs Storage Table Data Contributor and Storage Queue Data Contributor for "
              "the compute's user-assigned identity; a batch model deployment runs its jobs so "
              "(how-to-managed-network groups \"batch endpoints or ParallelRunStep\")")
BATCH_INVOKE = ("how-to-authenticate-batch-endpoint, Configure RBAC for batch endpoint invoke: the "
                "invoker needs workspace actions (batchEndpoints read and jobs write, experiments "
                "runs submit, datastores, environments); AzureML Data Scientist holds them all but "
                "computes/listKeys/action (at risk: clusters here take no keys). A custom role is "
                "not chosen: the deployer (Contributor, Role Based Access Control Administrator) "
                "cannot create role definitions")
BATCH_INVOKE_DATA = ("how-to-authenticate-batch-endpoint: the invoker must \"Read and write "
                     "from/to data stores\" and the job reads its input as the invoker; "
                     "how-to-disable-local-auth-storage: datastores and datasets need the user's "
                     "Storage Blob Data Contributor on keyless storage")

MANAGED_NETWORK = ("how-to-managed-network, Required permissions: a user-assigned workspace "
                   "identity needs Azure AI Enterprise Network Connection Approver on the private "
                   "endpoint targets")
KUBERNETES_ATTACH = ("how-to-attach-kubernetes-to-workspace: the workspace identity needs Reader, "
                     "Kubernetes Extension Contributor and Azure Kubernetes Service Cluster Admin "
                     "Role on the cluster it attaches")
KUBERNETES_COMPUTE = ("how-to-attach-kubernetes-to-workspace: the compute target's identity pulls "
                      "images (AcrPull) and reads data (Storage Blob Data Reader) as itself")
REGISTRY_PUBLISHER = ("how-to-registry-network-isolation, Create assets in registry from local "
                      "files: the identity that creates assets \"must be assigned the AzureML "
                      "Registry User, owner, or contributor role\"; how-to-assign-roles: AzureML "
                      "Registry User \"can get registries, and read, write and delete assets "
                      "within them\" (the least of the three)")
REGISTRY_CONSUMER = ("how-to-manage-registries, Allow users to use assets from the registry: "
                     "\"To let a user only read assets, you can grant the user the built-in "
                     "Reader role\"")
REGISTRY_WORKLOAD = ("how-to-manage-registries (Reader to use assets) and "
                     "how-to-share-models-pipelines-across-workspaces-with-registries (deploy a "
                     "registry model to an endpoint): Microsoft lists no role for the endpoint or "
                     "cluster identity that runs a registry asset; Reader, the documented role "
                     "for using assets, is chosen (at risk)")
REGISTRY_NETWORK = ("how-to-managed-network, Private endpoints: \"Azure Machine Learning "
                    "registries\" are a private endpoint target; azure-docs private-link/"
                    "private-endpoint-dns: its subresource is amlregistry")

# What Azure grants a system-assigned identity itself (AzureGrant: listed, never granted again).
ENDPOINT_AUTOMATIC = ("concept-endpoints-online-auth: a system-assigned endpoint identity is "
                      "granted AcrPull and AzureML Metrics Writer (preview) on the workspace's "
                      "resources")
ENDPOINT_STORAGE_AUTOMATIC = ("how-to-disable-local-auth-storage (2026-01-30): a system-assigned "
                              "endpoint identity is \"automatically assigned\" Storage Blob Data "
                              "Contributor on an identity-based workspace's storage "
                              "(concept-endpoints-online-auth: Storage Blob Data Reader)")
CLUSTER_AUTOMATIC = ("how-to-identity-based-service-authentication, Compute cluster: \"The "
                     "managed identity is automatically granted ACRPull role on workspace ACR\"")
WORKSPACE_AUTOMATIC = ("how-to-assign-roles: \"Workspaces created after [11/19/2024] have the "
                       "system-assigned managed identity assigned to the Azure AI Administrator "
                       "role\" on the resource group")
