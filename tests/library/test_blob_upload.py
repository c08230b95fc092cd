"""Uploads with Entra ID (components/blob_upload.py), offline: the real azure-storage-blob client
with a fake credential and a fake transport, so every request is seen and none leaves."""

from __future__ import annotations

import time

import pytest
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import HttpResponse, HttpTransport

from components.blob_upload import DATA_ROLE, EntraBlobProvider, delete, file_sha256, upload
from components.propagation import retry_delay


class Credential:
    """A token credential that hands out a fixed token."""

    def get_token(self, *scopes, **kwargs):
        self.scopes = scopes
        return AccessToken("entra-token", int(time.time()) + 3600)


class Response(HttpResponse):
    def __init__(self, request, status, error=None):
        super().__init__(request, None)
        self.status_code, self.reason = status, "answer"
        self.headers = {"x-ms-error-code": error} if error else {}
        self.content_type = "application/xml"
        self._body = (f"<?xml version='1.0'?><Error><Code>{error}</Code><Message>refused"
                      "</Message></Error>").encode() if error else b""

    def body(self):
        return self._body


class Transport(HttpTransport):
    """Answers each request with ``status`` (and ``error`` code), recording it."""

    def __init__(self, status=201, error=None):
        self.status, self.error, self.requests = status, error, []

    def __enter__(self):
        return self

    def __exit__(self, *args):
        pass

    def open(self):
        pass

    def close(self):
        pass

    def send(self, request, **kwargs):
        self.requests.append(request)
        return Response(request, self.status, self.error)


@pytest.fixture
def props(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b'{"weights": [1, 2]}')
    return {"accountUrl": "https://stmlplatdevk3x9q.blob.core.windows.net/",
            "container": "ml-assets", "blobName": "models/m/1/model.json",
            "source": str(path), "sha256": file_sha256(path), "size": path.stat().st_size}


def test_a_file_is_put_with_an_entra_token_and_no_key(props):
    transport, credential = Transport(), Credential()
    upload(props, credential, transport=transport)
    [put] = transport.requests
    assert put.method == "PUT"
    assert put.url.startswith(
        "https://stmlplatdevk3x9q.blob.core.windows.net/ml-assets/models/m/1/model.json")
    assert put.headers["Authorization"] == "Bearer entra-token"
    assert put.headers["x-ms-blob-type"] == "BlockBlob"
    assert credential.scopes == ("https://storage.azure.com/.default",)
    assert b"".join([put.data] if isinstance(put.data, bytes) else put.data) \
        == b'{"weights": [1, 2]}'


def test_a_refused_upload_names_the_missing_data_role_and_is_retried(props):
    with pytest.raises(PermissionError) as refused:
        upload(props, Credential(), transport=Transport(403, "AuthorizationPermissionMismatch"))
    message = str(refused.value)
    assert DATA_ROLE in message and "AuthorizationPermissionMismatch" in message
    assert "ml-assets" in message
    assert retry_delay([message]) == 30  # the propagation hook waits for a fresh grant


def test_a_file_changed_since_the_plan_is_not_uploaded(props):
    with open(props["source"], "a") as file:
        file.write(" ")
    transport = Transport()
    with pytest.raises(ValueError, match="changed since the plan read it"):
        upload(props, Credential(), transport=transport)
    assert transport.requests == []


def test_deleting_a_blob_already_gone_is_done(props):
    transport = Transport(404, "BlobNotFound")
    delete(props, Credential(), transport=transport)
    assert [r.method for r in transport.requests] == ["DELETE"]


def test_only_a_new_content_updates_and_only_a_new_place_replaces(props):
    provider = EntraBlobProvider()
    same = provider.diff("id", props, dict(props, source="elsewhere/model.json"))
    assert not same.changes  # the path it is read from is not the blob
    content = provider.diff("id", props, dict(props, sha256="0" * 64))
    assert content.changes and not content.replaces
    moved = provider.diff("id", props, dict(props, blobName="models/m/2/model.json"))
    assert moved.changes and moved.replaces == ["blobName"]
    assert moved.delete_before_replace is False  # the new one is uploaded before the old goes
