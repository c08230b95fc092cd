"""Waiting out role-assignment propagation: a workload started right after its grants retries.

"When you assign roles or remove role assignments, it can take up to 10 minutes for changes to
take effect" (Azure RBAC troubleshooting, MicrosoftDocs/azure-docs
``articles/role-based-access-control/troubleshooting.md``). ``depends_on`` only orders the API
calls, and pulumi-azure-native retries only 408, 429 and 5xx answers, so a workspace, compute,
deployment or connection created seconds after the role assignments it acts on can fail once with
an authorization error. Every such workload carries :func:`propagation_hook`, a Pulumi error hook:
when its create or update fails with one of the documented texts below, the hook waits and lets the
engine try again, up to :data:`MAX_ATTEMPTS` failures (more than 10 minutes of waiting in all);
any other error fails as it would without it.

Error hooks need the Pulumi CLI 3.244 or newer (the engine runs hooks on every provider error
from that release, pulumi/pulumi#23347; the Python SDK refuses to register one with a CLI that
does not support them).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence

import pulumi

ROLE_PROPAGATION_HOOK = "retry-on-role-propagation"
"""Name of the error hook; the offline day-2 plan checks that every workload carries it."""

MINIMUM_PULUMI_CLI = "3.244.0"

MAX_ATTEMPTS = 8
"""Failures after which the error stands (the engine's own cap is 100)."""

PROPAGATION_ERRORS: tuple[tuple[str, str], ...] = (
    ("PrincipalNotFound", "RBAC troubleshooting: \"Principal ... does not exist in the directory "
                          "... might be related to a replication delay\""),
    ("does not exist in the directory", "RBAC troubleshooting (PrincipalNotFound text); azure-cli "
                                        "retries role assignments on it"),
    ("AuthorizationFailed", "ARM's denial: \"... does not have authorization to perform action "
                            "... If access was recently granted, please refresh your "
                            "credentials\""),
    ("does not have authorization to perform action", "ARM AuthorizationFailed text"),
    ("LinkedAuthorizationFailed", "ARM: the caller may not use a linked resource (an identity "
                                  "or scope) yet"),
    ("ForbiddenByRbac", "Key Vault RBAC: \"Caller is not authorized to perform action on resource. "
                        "If role assignments ... changed recently, please observe propagation "
                        "time\""),
    ("observe propagation time", "Key Vault and ARM RBAC denials"),
    ("AuthorizationPermissionMismatch", "Azure Storage: \"This request is not authorized to "
                                        "perform this operation using this permission\""),
    ("not authorized to perform this operation", "Azure Storage 403 texts"),
    ("Startup task failed due to authorization error", "Azure ML online endpoint troubleshooting, "
                                                       "ERROR: BadArgument (aka.ms/oe-tsg)"),
)
"""Texts of the errors a grant that has not taken effect yet causes, each with its source."""


def retry_delay(errors: Sequence[str]) -> float | None:
    """Seconds to wait before trying again, given the errors so far (newest first), or None when
    the newest is not a propagation error or :data:`MAX_ATTEMPTS` failures have been seen.

    Waits 30 s, 60 s, then 120 s between attempts: 11.5 minutes before the last attempt.
    """
    if not errors or len(errors) >= MAX_ATTEMPTS:
        return None
    newest = errors[0].lower()
    if not any(text.lower() in newest for text, _ in PROPAGATION_ERRORS):
        return None
    return float(min(30 * 2 ** (len(errors) - 1), 120))


def _retry(args: pulumi.ErrorHookArgs) -> bool:
    delay = retry_delay(args.errors) if args.failed_operation in ("create", "update") else None
    if delay is None:
        return False
    pulumi.log.info(f"{args.name}: waiting {delay:.0f} s for role assignments to take effect "
                    f"(attempt {len(args.errors) + 1} of {MAX_ATTEMPTS})")
    time.sleep(delay)
    return True


_hooks: weakref.WeakKeyDictionary[pulumi.Resource, pulumi.ErrorHook] = weakref.WeakKeyDictionary()


def propagation_hook() -> pulumi.ErrorHook:
    """The program's error hook that retries on propagation errors (registered once per program)."""
    root = pulumi.runtime.get_root_resource()
    if root is None:
        raise RuntimeError("propagation_hook() is called while a Pulumi program runs")
    if root not in _hooks:
        _hooks[root] = pulumi.ErrorHook(ROLE_PROPAGATION_HOOK, _retry)
    return _hooks[root]
