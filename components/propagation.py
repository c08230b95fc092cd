"""Waiting out role-assignment propagation: a workload started right after its grants retries.

"When you assign roles or remove role assignments, it can take up to 10 minutes for changes to
take effect" (Azure RBAC troubleshooting, MicrosoftDocs/azure-docs
``articles/role-based-access-control/troubleshooting.md``). ``depends_on`` only orders the API
calls, and pulumi-azure-native retries only 408, 429, 500, 502, 503 and 504 answers
(``provider/pkg/azure/client_azcore.go``, ``initPipelineOpts``), so a workspace, compute,
deployment or connection created seconds after the role assignments it acts on can be refused
once. Every such workload carries :func:`propagation_hook`, a Pulumi error hook that decides
from the error the engine hands it (:func:`retry_delay`):

* **Only a refusal of the request itself is retried.** azure-native reports the two ways an
  Azure PUT fails differently (``provider/pkg/azure/client_azcore.go`` ``putOrPatch``;
  ``provider/pkg/provider/provider.go`` ``defaultCreate``; ``provider/pkg/provider/crud/crud.go``
  ``HandleErrorWithCheckpoint``):

  - Azure **refuses the PUT** (a 4xx answer): nothing was made, and the engine receives a plain
    error, ``Status=403 Code="AuthorizationFailed" Message="..."``. Trying again is safe.
  - Azure **accepts the PUT and its long-running operation fails** (e.g. an online deployment's
    "Startup task failed due to authorization error", a Kubernetes attach ending Failed): the
    resource exists. azure-native reads it back and returns a *partial failure*
    (``ErrorResourceInitFailed``), which the engine turns into ``plugin.InitError``, whose text
    is go-multierror's list, ``1 error occurred:\\n\\t* <reason>`` (pulumi/pulumi
    ``pkg/resource/plugin/provider_plugin.go`` ``parseError``, ``InitError.Error``). Retrying
    such a **create** calls Create again, which first checks that the resource does not exist
    and fails "cannot create already existing resource" (azure-native ``CanCreate``); the
    engine then keeps only that last, non-partial result and drops the half-made resource from
    the state (pulumi/pulumi ``pkg/resource/deploy/step.go`` ``CreateStep.Apply`` with
    ``withRetries``, ``retries.go``), and every later ``up`` fails on the orphan. So a create
    accepted by Azure is never retried: the engine records the resource with its error, and
    the next ``pulumi up`` updates it (a resource with init errors always gets an update,
    ``step_generator.go`` ``applyReplaceOnChanges``). An **update** re-sends the same PUT, so
    both kinds are retried there.

* Deletes are never retried: nothing here is waited for by a delete.

Error hooks reach every provider error from the Pulumi CLI 3.244.0 (CHANGELOG 3.244.0, "[engine]
Forward all provider errors to error hooks for retry", pulumi/pulumi#23347); the CLIs 3.219 to
3.243 accept the hook but hand it only partial failures, which must not be retried on create,
so it would never act. :func:`propagation_hook` therefore asks the engine for 3.244.0 or newer
(``RequirePulumiVersion``) and stops with a clear error on an older CLI; ``Pulumi.yaml`` and
``provider/PulumiPlugin.yaml`` say the same in ``requiredPulumiVersion``.
"""

from __future__ import annotations

import asyncio
import re
import uuid
import weakref
from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.proto import engine_pb2_grpc

ROLE_PROPAGATION_HOOK = "retry-on-role-propagation"
"""Name of the error hook in a program; the offline day-2 plan checks that every workload carries
it. Under a component provider's Construct each component registers its own hook, named
``retry-on-role-propagation/<unique suffix>`` (see :func:`propagation_hook`)."""

MINIMUM_PULUMI_CLI = "3.244.0"
"""The first CLI whose engine hands every provider error to error hooks (pulumi/pulumi#23347)."""

MAX_ATTEMPTS = 8
"""Failures after which the error stands (the engine's own cap is 100)."""

PROPAGATION_ERRORS: tuple[tuple[str, str], ...] = (
    ("AuthorizationFailed", "ARM's denial, also LinkedAuthorizationFailed for a linked identity "
                            "or scope: \"... does not have authorization to perform action ... "
                            "If access was recently granted, please refresh your credentials\""),
    ("does not have authorization to perform action", "the ARM AuthorizationFailed text"),
    ("ForbiddenByRbac", "Key Vault RBAC: \"Caller is not authorized to perform action on resource. "
                        "If role assignments ... changed recently, please observe propagation "
                        "time\""),
    ("observe propagation time", "Key Vault and ARM RBAC denials"),
    ("AuthorizationPermissionMismatch", "Azure Storage: \"This request is not authorized to "
                                        "perform this operation using this permission\" (a "
                                        "firewall's AuthorizationFailure is not retried)"),
    ("Startup task failed due to authorization error", "Azure ML online endpoint troubleshooting, "
                                                       "ERROR: BadArgument (aka.ms/oe-tsg); a "
                                                       "failed operation, so retried on update"),
    ("extension not installed", "how-to-attach-kubernetes-to-workspace: without Kubernetes "
                                "Extension Contributor \"the cluster attachment fails with "
                                "'extension not installed' error\". The attach is accepted "
                                "and fails later (the page: state Creating, then Failed; "
                                "Azure/AML-Kubernetes#71 \"FailedProvisioning operation "
                                "finished\"; Azure/azure-cli-extensions#515, provisioningErrors "
                                "after \"attach submitted successfully\"), so on create it is "
                                "a partial failure, retried on update only"),
)
"""Texts of the errors a grant that has not taken effect yet causes, each with its source.

Not here, on purpose: ``PrincipalNotFound`` occurs only when a role assignment is created, and no
role assignment carries this hook (:func:`~components.access.grant` sets ``principal_type``
instead, which is Microsoft's answer to it); the "internal server" error the attach documents for
a missing Azure Kubernetes Service Cluster Admin Role, because an internal server error in general
must not be retried blindly (azure-native already retries 500 answers, and on a create the attach
fails as an accepted operation, which is not retried anyway)."""

_ACCEPTED_THEN_FAILED = re.compile(r"\d+ errors? occurred:\n\t\* ")
"""How the engine writes a partial failure (``plugin.InitError``, go-multierror's list format)."""


def is_propagation_error(error: str) -> bool:
    """Whether ``error`` is one of the :data:`PROPAGATION_ERRORS` (case-insensitive)."""
    text = error.lower()
    return any(known.lower() in text for known, _ in PROPAGATION_ERRORS)


def accepted_then_failed(error: str) -> bool:
    """Whether ``error`` is a partial failure: Azure accepted the request, then its operation
    failed, so the resource exists (see the module docstring)."""
    return bool(_ACCEPTED_THEN_FAILED.match(error))


def retry_delay(operation: str, errors: Sequence[str]) -> float | None:
    """Seconds to wait before the engine tries ``operation`` (``create``, ``update`` or
    ``delete``) again, given its errors so far (newest first); None: the error stands.

    Retried: a create refused by Azure, or an update, whose newest error is a propagation error,
    until :data:`MAX_ATTEMPTS` failures; the waits are 30 s, 60 s, then 120 s (11.5 minutes
    before the last attempt).
    """
    if operation not in ("create", "update") or not errors or len(errors) >= MAX_ATTEMPTS:
        return None
    newest = errors[0]
    if not is_propagation_error(newest):
        return None
    if operation == "create" and accepted_then_failed(newest):
        return None
    return float(min(30 * 2 ** (len(errors) - 1), 120))


async def _retry(args: pulumi.ErrorHookArgs) -> bool:
    # A coroutine: the SDK awaits an awaitable hook result (runtime/_callbacks.py,
    # do_register_error_hook), and the callback server runs on the program's event loop, so a
    # blocking sleep would stall every other resource of the deployment while it waits.
    delay = retry_delay(args.failed_operation, args.errors)
    if delay is None:
        if (args.failed_operation == "create" and args.errors
                and accepted_then_failed(args.errors[0]) and is_propagation_error(args.errors[0])):
            pulumi.log.warn(
                f"{args.urn}: Azure accepted the create, then its operation failed while role "
                "assignments were taking effect. The resource is kept in the state with its "
                "error; run pulumi up again in a few minutes and it is updated in place (if it "
                f"stays failed, replace it: pulumi up --replace '{args.urn}').")
        return False
    pulumi.log.info(f"{args.name}: waiting {delay:.0f} s for role assignments to take effect "
                    f"(attempt {len(args.errors) + 1} of {MAX_ATTEMPTS})")
    await asyncio.sleep(delay)
    return True


def _require_cli() -> None:
    """Stop on a CLI older than :data:`MINIMUM_PULUMI_CLI` (under a real engine; Pulumi's mocks
    have no CLI to ask)."""
    if not isinstance(settings.get_engine(), engine_pb2_grpc.EngineStub):
        return
    try:
        pulumi.require_pulumi_version(f">={MINIMUM_PULUMI_CLI}")
    except Exception as error:
        raise RuntimeError(
            f"the role-propagation retry needs the Pulumi CLI {MINIMUM_PULUMI_CLI} or newer "
            "(older engines do not hand refused requests to error hooks, pulumi/pulumi#23347); "
            f"upgrade the CLI: {error}") from None


_hooks: weakref.WeakKeyDictionary[Any, pulumi.ErrorHook] = weakref.WeakKeyDictionary()


def propagation_hook() -> pulumi.ErrorHook:
    """The error hook that retries on propagation errors, registered once per deployment
    context: once per program, and once per Construct of a component provider.

    The engine keeps one registry of hook names per deployment and refuses a name registered
    twice (pulumi/pulumi ``pkg/resource/deploy/resource_hooks.go``). A component provider's
    Constructs all register into the consumer's deployment: the engine hands each Construct the
    address of its own resource monitor (``source_eval.go``, ``constructInfo.MonitorAddress``),
    whose hooks it runs for every resource registered there (``step.go`` ``RunErrorHooks``; the
    engine's ``TestResourceHookComponent`` binds hooks to a provider's resources by name). Each
    Construct has its own settings (the SDK's ``_construct`` calls ``reset_options``, which also
    clears the root resource). So a program's hook is :data:`ROLE_PROPAGATION_HOOK`, and each
    Construct's carries a unique suffix (the name in the state then changes from one ``up`` to the
    next, which rewrites the state and changes nothing else); its callback is served by the
    provider process, which lives as long as the deployment.
    """
    monitor = settings.get_monitor()
    if monitor is None:
        raise RuntimeError("propagation_hook() needs a Pulumi deployment: a program the Pulumi "
                           "CLI (or Pulumi's mocks) runs, or a component provider's Construct")
    hook = _hooks.get(monitor)
    if hook is None:
        _require_cli()
        in_program = settings.get_root_resource() is not None
        name = ROLE_PROPAGATION_HOOK if in_program else f"{ROLE_PROPAGATION_HOOK}/{uuid.uuid4()}"
        hook = _hooks[monitor] = pulumi.ErrorHook(name, _retry)
    return hook
