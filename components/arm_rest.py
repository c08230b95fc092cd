"""Calls to Azure Resource Manager for what azure-native has no resource or invoke for: actions on
an existing resource (provision a managed network, change a compute instance's schedules). The
package signs in for them like the uploads (:func:`~components.signin.credential`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from azure.core.credentials import TokenCredential

from .signin import credential

ARM = "https://management.azure.com"
"""Azure Resource Manager of the public cloud."""
API_VERSION = "2025-12-01"
"""The Microsoft.MachineLearningServices API version pulumi-azure-native 3.29 uses."""

Answer = tuple[int, Mapping[str, str], bytes]
"""A reply: status, headers, body."""
Send = Callable[[urllib.request.Request], Answer]


def send(request: urllib.request.Request) -> Answer:
    """Send ``request``; an HTTP error is a reply like any other."""
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def headers(token: TokenCredential | None = None) -> dict[str, str]:
    """The headers of a call as the deployer (``token``: another credential, in tests)."""
    bearer = (token or credential()).get_token(f"{ARM}/.default").token
    return {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}


def post(resource_id: str, action: str, body: Mapping[str, Any], signed: Mapping[str, str],
         send: Send = send, api_version: str = API_VERSION) -> Answer:
    """POST ``body`` to the ``action`` of the resource ``resource_id``."""
    url = f"{ARM}{resource_id}/{action}?api-version={api_version}"
    return send(urllib.request.Request(url, data=json.dumps(body).encode(), headers=dict(signed),
                                       method="POST"))
