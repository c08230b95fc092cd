"""Benchmark: how long the test suite takes, run as ``make test`` runs it.

Run ``make bench-suite`` (or ``.venv/bin/python -m benchmarks.suite``; pytest options after
``--``, e.g. ``-- -k day2``). It runs ``python -m pytest -n auto`` (one worker per core, as
``make test`` after its lint) in the project folder, with ``--durations`` for the slowest test
phases (a fixture's cost shows as the setup of the first test that asks for it), and prints the
wall time, the CPU time of pytest, its workers and every process they started (what a second
machine of the same speed would need, whatever else is running), the number of tests, and the
target (issue 23: 15 s of wall time on 2 cores). Nothing is asserted on time; no test is timed.

Wall time depends on what else runs on the machine: the load average before and after is printed
beside it. The CPU time divided by the cores is the least wall time this suite could take on them.
Python writes bytecode caches on the first run (as ``make`` lets it), so the first run after a
fresh ``uv sync`` is slower; quote a later one.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from offline.exits import FINDING, OK, USAGE, run_tool, tool_parser

TARGET_SECONDS = 15.0
TARGET_CORES = 2
"""Issue 23: the whole suite within 15 s of wall time on 2 cores."""
SLOWEST = 15
PYTEST_USAGE_ERROR = 4
"""pytest's exit code for a command line it refuses (pytest.ExitCode.USAGE_ERROR)."""


@dataclass(frozen=True)
class Counts:
    """What the suite ran, as its JUnit XML report counts it."""

    tests: int
    failed: int
    skipped: int


def counts(report: Path) -> Counts:
    """The tests, failures (errors included) and skips in a JUnit XML report of pytest."""
    suites = ET.parse(report).getroot().iter("testsuite")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    return Counts(totals["tests"], totals["failures"] + totals["errors"], totals["skipped"])


def children_cpu() -> float:
    """CPU seconds (user and system) of every finished process this one has waited for, and of
    the processes they waited for in turn."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summary(found: Counts, wall: float, cpu: float, cores: int,
            load: tuple[float, float]) -> list[str]:
    """The figures the benchmark ends with."""
    state = f"{found.failed} failed" if found.failed else "all passed"
    return [
        f"{found.tests} tests ({state}, {found.skipped} skipped) on {cores} cores.",
        f"wall {wall:.1f} s; CPU {cpu:.1f} s (at least {cpu / cores:.1f} s of wall time on "
        f"{cores} cores); load average {load[0]:.1f} before, {load[1]:.1f} after.",
        f"Target: {TARGET_SECONDS:.0f} s of wall time on {TARGET_CORES} cores "
        f"({TARGET_SECONDS * TARGET_CORES:.0f} s of CPU at most).",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("python -m benchmarks.suite", __doc__ or "")
    parser.add_argument("--project", metavar="DIR", type=Path, default=Path("."),
                        help="the project folder whose tests run (default: the current folder)")
    parser.add_argument("pytest_args", nargs="*", metavar="PYTEST_ARG",
                        help="more options for pytest (after --)")
    return run_tool(parser, argv, _suite)


def _suite(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "-n", "auto", f"--durations={SLOWEST}",
                   f"--junit-xml={report}", *args.pytest_args]
        print(" ".join(command[1:]), flush=True)
        load_before = os.getloadavg()[0]
        cpu_before, start = children_cpu(), time.perf_counter()
        code = subprocess.run(command, cwd=args.project, check=False).returncode
        wall, cpu = time.perf_counter() - start, children_cpu() - cpu_before
        if code == PYTEST_USAGE_ERROR or not report.exists():
            return USAGE
        found = counts(report)
    cores = os.cpu_count() or 1
    print("\n".join(["", *summary(found, wall, cpu, cores, (load_before, os.getloadavg()[0]))]))
    return OK if code == 0 else FINDING


if __name__ == "__main__":
    raise SystemExit(main())
