"""Sample scoring script: a tiny linear model that reads a secret and a blob as its managed
identity.

Azure ML's scoring contract: the inference server imports this file, calls ``init()`` once when the
deployment starts and ``run(raw_data)`` for each request. No credentials are in the code or its
configuration; ``init()`` authenticates as the endpoint's managed identity, chosen by
``AZURE_CLIENT_ID`` (a user-assigned identity's client id; unset means the system-assigned one).

Environment (set by the stack; see components/endpoint.py and Pulumi.dev.yaml):

- ``AZUREML_MODEL_DIR``: where Azure ML mounted the model (set by Azure ML);
- ``KEY_VAULT_URL`` and ``SECRET_NAME``: the secret to read (needs Key Vault Secrets User);
- ``STORAGE_BLOB_URL`` and ``BLOB_PATH`` (``<container>/<path>``): the labels blob to read
  (needs Storage Blob Data Reader).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient
from azure.storage.blob import BlobClient

MODEL_FILE = "model.json"

model: dict[str, Any] = {}
labels: dict[str, str] = {}
secret_fingerprint = ""
"""First characters of the secret's SHA-256: shows the secret was read without revealing it."""


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set; the deployment sets it")
    return value


def load_model(model_dir: Path) -> dict[str, Any]:
    """The model file under ``model_dir``; Azure ML mounts the registered folder below it."""
    found = sorted(model_dir.rglob(MODEL_FILE))
    if not found:
        raise RuntimeError(f"no {MODEL_FILE} under {model_dir}")
    model: dict[str, Any] = json.loads(found[0].read_text())
    return model


def init() -> None:
    """Load the model, then read the secret and the labels blob as the endpoint's identity."""
    global model, labels, secret_fingerprint
    model = load_model(Path(_env("AZUREML_MODEL_DIR")))
    credential = ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID"))
    secret = SecretClient(vault_url=_env("KEY_VAULT_URL"), credential=credential).get_secret(
        _env("SECRET_NAME")).value or ""
    secret_fingerprint = hashlib.sha256(secret.encode()).hexdigest()[:8]
    container, _, blob = _env("BLOB_PATH").partition("/")
    labels = json.loads(BlobClient(account_url=_env("STORAGE_BLOB_URL"), container_name=container,
                                   blob_name=blob, credential=credential).download_blob().readall())
    logging.info("model %s loaded; secret %s read; %d labels", model.get("name"),
                 secret_fingerprint, len(labels))


def run(raw_data: str) -> dict[str, Any]:
    """Score ``{"data": [[x1, x2, x3], ...]}``: a label and a score per row."""
    try:
        rows = json.loads(raw_data)["data"]
        width = len(model["weights"])
        if not isinstance(rows, list) or any(len(row) != width for row in rows):
            raise ValueError(f"each row needs {width} numbers")
        scores = [sum(w * float(x) for w, x in zip(model["weights"], row, strict=True))
                  + model["bias"]
                  for row in rows]
    except (ValueError, KeyError, TypeError) as error:
        return {"error": f"expected {{\"data\": [[numbers], ...]}}: {error}"}
    return {"predictions": [{"label": labels[str(int(score >= model["threshold"]))],
                             "score": round(score, 6)} for score in scores],
            "model": model["name"]}
