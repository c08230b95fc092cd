"""Signing in to Azure as the identity that runs ``pulumi up``, for what this package calls itself
(uploads, the managed network's provisioning), the way azure-native signs in."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from azure.core.credentials import TokenCredential
from azure.identity import ClientAssertionCredential, DefaultAzureCredential

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
"""The audience of a GitHub OIDC token Entra ID exchanges for its own (GitHub "Configuring OpenID
Connect in Azure"; azure-native's default for ARM_OIDC_AUDIENCE)."""
def github_assertion(request_url: str, request_token: str,
                     audience: str = TOKEN_EXCHANGE_AUDIENCE) -> Callable[[], str]:
    """A callable that asks GitHub Actions for a fresh OIDC token for ``audience`` each time it is
    called (GitHub "Security hardening with OpenID Connect": GET ``ACTIONS_ID_TOKEN_REQUEST_URL``
    with ``&audience=``, ``Authorization: Bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN``; the answer's
    ``value``), as azure-native's ``getOidcTokenExchangeAssertion`` does."""
    def fetch() -> str:
        parts = urllib.parse.urlsplit(request_url)
        query = urllib.parse.urlencode([*urllib.parse.parse_qsl(parts.query),
                                        ("audience", audience)])
        request = urllib.request.Request(
            urllib.parse.urlunsplit(parts._replace(query=query)),
            headers={"Authorization": f"Bearer {request_token}", "Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            token = json.load(response).get("value")
        if not token:
            raise RuntimeError("GitHub answered the OIDC token request without a token")
        return str(token)
    return fetch


def credential(env: Mapping[str, str] | None = None, **options: Any) -> TokenCredential:
    """The Entra ID credential of the package's own calls (uploads, provisioning), chosen from the
    environment ``env`` (default: this process's) the way azure-native reads it
    (``provider/pkg/provider/auth_azidentity.go``):

    * In GitHub Actions with OIDC (``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``..._TOKEN``, and
      ``ARM_USE_OIDC=true`` or ``ARM_OIDC_TOKEN``): a ``ClientAssertionCredential`` for
      ``ARM_TENANT_ID`` and ``ARM_CLIENT_ID`` that fetches a fresh GitHub token whenever it needs
      an Entra token. Not the Azure CLI login of ``azure/login``: the federated token it was given
      is valid for about 10 minutes and the CLI cannot renew it (Azure/azure-cli#28708,
      Azure/login#180: AADSTS700024), so calls late in a long ``up`` would fail.
    * Anywhere else: ``DefaultAzureCredential`` (environment, workload or managed identity, the
      Azure CLI login of a person), without the interactive browser.

    ``options`` go to the credential (e.g. a transport, in a test).
    """
    env = os.environ if env is None else env
    oidc = env.get("ARM_USE_OIDC", "").lower() == "true" or bool(env.get("ARM_OIDC_TOKEN"))
    url, token = env.get("ACTIONS_ID_TOKEN_REQUEST_URL"), env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    if oidc and url and token:
        missing = [name for name in ("ARM_TENANT_ID", "ARM_CLIENT_ID") if not env.get(name)]
        if missing:
            raise ValueError(f"signing in with GitHub OIDC needs {' and '.join(missing)} (the "
                             "tenant and the client id of the federated identity), as "
                             "azure-native does")
        return ClientAssertionCredential(
            env["ARM_TENANT_ID"], env["ARM_CLIENT_ID"],
            github_assertion(url, token, env.get("ARM_OIDC_AUDIENCE") or TOKEN_EXCHANGE_AUDIENCE),
            **options)
    return DefaultAzureCredential(exclude_interactive_browser_credential=True, **options)
