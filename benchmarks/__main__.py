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
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import inspect
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
from components.testing.runner import StackRun, program_of, run_main, run_program
from offline.exits import tool_parser
from offline.project import add_arguments, from_arguments

TARGET_RATIO = 1.5


def endpoints(n: int) -> dict[str, Any]:
    """Dev with ``n`` endpoints (each with its identity and grants) and no deployments."""
    return {"onlineEndpoints": [{"name": f"ep{i:02d}"} for i in range(n)], "sampleData": False}


def clusters(n: int) -> dict[str, Any]:
    """Dev with ``n`` clusters (each with its identity and grants) and no endpoint."""
    return {"computeClusters": [{"name": f"cpu{i:02d}"} for i in range(n)],
            "onlineEndpoints": [], "sampleData": False}


CASES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("dev", "dev", None), ("prod", "prod", None),
    *((f"{n} endpoints", "dev", endpoints(n)) for n in (1, 10, 50)),
    *((f"{n} clusters", "dev", clusters(n)) for n in (1, 10, 50)),
]


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
        if r.type == ENTRA_BLOB:  # a dynamic resource: its provider and the same inputs
            resources.append((_BareBlob, r.name, {"props": dict(r.inputs)}))
        elif r.custom:
            cls = sdk_class(r.type)
            resources.append((cls, r.name, {_keyword(cls, k): v for k, v in r.inputs.items()}))

    def program() -> None:
        gc.set_threshold(50_000, 50, 100)  # the process setting __main__.py makes
        for cls, name, kwargs in resources:
            cls(name, **kwargs)
    return program


class _BareBlob(pulumi.dynamic.Resource, module="storage", name="EntraBlob"):
    """An EntraBlob registered from recorded inputs (no file read, no digest)."""

    def __init__(self, name: str, props: dict[str, Any]):
        super().__init__(EntraBlobProvider(), name, props)


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


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("python -m benchmarks", __doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, at least")
    parser.add_argument("--budget", type=float, default=6.0,
                        help="CPU seconds each of stack and floor runs for, at least")
    add_arguments(parser)
    args = parser.parse_args(argv)
    project = from_arguments(args)
    sys.unraisablehook = _quiet_mock_loops
    project.run("dev")  # imports and first-run caches, outside every figure

    print(f"{len(CASES)} cases; a line prints as each case finishes (up to a minute each).")
    print(f"{'case':<14} {'resources':>9} {'stack ms':>9} {'floor ms':>9} {'ratio':>6} "
          f"{'stack MiB':>10} {'floor MiB':>10}", flush=True)
    rows = []
    main_program = program_of(project.dir)
    for label, stack, overrides in CASES:
        recorded = project.run(stack, overrides)
        s, f = measure(
            partial(run_main, recorded.project, stack, recorded.config, main_program),
            partial(run_program, bare(recorded), recorded.project, stack, recorded.config),
            args.repeat, args.budget)
        custom = sum(r.custom for r in recorded.resources.values())
        rows.append((label, custom, s, f))
        print(f"{label:<14} {custom:>9} {s.seconds * 1e3:>9.1f} {f.seconds * 1e3:>9.1f} "
              f"{s.seconds / f.seconds:>6.2f} {s.peak_mib:>10.1f} {f.peak_mib:>10.1f}", flush=True)

    print("\nCost of each added workload, ms (constant means linear growth):")
    print(f"  {'':<10} {'stack 1->10':>12} {'stack 10->50':>13} {'floor 1->10':>12} "
          f"{'floor 10->50':>13}")
    for kind in ("endpoints", "clusters"):
        sizes = {int(label.split()[0]): (s.seconds, f.seconds)
                 for label, _, s, f in rows if label.endswith(kind)}
        step = [[(sizes[b][i] - sizes[a][i]) / (b - a) * 1e3 for a, b in ((1, 10), (10, 50))]
                for i in (0, 1)]
        print(f"  {kind:<10} {step[0][0]:>12.1f} {step[0][1]:>13.1f} {step[1][0]:>12.1f} "
              f"{step[1][1]:>13.1f}")
    worst = max(s.seconds / f.seconds for _, _, s, f in rows)
    print(f"\nWorst stack/floor ratio {worst:.2f} (target {TARGET_RATIO}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
