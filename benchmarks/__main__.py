"""Benchmark: how long the program takes to evaluate under mocks, and how much memory, beside the
floor of registering the same resources bare.

Run ``make bench`` (or ``.venv/bin/python -m benchmarks``). For each case the real program runs
with the stack's config (and the case's overrides) under the project's Azure mocks; the floor
registers the same custom resources, with the same types, names and inputs, as bare
pulumi-azure-native (and pulumi-random) resources under the same mocks in the same process: what
Pulumi, the provider SDK and the mocks cost with no components, settings, naming or outputs
passed between resources. Both get the config already merged, as the CLI hands it to a program.
Times are the best of runs that alternate stack and floor (at least ``--repeat`` each and
``--budget`` seconds each; imports and the first run excluded), in CPU time of the process, which
other load on the machine disturbs less than wall time; peak memory is what ``tracemalloc`` sees
during one run.

Targets (issue 7): each stack within 1.5x its floor, and a constant cost per added endpoint or
cluster from 1 to 50.

``--smoke`` runs small cases once each (CI runs it, so the benchmark keeps working; its figures
are not measurements). ``--python-gc`` keeps Python's default thresholds of the cycle collector
(the ``gc.set_threshold`` call of ``__main__.py`` is ignored): what that call saves.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import inspect
import itertools
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pulumi
import pulumi.dynamic

from components.blob_upload import ENTRA_BLOB, EntraBlobProvider
from components.network_provisioning import NETWORK_PROVISIONING, ManagedNetworkProvisioningProvider
from components.testing.runner import StackRun, program_of, run_main, run_program
from offline.exits import OK, run_tool, tool_parser
from offline.project import add_arguments, from_arguments

TARGET_RATIO = 1.5


def endpoints(n: int) -> dict[str, Any]:
    """Dev with ``n`` endpoints (each with its identity and grants) and no deployments."""
    return {"onlineEndpoints": [{"name": f"ep{i:02d}"} for i in range(n)], "sampleData": False}


def clusters(n: int) -> dict[str, Any]:
    """Dev with ``n`` clusters (each with its identity and grants) and no endpoint."""
    return {"computeClusters": [{"name": f"cpu{i:02d}"} for i in range(n)],
            "onlineEndpoints": [], "sampleData": False}


Case = tuple[str, str, dict[str, Any] | None]
"""A label, the stack, and its config overrides."""
WORKLOADS = {"endpoints": endpoints, "clusters": clusters}


def cases(stacks: tuple[str, ...], sizes: tuple[int, ...]) -> list[Case]:
    """Each stack as it is, then dev with each number of endpoints, then of clusters."""
    return [*((stack, stack, None) for stack in stacks),
            *((f"{n} {kind}", "dev", make(n)) for kind, make in WORKLOADS.items() for n in sizes)]


CASES = cases(("dev", "prod"), (1, 10, 50))
SMOKE = cases(("dev",), (1, 2))
"""What ``--smoke`` runs: every code path of the benchmark, in seconds."""


def sdk_class(type_: str) -> type:
    """The SDK class of a resource type, e.g. ``azure-native:storage:Blob`` -> ``storage.Blob``."""
    package, module, name = type_.split(":")
    found: type
    if package == "random":
        found = getattr(importlib.import_module("pulumi_random"), name.split("/")[-1])
    else:
        found = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    return found


def _keyword(cls: type, key: str) -> str:
    """The constructor keyword of input ``key`` (``resourceName`` -> ``resource_name_``)."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
    params = inspect.signature(cls._internal_init).parameters  # type: ignore[attr-defined]
    taken = ("resource_name", "opts")  # the Pulumi name and options come first
    return snake if snake in params and snake not in taken else snake + "_"


def bare(run: StackRun) -> Callable[[], None]:
    """A program that registers ``run``'s custom resources as bare SDK resources: the same
    types, names and inputs, resolved values instead of outputs, no components."""
    resources: list[tuple[Callable[..., Any], str, dict[str, Any]]] = []
    for r in run.resources.values():
        if r.type in DYNAMIC:  # a dynamic resource: its provider and the same inputs
            resources.append((DYNAMIC[r.type], r.name, {"props": dict(r.inputs)}))
        elif r.custom:
            cls = sdk_class(r.type)
            resources.append((cls, r.name, {_keyword(cls, k): v for k, v in r.inputs.items()}))

    def program() -> None:
        gc.set_threshold(50_000, 50, 100)  # the process setting __main__.py makes
        for cls, name, kwargs in resources:
            cls(name, **kwargs)
    return program


def _bare_dynamic(module: str, name: str,
                  provider: type[pulumi.dynamic.ResourceProvider]) -> Callable[..., Any]:
    """A dynamic resource of the program's type, registered from recorded inputs (no file read, no
    digest)."""
    class Bare(pulumi.dynamic.Resource, module=module, name=name):
        def __init__(self, resource_name: str, props: dict[str, Any]):
            # A copy: the SDK adds the serialized provider to the dict it is given
            # (pulumi/dynamic/dynamic.py Resource.__init__), and the floor runs many times.
            super().__init__(provider(), resource_name, dict(props))
    return Bare


DYNAMIC = {ENTRA_BLOB: _bare_dynamic("storage", "EntraBlob", EntraBlobProvider),
           NETWORK_PROVISIONING: _bare_dynamic("machinelearningservices",
                                               "ManagedNetworkProvisioning",
                                               ManagedNetworkProvisioningProvider)}
"""The program's dynamic resources, by type, as the floor registers them."""


@dataclass
class Figure:
    seconds: float
    peak_mib: float


def measure(stack: Callable[[], Any], floor: Callable[[], Any], repeat: int,
            budget: float) -> tuple[Figure, Figure]:
    """Best CPU time of ``stack`` and of ``floor``, run alternately at least ``repeat`` times and
    until each has had ``budget`` seconds, so both see the same machine; then peak memory."""
    best = {stack: float("inf"), floor: float("inf")}
    spent = {stack: 0.0, floor: 0.0}
    runs = 0
    while runs < repeat or min(spent.values()) < budget:
        for run in (stack, floor):
            gc.collect()
            start = time.process_time()
            run()
            took = time.process_time() - start
            best[run], spent[run] = min(best[run], took), spent[run] + took
        runs += 1
    peaks = {}
    for run in (stack, floor):
        gc.collect()
        tracemalloc.start()
        run()
        peaks[run] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return Figure(best[stack], peaks[stack]), Figure(best[floor], peaks[floor])


def _quiet_mock_loops(unraisable: sys.UnraisableHookArgs) -> None:
    """Pulumi's MockMonitor gives each executor thread an event loop it never closes
    (``pulumi.runtime.mocks`` calls ``_ensure_event_loop`` in the worker); when such a loop is
    collected its ``__del__`` fails on a closed pipe. Drop only that, print everything else."""
    if getattr(unraisable.object, "__qualname__", "") != asyncio.BaseEventLoop.__del__.__qualname__:
        sys.__unraisablehook__(unraisable)


def growth(rows: list[tuple[str, int, Figure, Figure]]) -> list[str]:
    """The cost of each added workload between the sizes measured, stack and floor, in ms."""
    sizes = sorted({int(label.split()[0]) for label, *_ in rows if label[0].isdigit()})
    steps = list(itertools.pairwise(sizes))
    lines = [f"  {'':<10}" + "".join(f"{f'{side} {a}->{b}':>14}" for side in ("stack", "floor")
                                     for a, b in steps)]
    for kind in WORKLOADS:
        at = {int(label.split()[0]): (s.seconds, f.seconds)
              for label, _, s, f in rows if label.endswith(kind)}
        lines.append(f"  {kind:<10}" + "".join(
            f"{(at[b][side] - at[a][side]) / (b - a) * 1e3:>14.1f}"
            for side in (0, 1) for a, b in steps))
    return lines


def _ignore_thresholds(*thresholds: int) -> None:
    """Stands in for ``gc.set_threshold`` with ``--python-gc``."""


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("python -m benchmarks", __doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, at least")
    parser.add_argument("--budget", type=float, default=6.0,
                        help="CPU seconds each of stack and floor runs for, at least")
    parser.add_argument("--smoke", action="store_true",
                        help="small cases, one run each: that the benchmark works (CI)")
    parser.add_argument("--python-gc", action="store_true",
                        help="Python's default collector thresholds, not the program's")
    add_arguments(parser)
    return run_tool(parser, argv, _bench)


def _bench(args: argparse.Namespace) -> int:
    project = from_arguments(args)
    chosen, repeat, budget = (SMOKE, 1, 0.0) if args.smoke else (CASES, args.repeat, args.budget)
    if args.python_gc:
        gc.set_threshold = _ignore_thresholds  # the program's call, and the floor's
    project.run("dev")  # imports and first-run caches, outside every figure
    sys.unraisablehook = _quiet_mock_loops

    print(f"{len(chosen)} cases; a line prints as each case finishes (up to a minute each)"
          f"{'; smoke: one run each, figures are not measurements' if args.smoke else ''}.")
    print(f"{'case':<14} {'resources':>9} {'stack ms':>9} {'floor ms':>9} {'ratio':>6} "
          f"{'stack MiB':>10} {'floor MiB':>10}", flush=True)
    rows = []
    main_program = program_of(project.dir)
    for label, stack, overrides in chosen:
        recorded = project.run(stack, overrides)
        s, f = measure(
            partial(run_main, recorded.project, stack, recorded.config, main_program),
            partial(run_program, bare(recorded), recorded.project, stack, recorded.config),
            repeat, budget)
        custom = sum(r.custom for r in recorded.resources.values())
        rows.append((label, custom, s, f))
        print(f"{label:<14} {custom:>9} {s.seconds * 1e3:>9.1f} {f.seconds * 1e3:>9.1f} "
              f"{s.seconds / f.seconds:>6.2f} {s.peak_mib:>10.1f} {f.peak_mib:>10.1f}", flush=True)

    print("\nCost of each added workload, ms (constant means linear growth):")
    print("\n".join(growth(rows)))
    worst = max(s.seconds / f.seconds for _, _, s, f in rows)
    print(f"\nWorst stack/floor ratio {worst:.2f} (target {TARGET_RATIO}).")
    return OK


if __name__ == "__main__":
    raise SystemExit(main())
