"""Models, scoring code and environments registered in a workspace from local files.

Files go to a blob container of the workspace storage (``ml-assets``), registered as a datastore
that holds no credentials, so whoever reads them does so as their own identity (an endpoint's
identity holds Storage Blob Data Reader on that account). The layout follows Microsoft's
ARM-template walkthrough (Azure/azureml-examples ``deploy-arm-templates-az-cli.sh``): upload the
folder, then register a code version whose ``codeUri`` is the folder's blob URL and a model version
whose ``modelUri`` is an ``azureml://subscriptions/.../datastores/<name>/paths/<folder>`` path.

Asset versions are immutable in Azure ML, so each version here is named by a digest of its content:
changed files make a new version (a new resource), unchanged files keep the registered one, and
identical content used twice is registered once. A registered version is never updated: new tags
or descriptions go to the versions registered after them ("... is already registered and cannot
be changed", Azure/azure-cli-extensions#5440).

Files are uploaded with Entra ID as the identity running ``pulumi up``
(:class:`~components.blob_upload.EntraBlob`), which needs Storage Blob Data Contributor on the
``ml-assets`` container ("registration of a model from local files, the user needs the Storage
Data Contributor role", how-to-disable-local-auth-storage; Owner and Contributor hold no data
actions); no account key is read, so the storage can refuse shared keys. Nobody can hold that role
before the ``pulumi up`` that creates the storage, so the store grants it to the ``uploader`` (the
deployer) on the container it creates, and every upload waits for that grant.

A blob of an earlier release (``azure-native:storage:Blob``, uploaded with the key) becomes an
EntraBlob under the same name: the alias makes it a replacement, deleting the old resource first,
so the blob that the new one uploads is not deleted after it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import storage
from pydantic import InstanceOf, StrictBool

from . import catalog
from .access import PRINCIPAL_OR_SCOPE, ROLE_ASSIGNMENT, Grant, Principal, grant
from .arguments import Arguments
from .azure import sources
from .azure.names import RULES
from .azure.resource_ids import parse_resource_id
from .blob_upload import DATA_ROLE, ENTRA_BLOB, KEY_BLOB, EntraBlob
from .catalog import Seconds
from .workspace import ML_WORKSPACE, STORAGE_ACCOUNT, WorkspaceRef, in_workspace

_Version = TypeVar("_Version", ml.ModelVersion, ml.CodeVersion, ml.EnvironmentVersion)

BLOB_CONTAINER = catalog.register(catalog.ResourceType(
    "azure-native:storage:BlobContainer", "blob container",
    created_in=Seconds(3, catalog.ESTIMATE),
    id_template=catalog.in_group("Microsoft.Storage/storageAccounts/{accountName}/blobServices/"
                                 "default/containers/{containerName}"),
    name="containerName", stateful=True,
    requires={STORAGE_ACCOUNT: "a container lives in its account"}))
catalog.require(ROLE_ASSIGNMENT, {BLOB_CONTAINER: PRINCIPAL_OR_SCOPE})
catalog.require(ENTRA_BLOB, {BLOB_CONTAINER: "a blob lives in its container",
                             STORAGE_ACCOUNT: "a blob lives in its account"})
DATASTORE = catalog.register(catalog.ResourceType(
    "azure-native:machinelearningservices:Datastore", "datastore",
    created_in=Seconds(3, catalog.ESTIMATE), id_template=in_workspace("datastores/{name}"),
    name="name",
    requires={ML_WORKSPACE: "a datastore belongs to its workspace",
              BLOB_CONTAINER: "a datastore points at an existing container",
              STORAGE_ACCOUNT: "a datastore points at an existing account"}))


def _version(kind: str, collection: str, note: str = "") -> str:
    """Register the version type of assets of ``kind`` (Model, Code, Environment)."""
    return catalog.register(catalog.ResourceType(
        f"azure-native:machinelearningservices:{kind}Version", f"{kind.lower()} version",
        created_in=Seconds(3, catalog.ESTIMATE + note),
        id_template=in_workspace(collection + "/{name}/versions/{version}"), name="name",
        name_rule=RULES["asset"],
        fixed=(catalog.Fixed("properties", catalog.REFUSED,
                             "a registered asset version cannot be changed (register a new "
                             "version)", "Azure/azure-cli-extensions#5440: \"... is already "
                             "registered and cannot be changed\""),),
        requires={ML_WORKSPACE: "an asset belongs to its workspace",
                  ENTRA_BLOB: "an asset's files are uploaded before it is registered",
                  DATASTORE: "a model URI names its datastore",
                  BLOB_CONTAINER: "a code URI names its container",
                  STORAGE_ACCOUNT: "an asset URI names its account"}))


MODEL_VERSION = _version("Model", "models")
CODE_VERSION = _version("Code", "codes")
ENVIRONMENT_VERSION = _version("Environment", "environments",
                               " (the image is built when a deployment first uses it)")

CONTAINER_NAME = "ml-assets"
DATASTORE_NAME = "mlassets"


def folder_files(folder: Path) -> list[Path]:
    """The files under ``folder`` in a stable order, skipping caches and hidden files."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part.startswith((".", "__pycache__"))
                                             for part in p.relative_to(folder).parts))


def digest(*parts: bytes) -> str:
    """A short content digest: the version name of an asset made from ``parts``."""
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:12]


def folder_digest(folder: Path) -> str:
    """Digest of a folder's relative file names and contents."""
    files = folder_files(folder)
    return digest(*(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes()
                    for p in files))


class AssetStoreArgs(Arguments):
    """Arguments of :class:`AssetStore`."""

    workspace: InstanceOf[WorkspaceRef]
    uploader: InstanceOf[Principal] | None = None
    """Who runs ``pulumi up`` and so uploads the files (the deployer,
    ``authorization.get_client_config().object_id``): granted Storage Blob Data Contributor on the
    container, which every upload waits for. None: the uploader holds a data role there
    already."""
    protect: StrictBool = False
    """Protect the container of uploaded files and keep it in Azure if it leaves the program: the
    versions registered from it (kept with a protected workspace) read their files there."""
    tags: Mapping[str, str] = {}


class AssetStore(pulumi.ComponentResource):
    """A workspace's place for uploaded assets, and the asset versions registered from it."""

    datastore_id: pulumi.Output[str]
    container_name: pulumi.Output[str]
    account_name: pulumi.Output[str]
    """Azure name of the storage account that holds the assets (the workspace storage)."""
    grants: list[Grant]
    """The uploader's role on the container (none without an ``uploader``)."""

    def __init__(self, name: str, args: AssetStoreArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("ml-platform:assets:AssetStore", name, {}, opts)
        self._name = name
        self._ws = ws = args.workspace
        self._tags = dict(args.tags)
        self._protect = args.protect
        account = pulumi.Output.from_input(ws.storage_account_id).apply(
            lambda rid: parse_resource_id(rid, "Microsoft.Storage/storageAccounts"))
        self.account_name = account.apply(lambda a: a.name)
        self._account_group = account.apply(lambda a: a.resource_group_name)
        self._container = storage.BlobContainer(
            f"{name}-container",
            account_name=self.account_name,
            resource_group_name=self._account_group,
            container_name=CONTAINER_NAME,
            public_access=storage.PublicAccess.NONE,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect,
                                        retain_on_delete=args.protect),
        )
        self._datastore = datastore = ml.Datastore(
            f"{name}-datastore",
            name=DATASTORE_NAME,
            workspace_name=ws.name,
            resource_group_name=ws.resource_group_name,
            properties=ml.AzureBlobDatastoreArgs(
                datastore_type="AzureBlob",
                account_name=self.account_name,
                container_name=self._container.name,
                credentials=ml.NoneDatastoreCredentialsArgs(credentials_type="None"),
                description="Models and scoring code uploaded by Pulumi; read as the caller's "
                            "identity (no stored credentials).",
                tags=self._tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, deleted_with=ws.resource),
        )
        self.grants = [] if args.uploader is None else [
            grant(self, f"{name}-uploader", args.uploader, DATA_ROLE, self._container.id,
                  sources.DEPLOYER_UPLOADS)]
        self.datastore_id = datastore.id
        self.container_name = self._container.name
        self._registered: dict[tuple[str, str, str], pulumi.CustomResource] = {}
        self.register_outputs({"datastore_id": self.datastore_id,
                               "container_name": self.container_name})

    def _blob(self, name: str, blob_name: str, path: Path) -> EntraBlob:
        return EntraBlob(
            name, account_url=self._ws.blob_url(), container=self._container.name,
            blob_name=blob_name, source=path,
            # It uploads as the uploader, once the uploader's role on the container is granted.
            opts=pulumi.ResourceOptions(
                parent=self, aliases=[pulumi.Alias(type_=KEY_BLOB)],
                depends_on=[g.assignment for g in self.grants],
                delete_before_replace=True, deleted_with=self._container,
                retain_on_delete=self._protect))

    def _upload(self, kind: str, asset: str, version: str, folder: Path) -> list[EntraBlob]:
        prefix = f"{kind}s/{asset}/{version}"
        return [self._blob(
            f"{self._name}-{kind}-{asset}-{version}-{path.relative_to(folder).as_posix()}",
            f"{prefix}/{path.relative_to(folder).as_posix()}", path)
            for path in folder_files(folder)]

    def upload_file(self, blob_name: str, path: str | Path) -> EntraBlob:
        """Upload one file as ``<container>/<blob_name>`` (data that scoring code reads)."""
        return self._blob(f"{self._name}-file-{blob_name}", blob_name, Path(path))

    def _version_options(self,
                         depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on),
                                      ignore_changes=["properties.tags", "properties.description"],
                                      deleted_with=self._ws.resource)

    def _once(self, key: tuple[str, str, str], make: Callable[[], _Version]) -> _Version:
        if key not in self._registered:
            self._registered[key] = make()
        return self._registered[key]  # type: ignore[return-value]  # keyed by kind

    def model(self, asset: str, folder: str | Path) -> ml.ModelVersion:
        """Upload ``folder`` and register it as a version of model ``asset``."""
        folder = Path(folder)
        version = folder_digest(folder)

        def make() -> ml.ModelVersion:
            blobs = self._upload("model", asset, version, folder)
            ws = self._ws
            uri = pulumi.Output.from_input(ws.id).apply(
                lambda ws_id: f"azureml:/{_workspace_path(ws_id)}/datastores/"
                          f"{DATASTORE_NAME}/paths/models/{asset}/{version}")
            return ml.ModelVersion(
                f"{self._name}-model-{asset}-{version}",
                name=asset, version=version,
                workspace_name=ws.name, resource_group_name=ws.resource_group_name,
                properties=ml.ModelVersionPropertiesArgs(
                    model_uri=uri, model_type="custom_model", tags=self._tags,
                    description="Uploaded by Pulumi"),
                opts=self._version_options(depends_on=[*blobs, self._datastore]))
        return self._once(("model", asset, version), make)

    def code(self, asset: str, folder: str | Path) -> ml.CodeVersion:
        """Upload ``folder`` and register it as a version of code ``asset``."""
        folder = Path(folder)
        version = folder_digest(folder)

        def make() -> ml.CodeVersion:
            blobs = self._upload("code", asset, version, folder)
            uri = pulumi.Output.all(self._ws.blob_url(), self._container.name).apply(
                lambda a: f"{a[0].rstrip('/')}/{a[1]}/codes/{asset}/{version}")
            return ml.CodeVersion(
                f"{self._name}-code-{asset}-{version}",
                name=asset, version=version,
                workspace_name=self._ws.name, resource_group_name=self._ws.resource_group_name,
                properties=ml.CodeVersionPropertiesArgs(
                    code_uri=uri, tags=self._tags, description="Uploaded by Pulumi"),
                opts=self._version_options(depends_on=blobs))
        return self._once(("code", asset, version), make)

    def environment(self, asset: str, image: str,
                    conda_file: str | Path | None = None) -> ml.EnvironmentVersion:
        """Register a version of environment ``asset``: ``image`` (a base image, or a complete
        image in a registry the endpoint identity can pull from) plus an optional conda file."""
        conda = Path(conda_file).read_text() if conda_file else None
        version = digest(image.encode(), (conda or "").encode())

        def make() -> ml.EnvironmentVersion:
            return ml.EnvironmentVersion(
                f"{self._name}-environment-{asset}-{version}",
                name=asset, version=version,
                workspace_name=self._ws.name, resource_group_name=self._ws.resource_group_name,
                properties=ml.EnvironmentVersionPropertiesArgs(
                    image=image, conda_file=conda, os_type=ml.OperatingSystemType.LINUX,
                    tags=self._tags, description="Registered by Pulumi"),
                opts=self._version_options())
        return self._once(("environment", asset, version), make)


def _workspace_path(workspace_id: str) -> str:
    """``/subscriptions/<s>/resourceGroups/<g>/workspaces/<w>``: the scope of an azureml:// URI."""
    ws = parse_resource_id(workspace_id, "Microsoft.MachineLearningServices/workspaces")
    return f"/subscriptions/{ws.subscription_id}/resourceGroups/{ws.resource_group_name}" \
           f"/workspaces/{ws.name}"
