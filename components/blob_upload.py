"""A file uploaded to Blob Storage with Entra ID, as the identity that runs ``pulumi up``.

azure-native's ``storage:Blob`` lists the account keys and uploads with them, on every backend
(pulumi/pulumi-azure-native#2015, still open; v3's ``custom_storage_azidentity.go`` builds a shared
key credential from ``ListKeys``), so it fails on an account whose shared keys are off
(403 KeyBasedAuthenticationNotPermitted) and keeps the keys a requirement where it works.
:class:`EntraBlob` is a Pulumi dynamic resource that uploads with ``azure-storage-blob`` and an
Entra ID token instead (:func:`credential`): the Azure CLI login of a person, or the federated
login of CI.

* Idempotent by content: the blob's inputs carry the file's SHA-256; an unchanged file is neither
  read nor sent again, a changed one is uploaded over the blob (an update), a new account, container
  or blob name replaces it (upload the new, then delete the old). The digest is also stored in the
  blob's metadata, so ``pulumi refresh`` sees a blob deleted (it leaves the state) or overwritten
  (the next ``up`` uploads it again).
* The uploader needs a data role: Storage Blob Data Contributor on the account or the container
  ("Assign an Azure role for access to blob data"; Owner and Contributor hold no data actions).
  A refusal says which of Azure Storage's 403s it is: a missing or fresh role
  (``AuthorizationPermissionMismatch``, which the role-propagation hook retries) or the account's
  network rules (``AuthorizationFailure``, which waiting does not cure).
* The file is read where the program runs (the project folder: paths are the project's), and its
  digest is checked again at upload, so the blob is the file the preview showed.
* Every blob in a stack's state holds this provider pickled *by reference* to
  ``components.blob_upload.EntraBlobProvider`` (dill, ``pulumi/dynamic/dynamic.py``
  ``serialize_provider``); its refresh, update and delete import that path. The module and the
  class keep these names: renaming either breaks every blob already deployed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from azure.core.credentials import TokenCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.storage.blob import BlobClient
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from . import catalog
from .access import ROLE_ASSIGNMENT
from .propagation import propagation_hook
from .signin import credential

DATA_ROLE = "Storage Blob Data Contributor"
"""The role the identity running ``pulumi up`` needs on the target account or container."""
REPLACE_KEYS = ("accountUrl", "container", "blobName")
"""Inputs that name another blob: a change uploads the new one and deletes the old."""
DIGEST_METADATA = "sha256"
"""The blob metadata key that holds the uploaded file's digest."""
NETWORK_REFUSALS = ("AuthorizationFailure", "AuthorizationSourceIPMismatch")
"""Azure Storage's 403 codes for a request its network rules do not admit ("This request is not
authorized to perform this operation", "... using this source IP"; Azure Storage REST API, Common
REST API error codes; storage-network-security)."""
ROLE_REFUSAL = "AuthorizationPermissionMismatch"
"""Azure Storage's 403 code for a principal without the data action ("... not authorized to
perform this operation using this permission")."""


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def blob_url(props: Mapping[str, Any]) -> str:
    """The blob's URL: its provider's id."""
    return f"{props['accountUrl'].rstrip('/')}/{props['container']}/{props['blobName']}"


ENTRA_BLOB = catalog.register(catalog.ResourceType(
    "pulumi-python:dynamic/storage:EntraBlob", "blob",
    created_in=catalog.Seconds(2, catalog.ESTIMATE + " (a small file; large models take their "
                                                     "upload time)"),
    provider_id=blob_url, name="blobName", replaced_on=REPLACE_KEYS,
    requires={ROLE_ASSIGNMENT: "the deployer uploads as itself: Storage holds no data action for "
                               "Owner or Contributor"}))
"""The type of :class:`EntraBlob`."""
KEY_BLOB = catalog.register(catalog.ResourceType(
    "azure-native:storage:Blob", "key-based blob",
    id_template=catalog.in_group("Microsoft.Storage/storageAccounts/{accountName}/blobServices/"
                                 "default/containers/{containerName}/blobs/{blobName}"),
    name="blobName", replaced_on=("contentMd5", "source", "type"),
    retired="an earlier release's upload: azure-native reads the account key for every call on "
            "it; EntraBlob took its place (with an alias)"))


def _client(props: Mapping[str, Any], token: TokenCredential | None = None,
            **client_options: Any) -> Any:
    """The blob's client, authenticated with Entra ID (``token``: :func:`credential` unless
    given, e.g. by a test with a transport and no network)."""
    return BlobClient(props["accountUrl"], props["container"], props["blobName"],
                      credential=token or credential(), **client_options)


def _refusal(error: Exception, props: Mapping[str, Any], doing: str) -> Exception:
    if not (isinstance(error, HttpResponseError) and error.status_code == 403):
        return error
    # azure-storage-blob gives a StorageErrorCode (a str enum) for the codes it knows
    code = getattr(error, "error_code", None) or "403"
    code = str(getattr(code, "value", code))
    where = f"{doing} {blob_url(props)} was refused ({code})"
    if code in NETWORK_REFUSALS:
        return PermissionError(
            f"{where}: the storage account's network rules do not admit this machine, whatever "
            "its roles: run pulumi up from a network the account admits (a runner inside it, "
            "with uploadsFromNetwork), or add this machine's address to the account's firewall")
    if code == ROLE_REFUSAL:
        return PermissionError(
            f"{where}: the identity running pulumi up lacks {DATA_ROLE} on storage account "
            f"{props['accountUrl']} or container {props['container']} (Owner and Contributor "
            "hold no data actions), or was granted it minutes ago and it has not taken effect "
            "yet (retried for a while)")
    return PermissionError(f"{where}: {error.message}")


def upload(props: Mapping[str, Any], token: TokenCredential | None = None,
           **client_options: Any) -> None:
    """Upload ``props['source']`` to the blob, after checking that it is still the file whose
    digest ``props['sha256']`` the plan carries; the digest goes into the blob's metadata."""
    found = file_sha256(props["source"])
    if found != props["sha256"]:
        raise ValueError(f"{props['source']} changed since the plan read it (sha256 {found}, "
                         f"planned {props['sha256']}); run pulumi up again")
    try:
        with open(props["source"], "rb") as data:
            _client(props, token, **client_options).upload_blob(
                data, overwrite=True, metadata={DIGEST_METADATA: found})
    except Exception as error:
        raise _refusal(error, props, "uploading to") from error


def read(props: Mapping[str, Any], token: TokenCredential | None = None,
         **client_options: Any) -> dict[str, Any] | None:
    """The blob as it is in Azure: ``props`` with the digest its metadata holds (one uploaded
    before the digest was recorded keeps ``props``'), or None when it is gone."""
    try:
        found = _client(props, token, **client_options).get_blob_properties()
    except ResourceNotFoundError:
        return None
    except Exception as error:
        raise _refusal(error, props, "reading") from error
    digest = (found.metadata or {}).get(DIGEST_METADATA)
    return {**props, "sha256": digest or props["sha256"]}


def delete(props: Mapping[str, Any], token: TokenCredential | None = None,
           **client_options: Any) -> None:
    """Delete the blob; one already gone counts as deleted."""
    try:
        _client(props, token, **client_options).delete_blob()
    except ResourceNotFoundError:
        pass
    except Exception as error:
        raise _refusal(error, props, "deleting") from error


class EntraBlobProvider(ResourceProvider):
    """Create, read, update and delete of :class:`EntraBlob` (run by Pulumi's dynamic provider
    host). Blobs in state refer to it by this module path and class name (module docstring)."""

    serialize_as_secret_always = False  # it captures no secret

    def create(self, props: dict[str, Any]) -> CreateResult:
        upload(props)
        return CreateResult(blob_url(props), props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # No id: the resource is gone, and refresh removes it from the state (the dynamic
        # provider protocol's ReadResponse, as azure-native answers a 404).
        found = read(props)
        return ReadResult(id_, found) if found is not None else ReadResult("", {})

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
