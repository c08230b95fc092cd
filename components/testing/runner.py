"""Run a project's real program with a stack's real config files under Pulumi's mocks.

The stack config is assembled the way the Pulumi CLI does it: ``Pulumi.yaml`` defaults, then the
values of ``Pulumi.<stack>.yaml``, each structured value handed to the program as JSON. Every
resource registration is recorded (type, name, parent, dependencies, inputs, the mocks' answer),
and the stack outputs are resolved, so that a report or a test can read what the program did.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import hashlib
import json
import os
import runpy
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings

from .. import catalog
from ..access import ROLE_ASSIGNMENT
from ..stackfile import project_file, read_yaml, stack_file_path
from .mocks import RANDOM_SUFFIX, AzureMocks


@dataclass
class Registration:
    """One resource the program registered."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    protect: bool
    retain_on_delete: bool
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    ignore_changes: list[str] = field(default_factory=list)
    deleted_with: str = ""
    """URN of the resource whose deletion deletes this one in Azure (no delete of its own)."""
    replace_on_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    error_hooks: list[str] = field(default_factory=list)
    """Names of the error hooks bound to the resource (``ResourceHookBinding.on_error``)."""
    aliases: list[str] = field(default_factory=list)
    """URNs the resource had before (its ``aliases``): state under one of them is this resource."""

    @property
    def azure_name(self) -> str | None:
        """The name Azure knows the resource by (None for components, random values and what
        Azure does not name)."""
        entry = catalog.find(self.type)
        named = self.custom and entry is not None and entry.name is not None
        return self.outputs.get("name") if named else None


@dataclass
class StackRun:
    """What one run of the program under mocks registered and exported."""

    stack: str
    project: str
    config: dict[str, str]
    resources: dict[str, Registration]
    outputs: dict[str, Any]
    invented: dict[str, str]
    """Values the mocks made up, and how a real preview shows each."""
    suffix: str = RANDOM_SUFFIX
    """What the stack's random name suffix came out as."""

    def of_type(self, type_: str) -> list[Registration]:
        """Every resource of Pulumi type ``type_``."""
        return [r for r in self.resources.values() if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Registration:
        """The one resource whose type is or ends with ``type_`` (and whose Pulumi name is
        ``name``); AssertionError when there are none or several."""
        found = [r for r in self.resources.values() if r.type.endswith(type_)
                 and (name is None or r.name == name)]
        assert len(found) == 1, f"{len(found)} resources of type {type_} named {name}"
        return found[0]

    @cached_property
    def _owners(self) -> dict[str, Registration]:
        owners: dict[str, Registration] = {}
        for r in self.resources.values():
            if r.type == ROLE_ASSIGNMENT:  # names, does not own, ids
                continue
            identity = r.outputs.get("identity")
            system_principal = identity.get("principalId") if isinstance(identity, dict) else None
            for key in (r.id, r.outputs.get("principalId"), system_principal):
                if key:
                    owners.setdefault(key, r)
        return owners

    def owner_of(self, value: Any) -> Registration | None:
        """The resource whose id, or whose identity's principal id, is ``value``."""
        return self._owners.get(value) if isinstance(value, str) else None

    def snapshot(self) -> dict[str, Any]:
        """This run as JSON-able data: what the state of a deployed stack would hold, for the
        day-2 plan of a later revision (``python -m offline.plan``)."""
        data: dict[str, Any] = jsonable({
            "stack": self.stack, "project": self.project, "suffix": self.suffix,
            "config": self.config, "outputs": self.outputs, "invented": self.invented,
            "resources": [dataclasses.asdict(r) for r in self.resources.values()]})
        return data

    @staticmethod
    def from_snapshot(data: Mapping[str, Any]) -> StackRun:
        """The run that :meth:`snapshot` saved."""
        resources = [Registration(**r) for r in data["resources"]]
        return StackRun(stack=data["stack"], project=data["project"], config=data["config"],
                        resources={r.urn: r for r in resources}, outputs=data["outputs"],
                        invented=data["invented"], suffix=data["suffix"])


def jsonable(value: Any) -> Any:
    """``value`` with every asset replaced by its path and content digest, as a state shows it."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, pulumi.FileAsset):
        return {"file": value.path,
                "sha256": hashlib.sha256(Path(value.path).read_bytes()).hexdigest()}
    return value


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, keeping every registration request and the mocks' answer."""

    def __init__(self, mocks: AzureMocks):
        super().__init__(mocks)
        self.registrations: dict[str, Registration] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            registered = self.resources.get(response.urn)
            self.registrations[response.urn] = Registration(
                urn=response.urn, type=request.type, name=request.name, parent=request.parent,
                custom=request.custom, protect=request.protect,
                retain_on_delete=request.retainOnDelete,
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in
                                       request.propertyDependencies.items()},
                inputs={k: v for k, v in
                        unwrap_secrets(rpc.deserialize_properties(request.object)).items()
                        if k != DYNAMIC_PROVIDER},
                outputs=dict(registered.state) if registered else {},
                id=registered.id if registered else "",
                ignore_changes=list(request.ignoreChanges),
                deleted_with=request.deletedWith,
                replace_on_changes=list(request.replaceOnChanges),
                delete_before_replace=request.deleteBeforeReplace,
                error_hooks=list(request.hooks.on_error),
                aliases=alias_urns(response.urn, request.aliases),
            )
        return response

    def ReadResource(self, request: Any) -> Any:
        """A resource the program reads (a stack reference): recorded as a registration, so that
        what depends on its outputs depends on something the run knows."""
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        registered = self.resources[response.urn]
        self.registrations[response.urn] = Registration(
            urn=response.urn, type=request.type, name=request.name, parent=request.parent,
            custom=True, protect=False, retain_on_delete=False,
            dependencies=list(request.dependencies), property_dependencies={},
            inputs=dict(unwrap_secrets(rpc.deserialize_properties(request.properties))),
            outputs=dict(registered.state), id=registered.id)
        return response


def alias_urns(urn: str, aliases: Any) -> list[str]:
    """The former URNs that alias specs of the same parent (a new type or name) stand for: the
    URN with its own type (after the parent types, ``$``) or its name replaced."""
    head, qualified, name = urn.rsplit("::", 2)
    parents, _, own = qualified.rpartition("$")
    found = []
    for alias in aliases:
        if alias.urn:
            found.append(alias.urn)
        elif not alias.spec.parentUrn and not alias.spec.noParent:
            type_ = alias.spec.type or own
            found.append(f"{head}::{parents + '$' if parents else ''}{type_}::"
                         f"{alias.spec.name or name}")
    return found


DYNAMIC_PROVIDER = "__provider"
"""The input a dynamic resource carries its serialized provider in: code, not a setting, so it
is left out of the recorded inputs."""


def unwrap_secrets(value: Any) -> Any:
    """``value`` with Pulumi's secret envelopes (``{<sig>: <secret sig>, "value": v}``) opened, as
    the engine hands inputs to a provider."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return unwrap_secrets(value.get("value"))
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def _config_text(value: Any) -> str:
    """A config value as the Pulumi CLI hands it to the program."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def program_of(project_dir: Path) -> Path:
    """The program the Pulumi CLI runs for the project: ``main`` of ``Pulumi.yaml`` (a file or a
    folder with ``__main__.py``), or the project folder's ``__main__.py``."""
    main = project_dir / str(project_file(project_dir).get("main") or ".")
    return main / "__main__.py" if main.is_dir() else main


def stack_config(stack: str, overrides: Mapping[str, Any] | None = None,
                 project_dir: Path = Path(".")) -> tuple[str, dict[str, str]]:
    """The project name and the config the CLI would give ``stack``'s program.

    ``overrides`` replace stack values; a key without a namespace is the project's; None removes
    a key (so the Pulumi.yaml default applies, as when the stack file leaves it out).
    """
    project = project_file(project_dir)
    name = project["name"]
    stack_file = stack_file_path(project_dir, stack, project)
    if not stack_file.exists():
        raise FileNotFoundError(f"no stack file {stack_file.name}; stacks: "
                                + ", ".join(p.name[7:-5]
                                            for p in stack_file.parent.glob("Pulumi.*.yaml")))
    values = dict((read_yaml(stack_file) or {}).get("config") or {})
    for key, value in (overrides or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if value is None:
            values.pop(full, None)
        else:
            values[full] = value
    config = {}
    for key, declaration in (project.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(declaration, dict):
            default = declaration.get("default", declaration.get("value"))
            if default is not None:
                config[full] = default
        else:
            config[full] = declaration
    config.update(values)
    return name, {key: _config_text(value) for key, value in config.items()}


async def _resolve(value: Any) -> Any:
    """A stack output with every Output resolved (nested dicts and lists included)."""
    if isinstance(value, pulumi.Output):
        return await _resolve(await value.future())
    if isinstance(value, dict):
        return {k: await _resolve(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [await _resolve(v) for v in value]
    return value


def run_stack(stack: str, overrides: Mapping[str, Any] | None = None,
              project: Path | str = ".", suffix: str = RANDOM_SUFFIX) -> StackRun:
    """Run the program of the Pulumi project in folder ``project`` (default: the current one) with
    the config of its stack ``stack`` (``Pulumi.<stack>.yaml``) under mocks.

    ``overrides`` replace config values (see :func:`stack_config`); ``suffix`` is what a random
    name suffix (a ``random.RandomString``) comes out as. Exceptions of the program (bad config,
    a bug) propagate to the caller, with the resources registered before the failure in their
    ``registrations`` attribute.
    """
    project_dir = Path(project)
    name, config = stack_config(stack, overrides, project_dir)
    return run_main(name, stack, config, program_of(project_dir), suffix)


def run_main(project: str, stack: str, config: Mapping[str, str], program: Path,
             suffix: str = RANDOM_SUFFIX) -> StackRun:
    """Run ``program`` the way the CLI does, with the config the CLI has already merged."""
    program = program.resolve()
    sys.path.insert(0, str(program.parent))
    cwd = os.getcwd()
    os.chdir(program.parent)  # as the CLI runs it: paths in config are the project's
    try:
        return run_program(lambda: runpy.run_path(str(program), run_name="__main__"),
                           project, stack, config, suffix)
    finally:
        os.chdir(cwd)
        sys.path.remove(str(program.parent))


def run_program(body: Callable[[], Any], project: str, stack: str,
                config: Mapping[str, str], suffix: str = RANDOM_SUFFIX) -> StackRun:
    """Run ``body`` as a Pulumi program under the Azure mocks and record what it registers."""
    collecting, thresholds = gc.isenabled(), gc.get_threshold()  # a program may change them
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = AzureMocks(suffix)
    monitor = _RecordingMonitor(mocks)
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config))
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    try:
        pulumi.runtime.test(body)()  # type: ignore[no-untyped-call]
        root = pulumi_settings.get_root_resource()
        assert isinstance(root, pulumi.runtime.stack.Stack)
        outputs = loop.run_until_complete(_resolve(dict(root.outputs)))
    except Exception as error:
        error.registrations = monitor.registrations  # type: ignore[attr-defined]
        raise
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        gc.set_threshold(*thresholds)
        (gc.enable if collecting else gc.disable)()
    return StackRun(stack=stack, project=project, config=dict(config),
                    resources=monitor.registrations, outputs=outputs,
                    invented=dict(mocks.invented), suffix=suffix)
