"""A CrossGuard policy pack run the way the Pulumi CLI runs it and called over the Analyzer gRPC
interface, so that a tool or a test gets the verdicts ``pulumi preview --policy-pack`` would.

How the CLI runs a Python pack (pulumi/pulumi ``sdk/python/cmd/pulumi-language-python/main.go``,
``RunPlugin`` for kind ``analyzer``; the ``pulumi-analyzer-policy-python`` shim it replaced did the
same): ``python -u -m pulumi.policy <engine address> <pack folder>``, in the pack folder.
``pulumi.policy`` runs the folder's ``__main__.py``, whose ``PolicyPack`` serves the Analyzer on a
free port of 127.0.0.1 and prints that port as the first line of its standard output
(pulumi-policy ``pulumi_policy/policy.py``). The engine then calls ``ConfigureStack`` (the language
host's policy proxy relays it, ``sdk/policy_proxy.go``), ``GetAnalyzerInfo``, ``Configure`` with
the pack config reconciled against the pack's policies (``pkg/engine/update.go``
``LoadLocalPolicyPackAnalyzers``; ``pkg/resource/analyzer/config.go``), ``Analyze`` once per
resource with its inputs and options (``pkg/resource/deploy/step_generator.go``,
``pkg/resource/plugin/analyzer_plugin.go``), and, once every resource is registered,
``AnalyzeStack`` with all of them, their outputs, parents and dependencies (step_generator.go
``AnalyzeResources``, in a preview as in an update).
"""

from __future__ import annotations

import atexit
import select
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import grpc
import jsonschema
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

UNSERVED_ENGINE = "127.0.0.1:0"
"""The engine address the pack is started with. ``pulumi.policy`` takes the address the CLI passes
and never dials it (it configures the runtime without an engine, so ``pulumi.log`` writes to
stderr): an address nothing serves, so a pack that did dial it would fail instead of talking to a
stand-in."""

START_SECONDS = 120.0
"""How long the pack may take to print its port (importing pulumi on a busy machine)."""
CALL_SECONDS = 120.0
"""How long one Analyzer call may take."""

ENFORCEMENT_LEVELS: dict[str, proto.EnforcementLevel.ValueType] = {
    "advisory": proto.ADVISORY, "mandatory": proto.MANDATORY, "remediate": proto.REMEDIATE,
    "disabled": proto.DISABLED}
"""The enforcement levels a pack config names (apitype.EnforcementLevel) and their wire values."""
BLOCKING = ("mandatory", "remediate")
"""Levels whose diagnostic fails a preview: the engine counts a remediate one as mandatory
(``pkg/resource/deploy/analyze_snapshot.go`` ``analyzeResource``)."""


class PackError(RuntimeError):
    """The pack did not start, or refused a call."""


class PackConfigError(ValueError):
    """A pack config the engine would refuse (``pulumi preview`` stops before any resource)."""


@dataclass(frozen=True)
class Diagnostic:
    """One verdict of the pack on a resource."""

    policy: str
    urn: str
    """The resource the policy reported on."""
    message: str
    """What the policy reported (pulumi-policy puts the policy's description before it on the
    wire; that is left out)."""
    enforcement_level: str
    """``mandatory``, ``advisory`` (e.g. a policy that cannot run in a preview because a value it
    reads is unknown), ``remediate`` or ``disabled``."""


def reconcile(info: proto.AnalyzerInfo, config: Mapping[str, Any]) -> dict[str, proto.PolicyConfig]:
    """What the engine configures the pack with for the pack config ``config`` (the JSON of
    ``--policy-pack-config``): every policy at its own enforcement level with its schema's
    defaults, then the pack's initial config, then ``config`` (``"all"`` sets every level), each
    policy's properties validated against its schema (``ReconcilePolicyPackConfig``)."""
    levels: dict[str, str] = {}
    properties: dict[str, dict[str, Any]] = {}
    for policy in info.policies:
        levels[policy.name] = _level_name(policy.enforcementLevel)
        schema = json_format.MessageToDict(policy.configSchema.properties)
        properties[policy.name] = {k: v["default"] for k, v in schema.items() if "default" in v}
    initial = {name: {"enforcementLevel": _level_name(c.enforcementLevel),
                      **json_format.MessageToDict(c.properties)}
               for name, c in info.initialConfig.items()}
    problems: list[str] = []
    for layer in (initial, config):
        parsed = _parse(layer, problems)
        if "all" in parsed and parsed["all"][0]:
            levels = dict.fromkeys(levels, parsed["all"][0])
        for name, (level, props) in parsed.items():
            levels[name] = level or levels.get(name, "")
            properties[name] = {**properties.get(name, {}), **props}
    for policy in info.policies:
        schema = {"type": "object", **json_format.MessageToDict(policy.configSchema)}
        problems += [f"{policy.name}: {e.message}" for e in
                     jsonschema.Draft7Validator(schema).iter_errors(properties[policy.name])]
    problems += [f"{name}: no enforcement level (not a policy of the pack)"
                 for name, level in levels.items() if level not in ENFORCEMENT_LEVELS]
    if problems:
        raise PackConfigError(f"policy pack config for {info.name!r} refused: "
                              + "; ".join(sorted(problems)))
    result = {}
    for name, level in levels.items():
        props = struct_pb2.Struct()
        props.update(properties.get(name, {}))
        result[name] = proto.PolicyConfig(enforcementLevel=ENFORCEMENT_LEVELS[level],
                                          properties=props)
    return result


def _parse(config: Mapping[str, Any], problems: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each policy's (enforcement level or "", properties) in a pack config, as the engine reads
    the file (``parsePolicyPackConfig``): a string is a level, an object may hold
    ``enforcementLevel`` beside the properties."""
    parsed = {}
    for name, value in config.items():
        if isinstance(value, str):
            level, props = value, {}
        elif isinstance(value, Mapping):
            props = dict(value)
            level = props.pop("enforcementLevel", "")
        else:
            problems.append(f"{name}: {value!r} is neither an enforcement level nor an object")
            continue
        if level and level not in ENFORCEMENT_LEVELS:
            problems.append(f"{name}: {level!r} is not an enforcement level "
                            f"({', '.join(ENFORCEMENT_LEVELS)})")
            continue
        if level or props:
            parsed[name] = (level, props)
    return parsed


def _level_name(value: proto.EnforcementLevel.ValueType) -> str:
    return next(name for name, wire in ENFORCEMENT_LEVELS.items() if wire == value)


class PolicyAnalyzer:
    """A policy pack process started as the CLI starts it, and an Analyzer client connected to it.

    The pack serves one stack operation at a time (``Configure`` replaces its config):
    :meth:`preview` configures it and analyzes the stack's resources under a lock.
    """

    def __init__(self, pack_dir: Path, python: str = sys.executable) -> None:
        """Start the pack in ``pack_dir`` with ``python`` (an environment with pulumi and
        pulumi-policy; the CLI would use the pack's own virtualenv, PulumiPolicy.yaml). The first
        call waits for it to serve, so a caller can do other work while it starts."""
        self.pack_dir = pack_dir.resolve()
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise FileNotFoundError(f"no policy pack in {pack_dir} (PulumiPolicy.yaml)")
        self._lock = threading.Lock()
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._process = subprocess.Popen(
            [python, "-u", "-m", "pulumi.policy", UNSERVED_ENGINE, str(self.pack_dir)],
            cwd=self.pack_dir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._log)

    @cached_property
    def _stub(self) -> Any:
        """The Analyzer client, connected once the pack printed its port."""
        try:
            port = self._read_port()
        except BaseException:
            self.close()
            raise
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
        return analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def _read_port(self) -> int:
        stdout = self._process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], START_SECONDS)
        line = stdout.readline() if ready else b""
        if not line.strip().isdigit():
            if not ready:
                self._process.kill()
            raise PackError(f"policy pack {self.pack_dir} did not start (no port on its standard "
                            f"output{'' if ready else f' within {START_SECONDS:.0f} s'}, exit "
                            f"code {self._process.wait()}):\n{self._stderr()}")
        # The CLI passes on what the pack prints after its port; keep the pipe drained.
        threading.Thread(target=stdout.read, daemon=True).start()
        return int(line)

    def _stderr(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace").strip()

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=CALL_SECONDS)
        except grpc.RpcError as error:
            raise PackError(f"policy pack {self.pack_dir}: {method} failed: {error}\n"
                            f"{self._stderr()}") from None

    @cached_property
    def info(self) -> proto.AnalyzerInfo:
        """The pack's name, policies (each with its enforcement level and config schema) and
        initial config."""
        info: proto.AnalyzerInfo = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        return info

    @property
    def policies(self) -> list[str]:
        """The names of the pack's policies, in the pack's order."""
        return [p.name for p in self.info.policies]

    def preview(self, stack: proto.AnalyzerStackConfigureRequest, config: Mapping[str, Any],
                resources: Sequence[proto.AnalyzeRequest],
                everything: Sequence[proto.AnalyzerResource] = ()) -> list[Diagnostic]:
        """Every diagnostic of the pack on ``resources`` of ``stack`` with the pack config
        ``config``, as the engine gets them in a preview: ``ConfigureStack``, ``Configure``, then
        ``Analyze`` for each resource (sent together: the pack serves them on its threads), then
        ``AnalyzeStack`` with ``everything`` the stack registers (none: not called)."""
        with self._lock:
            self._call("ConfigureStack", stack)
            self._call("Configure", proto.ConfigureAnalyzerRequest(
                policyConfig=reconcile(self.info, config)))
            calls = [self._stub.Analyze.future(r, timeout=CALL_SECONDS) for r in resources]
            diagnostics = []
            for request, call in zip(resources, calls, strict=True):
                try:
                    response = call.result()
                except grpc.RpcError as error:
                    raise PackError(f"policy pack {self.pack_dir}: Analyze of {request.urn} "
                                    f"failed: {error}\n{self._stderr()}") from None
                diagnostics += [Diagnostic(
                    policy=d.policyName, urn=d.urn or request.urn,
                    message=d.message.removeprefix(f"{d.description}\n"),
                    enforcement_level=_level_name(d.enforcementLevel))
                    for d in response.diagnostics]
            if everything:
                response = self._call("AnalyzeStack",
                                      proto.AnalyzeStackRequest(resources=everything))
                diagnostics += [Diagnostic(
                    policy=d.policyName, urn=d.urn,
                    message=d.message.removeprefix(f"{d.description}\n"),
                    enforcement_level=_level_name(d.enforcementLevel))
                    for d in response.diagnostics]
            return diagnostics

    def close(self) -> None:
        """Stop the pack process (as the engine does at the end of an operation)."""
        if hasattr(self, "_channel"):
            self._channel.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()

    def __enter__(self) -> PolicyAnalyzer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_RUNNING: dict[Path, PolicyAnalyzer] = {}
_RUNNING_LOCK = threading.Lock()


def running(pack_dir: Path) -> PolicyAnalyzer:
    """The pack in ``pack_dir``, started on first use and shared for the rest of this process (a
    tool run or a test session), stopped when the process exits."""
    key = pack_dir.resolve()
    with _RUNNING_LOCK:
        if key not in _RUNNING:
            _RUNNING[key] = PolicyAnalyzer(key)
        return _RUNNING[key]


def stop_all() -> None:
    """Stop every pack :func:`running` started."""
    with _RUNNING_LOCK:
        while _RUNNING:
            _RUNNING.popitem()[1].close()


atexit.register(stop_all)
