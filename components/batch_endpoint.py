"""Batch endpoint with model deployments on compute clusters, and who may invoke it.

A batch endpoint takes Microsoft Entra tokens only ("Batch endpoints support Microsoft Entra
authentication, or aad_token", how-to-authenticate-batch-endpoint): an invocation creates a batch
scoring job "under the identity associated with the token", which runs on a deployment's compute
cluster. So two identities act, and neither is the endpoint's:

* the **invoker** (the automation identity, people, groups) creates the job and reads its input as
  itself. It gets AzureML Data Scientist on the workspace, the built-in role that holds the
  documented invoke actions (``sources.BATCH_INVOKE``; it lacks only ``computes/listKeys/action``,
  and the clusters of this package take no keys: at risk), and Storage Blob Data Contributor on
  the workspace storage, which takes no keys: the invoker "Read[s] and write[s] from/to data
  stores" (``sources.BATCH_INVOKE_DATA``). A custom role with exactly the listed actions would be
  narrower, but the deployer this package asks for (Contributor and Role Based Access Control
  Administrator) cannot create role definitions. Both roles are on the workspace, so an invoker
  may invoke every batch endpoint of it: name it on one endpoint (the grants are the same Azure
  assignments, and two components owning one would delete it with either);
* the **cluster's user-assigned identity** runs the job, a Parallel Run Step, which on keyless
  storage needs Storage Queue Data Contributor and Storage Table Data Contributor besides the blob
  role every cluster holds (``sources.BATCH_JOBS``). The cluster holds them
  (:class:`~components.compute.ComputeClusterArgs` ``batch_jobs``), once however many deployments
  run on it; a deployment refuses a cluster that runs as its system-assigned identity or lacks
  them, and waits for them. In a managed network the workspace storage's queue and table are
  reached through private endpoint rules (:class:`~components.managed_network.ManagedNetwork`
  ``batch_storage``).

The default deployment. Each invocation runs the endpoint's default deployment
(``properties.defaults.deploymentName``) unless it names another. Like an online endpoint's
traffic (:mod:`components.endpoint`), the default names a deployment that exists only after the
endpoint, so the endpoint resource creates the endpoint and ignores its defaults, and an ARM
template deployment (the *writer*) puts it again with the default once every deployment exists.
Pulumi deletes removed deployments after every create and update, so a retired default has been
replaced by the writer before its delete. Nothing runs while no job does: the endpoint and its
deployments cost nothing idle, and the clusters scale to zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import resources
from pydantic import Field, InstanceOf, StrictInt

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, Grant, Principal, after, grant
from .arguments import Arguments, Problem, StrInput, azure_name, unique_names
from .assets import CODE_VERSION, ENVIRONMENT_VERSION, MODEL_VERSION
from .azure import sources
from .azure.names import RULES
from .catalog import AT_RISK, Fixed, Seconds, Shown
from .compute import BATCH_IDENTITY, COMPUTE, ClusterRef, in_network
from .endpoint import ENDPOINT_API_VERSION
from .network_provisioning import NETWORK_PROVISIONING
from .secrets import TEMPLATE_DEPLOYMENT
from .workspace import ML_WORKSPACE, WorkspaceRef, in_workspace

BATCH_ENDPOINT = catalog.register(catalog.ResourceType(
    "azure-native:machinelearningservices:BatchEndpoint", "batch endpoint",
    created_in=Seconds(60, catalog.ESTIMATE),
    id_template=in_workspace("batchEndpoints/{endpointName}"), name="endpointName",
    name_rule=RULES["batch endpoint"], replaced_on=("location",),
    requires={ML_WORKSPACE: "a batch endpoint belongs to its workspace"},
    shown=(Shown("auth", "properties.authMode"),)))
catalog.require(ROLE_ASSIGNMENT, {BATCH_ENDPOINT: PRINCIPAL_OR_SCOPE})
BATCH_DEPLOYMENT = catalog.register(catalog.ResourceType(
    "azure-native:machinelearningservices:BatchDeployment", "batch deployment",
    created_in=Seconds(60, catalog.ESTIMATE + " (nothing starts: a job starts the cluster)"),
    id_template=in_workspace("batchEndpoints/{endpointName}/deployments/{deploymentName}"),
    name="deploymentName", name_rule=RULES["batch deployment"], replaced_on=("location",),
    fixed=(Fixed("properties.compute", AT_RISK,
                 "a deployment moved to another cluster is updated in place (PUT); Azure's "
                 "answer, and what happens to a job running on the old cluster, is not "
                 "documented",
                 "Azure/bicep-types-az machinelearningservices BatchDeploymentProperties (compute "
                 "neither ReadOnly nor DeployTimeConstant); how-to-use-batch-model-deployments "
                 "documents no cluster change"),),
    requires={BATCH_ENDPOINT: "a deployment belongs to its endpoint",
              ML_WORKSPACE: "a deployment belongs to its workspace",
              MODEL_VERSION: "a deployment scores with a registered model",
              CODE_VERSION: "a deployment runs registered code",
              ENVIRONMENT_VERSION: "a deployment runs in a registered environment",
              COMPUTE: "a deployment runs its jobs on its cluster",
              ROLE_ASSIGNMENT: "its jobs run as the cluster identity, which needs the batch "
                               "data roles first",
              NETWORK_PROVISIONING: "its jobs run in the managed network"},
    shown=(Shown("cluster", "properties.compute"),
           Shown("instances per job", "properties.resources.instanceCount"),
           Shown("max concurrency per instance", "properties.maxConcurrencyPerInstance"))))
catalog.require(TEMPLATE_DEPLOYMENT, {  # the template that writes a batch endpoint's default
    BATCH_DEPLOYMENT: "the default names a deployment that exists",
    BATCH_ENDPOINT: "the default is set on the endpoint"})

WRITTEN = ("authMode", "defaults")
"""The batch endpoint properties the writer puts after creation (the endpoint resource ignores
them)."""
INVOKER_ROLES = (("workspace", "AzureML Data Scientist", sources.BATCH_INVOKE),
                 ("storage", "Storage Blob Data Contributor", sources.BATCH_INVOKE_DATA))
"""What an invoker holds, on the workspace and on its storage (see the module's doc)."""

OutputAction = Literal["AppendRow", "SummaryOnly"]
"""Azure ML's ``BatchOutputAction``: one file of every mini-batch's rows, or a summary only."""
LoggingLevel = Literal["Warning", "Info", "Debug"]
"""Azure ML's ``BatchLoggingLevel``."""


class BatchDeploymentSpec(Arguments):
    """One model deployment of a batch endpoint: how its jobs split and score the input
    (how-to-use-batch-model-deployments; defaults are Azure's)."""

    name: Annotated[str, azure_name("batch deployment")]
    """Letters, digits and single hyphens, 3-32."""
    scoring_script: str = Field("batch_driver.py", pattern=r"^[\w.-]+(/[\w.-]+)*\.py$")
    """The code's script with ``init()`` and ``run(mini_batch)``, relative to the code folder."""
    instance_count: StrictInt = Field(1, ge=1, le=1000)
    """Nodes of the cluster a job runs on (at most the cluster's maximum)."""
    mini_batch_size: StrictInt = Field(10, ge=1, le=100_000)
    """Files one ``run()`` call scores."""
    max_concurrency_per_instance: StrictInt = Field(1, ge=1, le=100)
    """Scoring processes per node."""
    output_action: OutputAction = "AppendRow"
    """AppendRow: every ``run()`` result in one file; SummaryOnly: none kept."""
    output_file_name: str = Field("predictions.csv", pattern=r"^[\w.-]{1,255}$")
    """The file AppendRow writes."""
    max_retries: StrictInt = Field(3, ge=0, le=100)
    """Tries of a failed or timed-out mini-batch."""
    timeout_seconds: StrictInt = Field(30, ge=1, le=7 * 24 * 3600)
    """Seconds one mini-batch may take."""
    error_threshold: StrictInt = Field(-1, ge=-1)
    """Failed files a job tolerates before it stops; -1: any."""
    logging_level: LoggingLevel = "Info"
    """Log verbosity of the jobs."""
    environment_variables: Mapping[str, str] = {}
    """Variables for the scoring code (not secrets: the definition is readable in the
    workspace)."""


class BatchModelDeploymentSpec(BatchDeploymentSpec):
    """One model deployment with what it scores with and the cluster it runs on."""

    model_id: StrInput
    """Model version to score with: an ARM id or an ``azureml://`` URI."""
    environment_id: StrInput
    """Environment version the scoring code runs in (with ``azureml-core`` and
    ``azureml-dataset-runtime[fuse]``, which batch deployments require)."""
    code_id: StrInput
    """Code version that holds the scoring script."""
    cluster: InstanceOf[ClusterRef]
    """The compute cluster its jobs run on (:attr:`~components.compute.ComputeCluster.ref`, or
    :meth:`~components.compute.ClusterRef.existing` for one made elsewhere)."""

    def cross_checks(self) -> list[Problem]:
        cluster = self.cluster
        if cluster.user_assigned is False:
            return [Problem(("cluster",), cluster.name, "a cluster that runs as a user-assigned "
                            "identity: " + BATCH_IDENTITY.removeprefix("False: "))]
        if cluster.user_assigned and not cluster.batch_grants:
            return [Problem(("cluster",), cluster.name, "a cluster made with batch_jobs=True, "
                            "whose identity then holds Storage Queue and Table Data Contributor "
                            "on the workspace storage")]
        return []


class BatchEndpointSpec(Arguments):
    """One batch endpoint: its deployments and its default."""

    default_deployment: str | None = None
    """The deployment an invocation runs unless it names another; unset: the first."""

    def deployment_names(self) -> list[str]:
        """The names of the deployments (each model's own)."""
        return []

    def cross_checks(self) -> list[Problem]:
        """Deployment names used once, and a default that names one of them."""
        found = unique_names(("deployments",), self.deployment_names())
        names = list(dict.fromkeys(self.deployment_names()))
        if self.default_deployment is not None and self.default_deployment not in names:
            found.append(Problem(("default_deployment",), self.default_deployment,
                                 "the name of one of {deployments}"
                                 + (f" ({', '.join(names)})" if names else " (there are none)")))
        return found


class BatchEndpointArgs(BatchEndpointSpec):
    """Arguments of :class:`BatchEndpoint`."""

    workspace: InstanceOf[WorkspaceRef]
    endpoint_name: Annotated[StrInput, azure_name("batch endpoint")]
    """Azure name: 3-32 letters, digits and single hyphens, unique in the region."""
    deployments: Sequence[BatchModelDeploymentSpec] = ()
    """Model deployments; none scores nothing (and costs nothing)."""
    invokers: Mapping[str, InstanceOf[Principal]] = {}
    """Who may invoke it (identities, people or groups: AzureML Data Scientist on the workspace,
    Storage Blob Data Contributor on its storage), by a short name that names their grants (a
    new name replaces them)."""
    tags: Mapping[str, str] = {}

    def deployment_names(self) -> list[str]:
        return [d.name for d in self.deployments]


class BatchEndpoint(pulumi.ComponentResource):
    """A batch endpoint, its model deployments on compute clusters, and its invokers' roles."""

    id: pulumi.Output[str]
    name: pulumi.Output[str]
    scoring_uri: pulumi.Output[str]
    """The invocation URI (``az ml batch-endpoint invoke`` finds it by name), known once the
    endpoint exists."""
    deployments: dict[str, ml.BatchDeployment]
    """The endpoint's deployments by Azure name."""
    default_deployment: str | None
    """The deployment an invocation runs (None without deployments)."""
    invokers: list[Principal]
    """Who may invoke it."""
    cluster_principals: list[pulumi.Output[str]]
    """Principal ids of the cluster identities its jobs run as."""
    grants: list[Grant]
    """The roles this component grants the invokers."""

    def __init__(self, name: str, args: BatchEndpointArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:batch:BatchEndpoint", name, {}, opts)
        ws = args.workspace
        endpoint = ml.BatchEndpoint(
            name,
            endpoint_name=args.endpoint_name,
            **ws.inside(),
            properties=ml.BatchEndpointPropertiesArgs(auth_mode="AADToken"),
            tags=dict(args.tags),
            # Created here, written afterwards only by the writer below (see the module's doc).
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=[f"properties.{key}" for key in WRITTEN] + ["tags"]))

        scopes = {"workspace": ws.id, "storage": ws.storage_account_id}
        self.invokers = list(args.invokers.values())
        self.grants = [grant(self, f"{name}-{short}-{target}", invoker, role, scopes[target],
                             source)
                       for short, invoker in args.invokers.items()
                       for target, role, source in INVOKER_ROLES]
        self.deployments = {spec.name: self._deployment(name, spec, args, endpoint)
                            for spec in args.deployments}
        self.default_deployment = args.default_deployment or next(iter(self.deployments), None)
        clusters = {id(d.cluster): d.cluster for d in args.deployments}.values()
        self.cluster_principals = [pulumi.Output.from_input(g.principal.id)
                                   for c in clusters for g in c.batch_grants[:1]]
        self._writer(name, args, endpoint)

        self.id = endpoint.id
        self.name = endpoint.name
        self.scoring_uri = endpoint.properties.apply(lambda p: p.scoring_uri)
        self.register_outputs({"id": self.id, "name": self.name, "scoring_uri": self.scoring_uri,
                               "default_deployment": self.default_deployment})

    def _deployment(self, name: str, spec: BatchModelDeploymentSpec, args: BatchEndpointArgs,
                    endpoint: ml.BatchEndpoint) -> ml.BatchDeployment:
        ws = args.workspace
        return ml.BatchDeployment(
            f"{name}-{spec.name}",
            deployment_name=spec.name,
            endpoint_name=endpoint.name,
            **ws.inside(),
            properties=ml.BatchDeploymentPropertiesArgs(
                compute=spec.cluster.id,
                model=ml.IdAssetReferenceArgs(asset_id=spec.model_id, reference_type="Id"),
                code_configuration=ml.CodeConfigurationArgs(code_id=spec.code_id,
                                                            scoring_script=spec.scoring_script),
                environment_id=spec.environment_id,
                environment_variables=dict(spec.environment_variables),
                resources=ml.DeploymentResourceConfigurationArgs(
                    instance_count=spec.instance_count),
                mini_batch_size=spec.mini_batch_size,
                max_concurrency_per_instance=spec.max_concurrency_per_instance,
                output_action=spec.output_action,
                output_file_name=spec.output_file_name,
                retry_settings=ml.BatchRetrySettingsArgs(max_retries=spec.max_retries,
                                                         timeout=f"PT{spec.timeout_seconds}S"),
                error_threshold=spec.error_threshold,
                logging_level=spec.logging_level,
            ),
            tags=dict(args.tags),
            # Its jobs run as the cluster identity, which holds the batch data roles first.
            # Deleting the endpoint deletes its deployments; no separate delete to order.
            opts=after(spec.cluster.batch_grants, also=in_network(ws), parent=self,
                       deleted_with=endpoint),
        )

    def _writer(self, name: str, args: BatchEndpointArgs, endpoint: ml.BatchEndpoint) -> None:
        ws = args.workspace
        parameters: dict[str, Any] = {
            "workspaceName": ws.name, "endpointName": endpoint.name, "location": ws.location,
            "tags": dict(args.tags)}
        if self.default_deployment is not None:
            parameters["defaultDeployment"] = self.default_deployment
        resources.Deployment(
            f"{name}-default",
            resource_group_name=ws.resource_group_name,
            properties=resources.DeploymentPropertiesArgs(
                mode=resources.DeploymentMode.INCREMENTAL,
                template=batch_endpoint_template(self.default_deployment is not None),
                parameters={key: resources.DeploymentParameterArgs(value=value)
                            for key, value in parameters.items()},
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.deployments.values()),
                                        deleted_with=endpoint),
        )


def batch_endpoint_template(with_default: bool) -> dict[str, Any]:
    """ARM template that puts a batch endpoint (AADToken) with its default deployment
    (parameters: workspaceName, endpointName, location, tags; defaultDeployment when
    ``with_default``)."""
    strings = ["workspaceName", "endpointName", "location",
               *(["defaultDeployment"] if with_default else [])]
    defaults = {"defaults": {"deploymentName": "[parameters('defaultDeployment')]"}} \
        if with_default else {}
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {**{key: {"type": "string"} for key in strings},
                       "tags": {"type": "object"}},
        "resources": [{
            "type": "Microsoft.MachineLearningServices/workspaces/batchEndpoints",
            "apiVersion": ENDPOINT_API_VERSION,
            "name": "[format('{0}/{1}', parameters('workspaceName'), parameters('endpointName'))]",
            "location": "[parameters('location')]",
            "tags": "[parameters('tags')]",
            "properties": {"authMode": "AADToken", **defaults},
        }],
    }
