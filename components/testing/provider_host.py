"""Drive a component package's provider host the way the Pulumi engine does, offline.

A component package (``PulumiPlugin.yaml`` with ``runtime: python``) is run by the Pulumi CLI's
Python language host as ``python <plugin directory> <engine address>``, in the consumer project's
directory (pulumi/pulumi ``sdk/python/cmd/pulumi-language-python/main.go`` ``RunPlugin``;
``pkg/resource/plugin/plugin.go``: ``WorkingDirectory: ctx.Pwd``); it prints its port, and the
engine calls ``GetSchema`` and, for each component the consumer declares, ``Construct`` with the
address of the deployment's resource monitor, on which the provider registers the component's
children (``pkg/resource/deploy/source_eval.go``: one monitor, hence one registry of hook names,
per deployment).

:class:`MockDeployment` is that deployment's side, served over gRPC in this process: a resource
monitor answered by :class:`~components.testing.mocks.AzureMocks` that records every registration
(as :func:`~components.testing.runner.run_stack` does) and every registered error hook, and an
engine that takes logs and answers ``RequirePulumiVersion`` as a given CLI version would.
:class:`ProviderHost` starts the real host process and calls it over gRPC::

    with MockDeployment() as deployment, ProviderHost.start("provider", deployment) as host:
        built = host.construct("mlplatform:index:Identity", "scorer", {...})
        built.run.one("UserAssignedIdentity")
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from pulumi.runtime.proto import (
    callback_pb2,
    callback_pb2_grpc,
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from .mocks import AzureMocks
from .runner import StackRun, _RecordingMonitor

RPC_TIMEOUT = 300.0
"""Seconds a call to the host may take before the test fails instead of hanging."""


class _Monitor(_RecordingMonitor):
    """The recording mock monitor, naming URNs after the deployment's project and stack (the
    SDK's MockMonitor asks the calling process's settings, which a gRPC thread does not have)."""

    def __init__(self, mocks: AzureMocks, project: str, stack: str):
        super().__init__(mocks)
        self.project, self.stack = project, stack

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"


class _MonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, deployment: MockDeployment):
        self.deployment = deployment
        self.monitor: Any = deployment.monitor  # the SDK's MockMonitor is untyped

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(
            hasSupport=self.monitor.SupportsFeature(request).hasSupport)

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        return self.monitor.GetDeploymentInfo(request)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        return self.monitor.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def ReadResource(self, request: Any, context: Any) -> Any:
        return self.monitor.ReadResource(request)

    def Invoke(self, request: Any, context: Any) -> Any:
        return self.monitor.Invoke(request)

    def RegisterErrorHook(self, request: Any, context: Any) -> Any:
        # As the engine does (pkg/resource/deploy/resource_hooks.go): one name, one hook.
        if request.name in self.deployment.error_hooks:
            context.abort(grpc.StatusCode.UNKNOWN,
                          f"resource hook already registered for name {request.name!r}")
        self.deployment.error_hooks[request.name] = request.callback
        return empty_pb2.Empty()

    def RegisterResourceHook(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()


class _EngineServicer(engine_pb2_grpc.EngineServicer):
    def __init__(self, deployment: MockDeployment):
        self.deployment = deployment

    def Log(self, request: Any, context: Any) -> Any:
        self.deployment.logs.append((engine_pb2.LogSeverity.Name(request.severity),
                                     request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self.deployment.stack_urn)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request: Any, context: Any) -> Any:
        # The CLI's answer (pkg/host/host_server.go, plugin.ValidatePulumiVersionRange); ranges
        # of blang/semver, whose AND is a space, read as PEP 440 specifiers.
        wanted = request.pulumi_version_range
        if Version(self.deployment.cli_version) not in SpecifierSet(",".join(wanted.split())):
            context.abort(grpc.StatusCode.UNKNOWN,
                          f"Pulumi CLI version {self.deployment.cli_version} does not satisfy "
                          f"the version range {wanted!r}")
        return engine_pb2.RequirePulumiVersionResponse()


class MockDeployment:
    """The engine's side of a deployment that constructs remote components: a resource monitor
    answered by ``mocks`` and an engine that reports ``cli_version``, served on one local port
    while used as a context manager."""

    def __init__(self, mocks: AzureMocks | None = None, *, project: str = "consumer",
                 stack: str = "dev", cli_version: str = "3.244.0"):
        self.mocks = mocks or AzureMocks()
        self.project, self.stack, self.cli_version = project, stack, cli_version
        self.monitor = _Monitor(self.mocks, project, stack)
        self.error_hooks: dict[str, Any] = {}
        """Name -> callback (``pulumirpc.Callback``) of every error hook registered."""
        self.logs: list[tuple[str, str]] = []
        """(severity, message) of every log the provider sent the engine."""
        self.stack_urn = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
        self.address = ""
        self._server: grpc.Server | None = None

    def __enter__(self) -> MockDeployment:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_MonitorServicer(self),
                                                                self._server)
        engine_pb2_grpc.add_EngineServicer_to_server(_EngineServicer(self), self._server)
        self.address = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop(grace=None)

    def error_hook(self, name: str, failed_operation: str, errors: Sequence[str],
                   urn: str = "", type_: str = "") -> bool:
        """Call the registered error hook ``name`` as the engine does when ``failed_operation``
        failed with ``errors`` (newest first), and return whether it asks for a retry."""
        callback = self.error_hooks[name]
        request = resource_pb2.ErrorHookRequest(
            urn=urn, name=urn.rsplit("::", 1)[-1], type=type_,
            failed_operation=failed_operation, errors=list(errors))
        with grpc.insecure_channel(callback.target) as channel:
            answer = callback_pb2_grpc.CallbacksStub(channel).Invoke(
                callback_pb2.CallbackInvokeRequest(token=callback.token,
                                                   request=request.SerializeToString()),
                timeout=RPC_TIMEOUT)
        response = resource_pb2.ErrorHookResponse.FromString(answer.response)
        if response.error:
            raise RuntimeError(f"error hook {name} failed: {response.error}")
        return bool(response.retry)


@dataclass
class Constructed:
    """What one Construct built."""

    type: str
    """The component's type token."""
    inputs: dict[str, Any]
    """What the Construct was given (schema names)."""
    urn: str
    """The component's URN."""
    outputs: dict[str, Any]
    """Its outputs, by schema name."""
    run: StackRun
    """Every resource the Construct registered, as :func:`~components.testing.run_stack`
    records them."""


class ProviderHost:
    """A component provider host process, started as the Pulumi CLI starts it."""

    def __init__(self, process: subprocess.Popen[str], port: int, log: IO[bytes],
                 deployment: MockDeployment):
        self.process, self.port, self._log, self.deployment = process, port, log, deployment
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    @classmethod
    @contextmanager
    def start(cls, directory: str | Path, deployment: MockDeployment, *,
              cwd: str | Path | None = None, python: str = sys.executable,
              pythonpath: Sequence[str | Path] = ()) -> Iterator[ProviderHost]:
        """Run ``python <directory> <engine address>`` in ``cwd`` (the consumer project; default:
        a temporary folder) with ``pythonpath`` first on ``PYTHONPATH``, read the port it prints,
        and stop it on exit."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([*map(str, pythonpath),
                                             *filter(None, [env.get("PYTHONPATH")])])
        with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryFile() as log:
            process = subprocess.Popen(
                [python, str(Path(directory).resolve()), deployment.address],
                cwd=cwd or scratch, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
            try:
                assert process.stdout is not None
                port = process.stdout.readline().strip()
                if not port.isdigit():
                    process.wait(timeout=30)
                    log.seek(0)
                    raise RuntimeError(f"the provider host did not start:\n"
                                       f"{log.read().decode(errors='replace')}")
                host = cls(process, int(port), log, deployment)
                try:
                    yield host
                finally:
                    host._channel.close()
            finally:
                process.terminate()
                process.wait(timeout=30)

    def stderr(self) -> str:
        """What the host wrote to its standard error so far."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def schema(self) -> dict[str, Any]:
        """The package schema the host serves (GetSchema)."""
        response = self.stub.GetSchema(provider_pb2.GetSchemaRequest(), timeout=RPC_TIMEOUT)
        loaded: dict[str, Any] = json.loads(response.schema)
        return loaded

    def construct(self, type_: str, name: str, inputs: Mapping[str, Any],
                  config: Mapping[str, str] | None = None) -> Constructed:
        """Construct component ``type_`` named ``name`` from ``inputs`` (schema names, plain
        values) at the top of the deployment's stack, as the engine does for a consumer's
        resource; a failure inside the host raises :class:`grpc.RpcError` with its message."""
        deployment = self.deployment
        before = set(deployment.monitor.registrations)
        struct = struct_pb2.Struct()
        struct.update(dict(inputs))
        response = self.stub.Construct(provider_pb2.ConstructRequest(
            project=deployment.project, stack=deployment.stack, config=dict(config or {}),
            dryRun=False, monitorEndpoint=deployment.address, type=type_, name=name,
            parent=deployment.stack_urn, inputs=struct, organization="organization",
            accepts_output_values=True), timeout=RPC_TIMEOUT)
        registered = {urn: r for urn, r in deployment.monitor.registrations.items()
                      if urn not in before}
        run = StackRun(stack=deployment.stack, project=deployment.project,
                       config=dict(config or {}), resources=registered, outputs={},
                       invented=dict(deployment.mocks.invented))
        return Constructed(type_, dict(inputs), response.urn,
                           json_format.MessageToDict(response.state), run)
