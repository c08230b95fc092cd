"""What reads as a credential in a plain value: a deployment's environment variables are part of
its definition, which whoever reads the deployment reads, so a secret never goes there
(concept-secret-injection: "this practice would expose the secrets in the deployment
definition"); it goes in the workspace key vault, read by the workload as its own identity."""

from __future__ import annotations

import re

IN_THE_DEFINITION = ("a deployment's environment variables are part of its definition, which "
                     "whoever reads the deployment reads (\"this practice would expose the "
                     "secrets in the deployment definition\", concept-secret-injection)")
"""Why a secret never goes into a deployment's environment variables."""

_SECRET_NAMES = {"secret", "password", "passwd", "pwd", "token", "credential", "credentials",
                 "apikey", "accesskey", "privatekey", "accountkey", "subscriptionkey", "sharedkey",
                 "masterkey", "primarykey", "secondarykey", "connectionstring"}
"""What the last word (or two) of a variable that holds a secret says: ``HF_TOKEN``,
``OPENAI_API_KEY``, ``DB_PASSWORD``, not ``SECRET_NAME`` or ``MAX_TOKENS``."""
_SECRET_VALUE = re.compile(
    r"AccountKey=|SharedAccessKey=|SharedAccessSignature=|[?&]sig=|Password=|"
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.|"
    r"\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_\w{22,}|sk-[\w-]{20,}|xox[abprs]-[\w-]{10,}|"
    r"AKIA[0-9A-Z]{16})\b|^[A-Za-z0-9+/]{40,}={1,2}$")
"""Values that are credentials: connection strings and SAS URLs with their keys, private keys,
JWTs, GitHub, OpenAI, Slack and AWS tokens, and base64 keys (a storage account key: 88
characters)."""


def secret_variable(name: str, value: str) -> str | None:
    """Why variable ``name`` with ``value`` holds a secret, or None."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]
    if words and value.strip() and not re.fullmatch(r"[\d.]+|true|false", value, re.I) and (
            words[-1] in _SECRET_NAMES or "".join(words[-2:]) in _SECRET_NAMES):
        return "its name says so"
    return "its value reads as a credential" if _SECRET_VALUE.search(value) else None
