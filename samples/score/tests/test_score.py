"""The sample scoring app, offline: fake credential and clients (autospecced from the real Azure SDK
classes, so a call the SDK would reject fails here too), and no network at all."""

from __future__ import annotations

import importlib.util
import json
import socket
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient
from azure.storage.blob import BlobClient

SAMPLE = Path(__file__).resolve().parent.parent
SECRET = "s3cret-value-never-returned"
LABELS = {"0": "decline", "1": "approve"}
ENV = {"AZUREML_MODEL_DIR": str(SAMPLE / "model"),  # Azure ML mounts the folder like this
       "KEY_VAULT_URL": "https://kv-test.vault.azure.net/", "SECRET_NAME": "sample-secret",
       "STORAGE_BLOB_URL": "https://sttest.blob.core.windows.net/",
       "BLOB_PATH": "ml-assets/samples/score/labels.json",
       "AZURE_CLIENT_ID": "11111111-2222-3333-4444-555555555555"}


Fakes = tuple[ModuleType, Any, Any, Any]
"""score.py with its fakes: the module, the credential, the secret and the blob clients."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the sample's tests must not touch the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Fakes:
    """A fresh copy of score.py whose Azure classes are autospecced fakes."""
    spec = importlib.util.spec_from_file_location("score", SAMPLE / "code" / "score.py")
    assert spec is not None and spec.loader is not None
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    credential = mock.create_autospec(ManagedIdentityCredential)
    secrets = mock.create_autospec(SecretClient)
    secrets.return_value.get_secret.return_value.value = SECRET
    blobs = mock.create_autospec(BlobClient)
    blobs.return_value.download_blob.return_value.readall.return_value = json.dumps(LABELS).encode()
    monkeypatch.setattr(score, "ManagedIdentityCredential", credential)
    monkeypatch.setattr(score, "SecretClient", secrets)
    monkeypatch.setattr(score, "BlobClient", blobs)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return score, credential, secrets, blobs


def test_init_authenticates_as_the_user_assigned_identity_named_by_azure_client_id(
        fakes: Fakes) -> None:
    score, credential, _, _ = fakes
    score.init()
    credential.assert_called_once_with(client_id=ENV["AZURE_CLIENT_ID"])


def test_without_azure_client_id_the_system_assigned_identity_is_used(
        fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    score, credential, _, _ = fakes
    monkeypatch.delenv("AZURE_CLIENT_ID")
    score.init()
    credential.assert_called_once_with(client_id=None)


def test_init_reads_the_secret_from_the_key_vault_as_that_identity(fakes: Fakes) -> None:
    score, credential, secrets, _ = fakes
    score.init()
    secrets.assert_called_once_with(vault_url=ENV["KEY_VAULT_URL"],
                                    credential=credential.return_value)
    secrets.return_value.get_secret.assert_called_once_with("sample-secret")
    assert score.secret_fingerprint and score.secret_fingerprint not in SECRET


def test_init_reads_the_labels_blob_as_that_identity(fakes: Fakes) -> None:
    score, credential, _, blobs = fakes
    score.init()
    blobs.assert_called_once_with(account_url=ENV["STORAGE_BLOB_URL"], container_name="ml-assets",
                                  blob_name="samples/score/labels.json",
                                  credential=credential.return_value)
    assert score.labels == LABELS


def test_run_scores_rows_with_the_model_and_the_labels_from_the_blob(fakes: Fakes) -> None:
    score, *_ = fakes
    score.init()
    result = score.run(json.dumps({"data": [[1, 0, 0], [0, 1, 0]]}))
    assert result["predictions"] == [{"label": "approve", "score": 0.7},
                                     {"label": "decline", "score": -0.6}]
    assert result["model"] == "linear-sample"


def test_the_sample_request_gets_the_sample_response(fakes: Fakes) -> None:
    """The pair the end-to-end test sends to the real endpoint and expects back
    (scripts/e2e/score.sh)."""
    score, *_ = fakes
    score.init()
    request = (SAMPLE / "request.json").read_text()
    assert score.run(request) == json.loads((SAMPLE / "response.json").read_text())


def test_the_secret_never_appears_in_a_response(fakes: Fakes) -> None:
    score, *_ = fakes
    score.init()
    for body in ('{"data": [[1, 2, 3]]}', '{"data": [[1]]}', "not json"):
        assert SECRET not in json.dumps(score.run(body))


@pytest.mark.parametrize("body", ["not json", '{"rows": []}', '{"data": [[1, 2]]}',
                                  '{"data": [["a", 1, 2]]}'])
def test_bad_requests_get_an_error_that_shows_the_expected_shape(fakes: Fakes, body: str) -> None:
    score, *_ = fakes
    score.init()
    assert "expected" in score.run(body)["error"]


def test_a_missing_setting_is_named(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    score, *_ = fakes
    monkeypatch.delenv("KEY_VAULT_URL")
    with pytest.raises(RuntimeError, match="KEY_VAULT_URL"):
        score.init()


def test_conda_pins_match_the_libraries_these_tests_ran_with() -> None:
    conda = (SAMPLE / "environment" / "conda.yaml").read_text()
    project = tomllib.loads((SAMPLE.parent.parent / "pyproject.toml").read_text())
    pins = project["dependency-groups"]["sample"]
    assert len(pins) == 3
    for pin in pins:
        assert f"- {pin}" in conda
