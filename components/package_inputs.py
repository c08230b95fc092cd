"""What the component package's components take: each component's library arguments, with the
resources they use named by resource id (what another language can pass), checked whole.

The package's argument types (``components/package_args.py``, what the Pulumi SDK's analyzer
turns into the package schema) are generated from these models by ``python -m
offline.package_args``; a test keeps them current. A value the engine hands over is checked here
and refused in the package's own names (camelCase), all problems at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from .arguments import Arguments, ArgumentsError, Path, Problem, StrInput, problems_with
from .compute import ComputeClusterSpec, offered_size


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


INPUTS: dict[str, type[Arguments]] = {"ComputeClusterArgs": ComputeClusterInputs}
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


M = TypeVar("M", bound=Arguments)


def inputs(model: type[M], what: str, args: Mapping[str, Any]) -> M:
    """``args`` (what Construct hands over, by Python name) as ``model``, or one
    :class:`ArgumentsError` naming every problem as the package's schema names it."""
    values = _whole(dict(args))
    try:
        made = model.model_validate(values)
    except ValidationError as error:
        raise ArgumentsError(what, problems_with(model, values, error), camel) from None
    found = made.argument_problems()
    if found:
        raise ArgumentsError(what, found, camel)
    return made
