"""A file uploaded to Blob Storage with Entra ID, as the identity that runs ``pulumi up``.

azure-native's ``storage:Blob`` lists the account keys and uploads with them, on every backend
(pulumi/pulumi-azure-native#2015, still open; v3's ``custom_storage_azidentity.go`` builds a shared
key credential from ``ListKeys``), so it fails on an account whose shared keys are off
(403 KeyBasedAuthenticationNotPermitted) and keeps the keys a requirement where it works.
:class:`EntraBlob` is a Pulumi dynamic resource that uploads with ``azure-storage-blob`` and
``DefaultAzureCredential`` instead: the Azure CLI login of a person, or the federated login of CI.

* Idempotent by content: the blob's inputs carry the file's SHA-256; an unchanged file is neither
  read nor sent again, a changed one is uploaded over the blob (an update), a new account, container
  or blob name replaces it (upload the new, then delete the old).
* The uploader needs a data role: Storage Blob Data Contributor on the account or the container
  ("Assign an Azure role for access to blob data"; Owner and Contributor hold no data actions).
  A refusal names it, and carries Azure's error code, which the role-propagation hook retries on
  (a role granted minutes ago may not have taken effect).
* The file is read where the program runs (the project folder: paths are the project's), and its
  digest is checked again at upload, so the blob is the file the preview showed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pulumi
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import DefaultAzureCredential
from azure.storage.blob import BlobClient
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from .propagation import propagation_hook

DATA_ROLE = "Storage Blob Data Contributor"
"""The role the identity running ``pulumi up`` needs on the target account or container."""
REPLACE_KEYS = ("accountUrl", "container", "blobName")
"""Inputs that name another blob: a change uploads the new one and deletes the old."""


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def blob_url(props: dict[str, Any]) -> str:
    return f"{props['accountUrl'].rstrip('/')}/{props['container']}/{props['blobName']}"


def _client(props: dict[str, Any], credential: Any = None, **client_options: Any) -> Any:
    """The blob's client, authenticated with Entra ID (``credential``: DefaultAzureCredential
    unless given, e.g. by a test with a transport and no network)."""
    if credential is None:
        credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
    return BlobClient(props["accountUrl"], props["container"], props["blobName"],
                      credential=credential, **client_options)


def _refusal(error: Exception, props: dict[str, Any], doing: str) -> Exception:
    if isinstance(error, HttpResponseError) and error.status_code == 403:
        code = getattr(error, "error_code", None) or "403"
        return PermissionError(
            f"{doing} {blob_url(props)} was refused ({code}): the identity running pulumi up "
            f"needs {DATA_ROLE} on storage account {props['accountUrl']} or container "
            f"{props['container']} (Owner and Contributor hold no data actions; a role granted "
            "in the last minutes may not have taken effect yet)")
    return error


def upload(props: dict[str, Any], credential: Any = None, **client_options: Any) -> None:
    """Upload ``props['source']`` to the blob, after checking that it is still the file whose
    digest ``props['sha256']`` the plan carries."""
    found = file_sha256(props["source"])
    if found != props["sha256"]:
        raise ValueError(f"{props['source']} changed since the plan read it (sha256 {found}, "
                         f"planned {props['sha256']}); run pulumi up again")
    try:
        with open(props["source"], "rb") as data:
            _client(props, credential, **client_options).upload_blob(data, overwrite=True)
    except Exception as error:
        raise _refusal(error, props, "uploading to") from error


def delete(props: dict[str, Any], credential: Any = None, **client_options: Any) -> None:
    """Delete the blob; one already gone counts as deleted."""
    try:
        _client(props, credential, **client_options).delete_blob()
    except ResourceNotFoundError:
        pass
    except Exception as error:
        raise _refusal(error, props, "deleting") from error


class EntraBlobProvider(ResourceProvider):
    """Create, update and delete of :class:`EntraBlob` (run by Pulumi's dynamic provider host)."""

    serialize_as_secret_always = False  # it captures no secret

    def create(self, props: dict[str, Any]) -> CreateResult:
        upload(props)
        return CreateResult(blob_url(props), props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in REPLACE_KEYS if olds.get(key) != news.get(key)]
        changed = bool(replaces) or olds.get("sha256") != news.get("sha256")
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        upload(news)
        return UpdateResult(news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        delete(props)


class EntraBlob(pulumi.dynamic.Resource, module="storage", name="EntraBlob"):
    """One file at ``<account_url><container>/<blob_name>``, uploaded as the deployer's identity."""

    def __init__(self, name: str, *, account_url: pulumi.Input[str],
                 container: pulumi.Input[str], blob_name: str, source: str | Path,
                 opts: pulumi.ResourceOptions | None = None):
        path = Path(source)
        props: dict[str, Any] = {
            "accountUrl": account_url, "container": container, "blobName": blob_name,
            "source": path.as_posix(), "sha256": file_sha256(path), "size": path.stat().st_size,
        }
        hooks = pulumi.ResourceOptions(hooks=pulumi.ResourceHookBinding(
            on_error=[propagation_hook()]))
        super().__init__(EntraBlobProvider(), name, props,
                         pulumi.ResourceOptions.merge(opts, hooks))
