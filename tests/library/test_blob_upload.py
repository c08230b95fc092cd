"""Uploads with Entra ID (components/blob_upload.py), offline: the real azure-storage-blob and
azure-identity clients with a fake transport (and a fake GitHub token endpoint), so every request
is seen and none leaves."""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import dill
import pytest
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import HttpRequest, HttpResponse, HttpTransport
from azure.identity import ClientAssertionCredential, DefaultAzureCredential
from pulumi.dynamic.dynamic import serialize_provider

from components.blob_upload import (
    DATA_ROLE,
    EntraBlobProvider,
    delete,
    file_sha256,
    read,
    upload,
)
from components.propagation import is_propagation_error, retry_delay
from components.signin import credential

GITHUB = "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0"
CI = {"ARM_USE_OIDC": "true", "ARM_TENANT_ID": "tenant-1", "ARM_CLIENT_ID": "client-1",
      "ACTIONS_ID_TOKEN_REQUEST_URL": GITHUB, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token"}
"""What the CI workflow (.github/workflows/pulumi.yml, id-token: write) gives the program."""
IN_STATE = "gASVMwAAAAAAAACMFmNvbXBvbmVudHMuYmxvYl91cGxvYWSUjBFFbnRyYUJsb2JQcm92aWRlcpSTlCmBlC4="
"""The provider as every deployed blob's state holds it (serialize_provider, dill by reference)."""


class Credential:
    """A token credential that hands out a fixed token."""

    def __init__(self) -> None:
        self.scopes: tuple[str, ...] = ()

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        self.scopes = scopes
        return AccessToken("entra-token", int(time.time()) + 3600)


class Response(HttpResponse):
    def __init__(self, request: HttpRequest, status: int, error: str | None = None,
                 headers: dict[str, str] | None = None, body: bytes = b""):
        super().__init__(request, None)
        self.status_code, self.reason = status, "answer"
        self.headers = {**({"x-ms-error-code": error} if error else {}), **(headers or {})}
        self.content_type = "application/xml"
        self._body = (f"<?xml version='1.0'?><Error><Code>{error}</Code><Message>refused"
                      "</Message></Error>").encode() if error and request.method != "HEAD" else body

    def body(self) -> bytes:
        return self._body


class Transport(HttpTransport[HttpRequest, HttpResponse]):
    """Answers each request with ``status`` (and ``error`` code, ``headers``, ``body``),
    recording it."""

    def __init__(self, status: int = 201, error: str | None = None,
                 headers: dict[str, str] | None = None, body: bytes = b""):
        self.status, self.error, self.headers, self.body = status, error, headers, body
        self.requests: list[HttpRequest] = []

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *args: object) -> None:
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.requests.append(request)
        return Response(request, self.status, self.error, self.headers, self.body)


@pytest.fixture
def props(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "model.json"
    path.write_bytes(b'{"weights": [1, 2]}')
    return {"accountUrl": "https://stmlplatdevk3x9q.blob.core.windows.net/",
            "container": "ml-assets", "blobName": "models/m/1/model.json",
            "source": str(path), "sha256": file_sha256(path), "size": path.stat().st_size}


def test_a_file_is_put_with_an_entra_token_no_key_and_its_digest(props: dict[str, Any]) -> None:
    transport, token = Transport(), Credential()
    upload(props, token, transport=transport)
    [put] = transport.requests
    assert put.method == "PUT"
    assert put.url.startswith(
        "https://stmlplatdevk3x9q.blob.core.windows.net/ml-assets/models/m/1/model.json")
    assert put.headers["Authorization"] == "Bearer entra-token"
    assert put.headers["x-ms-blob-type"] == "BlockBlob"
    assert put.headers["x-ms-meta-sha256"] == props["sha256"]  # what refresh compares
    assert token.scopes == ("https://storage.azure.com/.default",)
    assert put.data == b'{"weights": [1, 2]}'


def test_a_missing_or_fresh_data_role_says_so_and_is_retried(props: dict[str, Any]) -> None:
    with pytest.raises(PermissionError) as refused:
        upload(props, Credential(), transport=Transport(403, "AuthorizationPermissionMismatch"))
    message = str(refused.value)
    assert DATA_ROLE in message and "AuthorizationPermissionMismatch" in message
    assert "ml-assets" in message and "minutes ago" in message
    assert retry_delay("create", [message]) == 30  # the propagation hook waits for a fresh grant


@pytest.mark.parametrize("code", ["AuthorizationFailure", "AuthorizationSourceIPMismatch"])
def test_a_storage_firewall_refusal_says_so_and_is_not_retried(props: dict[str, Any],
                                                               code: str) -> None:
    with pytest.raises(PermissionError) as refused:
        upload(props, Credential(), transport=Transport(403, code))
    message = str(refused.value)
    assert code in message and "network rules" in message and "uploadsFromNetwork" in message
    assert DATA_ROLE not in message  # a role does not help
    assert not is_propagation_error(message) and retry_delay("create", [message]) is None


def test_a_file_changed_since_the_plan_is_not_uploaded(props: dict[str, Any]) -> None:
    with open(props["source"], "a") as file:
        file.write(" ")
    transport = Transport()
    with pytest.raises(ValueError, match="changed since the plan read it"):
        upload(props, Credential(), transport=transport)
    assert transport.requests == []


def test_deleting_a_blob_already_gone_is_done(props: dict[str, Any]) -> None:
    transport = Transport(404, "BlobNotFound")
    delete(props, Credential(), transport=transport)
    assert [r.method for r in transport.requests] == ["DELETE"]


def test_refresh_reads_the_blob_and_its_digest(props: dict[str, Any]) -> None:
    there = Transport(200, headers={"x-ms-meta-sha256": "f" * 64, "Content-Length": "19",
                                    "x-ms-blob-type": "BlockBlob"})
    found = read(props, Credential(), transport=there)
    assert [r.method for r in there.requests] == ["HEAD"]
    assert found == {**props, "sha256": "f" * 64}  # overwritten: the next up uploads it again
    older = Transport(200, headers={"Content-Length": "19", "x-ms-blob-type": "BlockBlob"})
    assert read(props, Credential(), transport=older) == props  # uploaded before digests


def test_refresh_drops_a_deleted_blob_from_the_state(props: dict[str, Any],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert read(props, Credential(), transport=Transport(404, "BlobNotFound")) is None
    monkeypatch.setattr("components.blob_upload.read", lambda p: None)
    gone = EntraBlobProvider().read("https://.../model.json", props)
    assert (gone.id, gone.outs) == ("", {})  # no id: refresh removes the resource


def test_only_a_new_content_updates_and_only_a_new_place_replaces(props: dict[str, Any]) -> None:
    provider = EntraBlobProvider()
    same = provider.diff("id", props, dict(props, source="elsewhere/model.json"))
    assert not same.changes  # the path it is read from is not the blob
    content = provider.diff("id", props, dict(props, sha256="0" * 64))
    assert content.changes and not content.replaces
    moved = provider.diff("id", props, dict(props, blobName="models/m/2/model.json"))
    assert moved.changes and moved.replaces == ["blobName"]
    assert moved.delete_before_replace is False  # the new one is uploaded before the old goes


def test_blobs_in_state_find_their_provider_by_its_module_path() -> None:
    # Renaming components.blob_upload or EntraBlobProvider breaks refresh, update and delete of
    # every blob deployed: their state names this path.
    assert isinstance(dill.loads(base64.b64decode(IN_STATE)), EntraBlobProvider)
    pickled = base64.b64decode(serialize_provider(EntraBlobProvider()))
    assert b"components.blob_upload" in pickled and b"EntraBlobProvider" in pickled


@pytest.mark.parametrize(("env", "kind"), [
    (CI, ClientAssertionCredential),
    ({**CI, "ARM_USE_OIDC": "false", "ARM_OIDC_TOKEN": "static"}, ClientAssertionCredential),
    ({**CI, "ARM_USE_OIDC": ""}, DefaultAzureCredential),  # OIDC not asked for
    ({k: v for k, v in CI.items() if not k.startswith("ACTIONS")}, DefaultAzureCredential),
    ({}, DefaultAzureCredential),  # a person's az login
])
def test_the_credential_follows_the_environment_as_azure_native_does(env: dict[str, str],
                                                                     kind: type) -> None:
    assert type(credential(env)) is kind


def test_oidc_without_the_identity_names_what_is_missing() -> None:
    with pytest.raises(ValueError, match="ARM_TENANT_ID and ARM_CLIENT_ID"):
        credential({k: v for k, v in CI.items() if not k.startswith("ARM_") or k == "ARM_USE_OIDC"})


class EntraTransport(Transport):
    def send(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.requests.append(request)
        answer = Response(request, 200, body=json.dumps(
            {"access_token": f"entra-{len(self.requests)}", "expires_in": 3600,
             "token_type": "Bearer"}).encode())
        answer.content_type = "application/json"
        return answer


def test_ci_uploads_exchange_a_fresh_github_token_for_each_entra_token(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked = []

    def github(request: urllib.request.Request, timeout: float | None = None) -> io.BytesIO:
        asked.append((request.full_url, request.get_header("Authorization")))
        return io.BytesIO(json.dumps({"value": f"github-{len(asked)}"}).encode())

    monkeypatch.setattr(urllib.request, "urlopen", github)
    entra = EntraTransport()
    token = credential({**CI, "ARM_OIDC_AUDIENCE": ""}, transport=entra)
    assert token.get_token("https://storage.azure.com/.default").token == "entra-1"
    assert token.get_token("https://management.azure.com/.default").token == "entra-2"
    assert asked == [(f"{GITHUB}&audience=api%3A%2F%2FAzureADTokenExchange",
                      "Bearer request-token")] * 2  # never the first token again
    first = entra.requests[0]
    assert first.url == "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"
    assert isinstance(first.data, dict)  # a form
    assert {k: first.data[k] for k in ("client_id", "client_assertion", "client_assertion_type",
                                       "scope")} == {
        "client_id": "client-1", "client_assertion": "github-1",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "scope": "https://storage.azure.com/.default"}
