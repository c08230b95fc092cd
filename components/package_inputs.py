"""What the component package's components take: each component's library arguments, with the
resources they use named by resource id (what another language can pass), checked whole.

The package's argument types (``components/package_args.py``, what the Pulumi SDK's analyzer
turns into the package schema) are generated from these models by ``python -m
offline.package_args``; a test keeps them current. A value the engine hands over is checked here
and refused in the package's own names (camelCase), all problems at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from .arguments import Arguments, ArgumentsError, Path, Problem, StrInput, problems_with
from .compute import ComputeClusterSpec, offered_size
from .kubernetes import (
    ClusterName,
    InstanceType,
    KubernetesComputeSpec,
    RouterTls,
    cluster_name_problems,
    tls_problems,
)


class ComputeClusterInputs(ComputeClusterSpec):
    """An AmlCompute cluster that scales to zero and runs jobs as a managed identity, with the
    roles that identity needs to pull images and read data."""

    workspace_id: StrInput
    """Resource id of the workspace the cluster joins."""
    identity_id: StrInput | None = None
    """Resource id of the user-assigned identity jobs run as; absent: system-assigned."""
    allow_unlisted_vm_size: bool = False
    """Take a VM size this package does not list for Azure ML compute (one newer than its
    list)."""
    tags: Mapping[str, str] = {}

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + offered_size(self.vm_size, self.allow_unlisted_vm_size)


class KubernetesComputeInputs(KubernetesComputeSpec):
    """An AKS cluster (created, or an existing one) with the Azure ML extension, its instance
    types, attached to a workspace as Kubernetes compute running as a managed identity, with the
    roles the attach needs granted first."""

    workspace_id: StrInput
    """Resource id of the workspace the cluster is attached to."""
    workspace_principal_id: StrInput
    """Principal id of the identity the workspace runs as (it gets the attach roles)."""
    identity_id: StrInput
    """Resource id of the user-assigned identity the attached compute runs as."""
    cluster_name: ClusterName | None = None
    """Name of the AKS cluster to create (none with existingClusterId); absent: aks-<resource
    name>."""
    # The library's RouterTls, spread flat; checked as the library checks it (tls()).
    tls_cname: str | None = None
    """The host name scoring requests use, the certificate's name: with tlsCertificate and tlsKey,
    or tlsSecret on an existing cluster."""
    tls_certificate: StrInput | None = None
    """The router's certificate, PEM with its full chain (pass a secret); with tlsKey."""
    tls_key: StrInput | None = None
    """Its private key, PEM without a passphrase (pass a secret)."""
    tls_secret: str | None = None
    """Existing cluster only: a Kubernetes secret in its azureml namespace with cert.pem and
    key.pem."""
    tags: Mapping[str, str] = {}

    def tls(self) -> RouterTls | None:
        """The router's TLS as the library takes it (None: not given)."""
        given = self._tls_given()
        return RouterTls(**given) if given else None

    def _tls_given(self) -> dict[str, Any]:
        return {name: value for name in RouterTls.model_fields
                if (value := getattr(self, f"tls_{name}")) is not None}

    def cross_checks(self) -> list[Problem]:
        given = self._tls_given()
        inner, view = checked(RouterTls, given) if given else ([], None)
        found = [p.within("tls") for p in inner]
        found += [p for p in tls_problems(view, self.existing_cluster_id,
                                          self.allow_insecure_connections)
                  if p.argument not in {q.argument for q in found}]
        return super().cross_checks() + cluster_name_problems(
            self.cluster_name, self.existing_cluster_id, required=False) + [
            _spread(p, "tls", "cname") for p in found]


INPUTS: dict[str, type[Arguments]] = {"ComputeClusterArgs": ComputeClusterInputs,
                                      "InstanceType": InstanceType,
                                      "KubernetesComputeArgs": KubernetesComputeInputs}
"""The argument types of the package, by name, and the model each is generated from."""


def camel(path: Path) -> str:
    """An argument as the package's schema names it: ``deployments[1].instanceCount``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{to_camel(p)}" for p in path).lstrip(".")


def _whole(value: Any) -> Any:
    """``value`` with its whole floats as ints: Construct hands every number over as a float (a
    protobuf ``Struct`` number is a double), where the declarations take whole numbers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_whole(v) for v in value]
    return value


def _spread(problem: Problem, entry: str, first: str) -> Problem:
    """A problem of the library's ``entry`` (``tls.cname``) as the package names it, spread flat
    (``tls_cname``, the schema's ``tlsCname``); the entry missing is its ``first`` argument
    missing."""
    if problem.argument[:1] != (entry,):
        return problem
    inside = problem.argument[1:] or (first,)
    allowed = problem.allowed
    if problem.base[:1] == (entry,):  # the entry's own rule names its siblings
        allowed = re.sub(r"\{(\w+)\}", rf"{{{entry}_\1}}", allowed)
    return Problem((f"{entry}_{inside[0]}", *inside[1:]), problem.value, allowed,
                   problem.base[1:] if problem.base[:1] == (entry,) else problem.base,
                   problem.unknown)


M = TypeVar("M", bound=Arguments)


def checked(model: type[M], values: Mapping[str, Any]) -> tuple[list[Problem], M]:
    """Every problem of ``values`` (by Python name) as ``model``, and the model they make (as far
    as they can: unchecked where they do not fit)."""
    try:
        made = model.model_validate(values)
    except ValidationError as error:
        return problems_with(model, values, error), cast(M, model.model_construct(**values))
    return made.argument_problems(), made


def inputs(model: type[M], what: str, args: Mapping[str, Any]) -> M:
    """``args`` (what Construct hands over, by Python name) as ``model``, or one
    :class:`ArgumentsError` naming every problem as the package's schema names it."""
    found, made = checked(model, _whole(dict(args)))
    if found:
        raise ArgumentsError(what, found, camel)
    return made
