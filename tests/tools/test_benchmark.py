"""The benchmark's floor is a fair one: the same resources, registered bare, as often as the
benchmark runs it; its summary is the cost per added workload. (Timings are printed by
`make bench`, never asserted here; CI runs `make bench ARGS=--smoke`.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks.__main__ import CASES, SMOKE, Figure, bare, growth, main
from components.testing.runner import run_program
from offline.exits import CONFIG
from offline.report import shown

from ..conftest import PROJECT_DIR, shared_run


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_floor_registers_the_same_resources_with_the_same_inputs_every_run(stack: str) -> None:
    run = shared_run(stack)
    floor = bare(run)
    custom = [r for r in run.resources.values() if r.custom]
    by_name = {(r.type, r.name): shown(r.inputs, {}) for r in custom}  # files by content
    for _ in range(2):  # measure() runs it again and again (a dynamic resource's props once broke)
        registered = run_program(floor, run.project, stack, run.config).resources.values()
        assert Counter((r.type, r.name) for r in registered) == Counter(
            (r.type, r.name) for r in custom)
        assert all(not r.dependencies and not r.parent.endswith("Component")
                   for r in registered)
        assert all(by_name[(r.type, r.name)] == shown(r.inputs, {}) for r in registered)


def test_the_cases_cover_the_stacks_and_1_10_50_endpoints_and_clusters() -> None:
    assert [label for label, _, _ in CASES] == [
        "dev", "prod", "1 endpoints", "10 endpoints", "50 endpoints",
        "1 clusters", "10 clusters", "50 clusters"]
    assert [label for label, _, _ in SMOKE] == [
        "dev", "1 endpoints", "2 endpoints", "1 clusters", "2 clusters"]


def test_growth_is_the_cost_of_each_added_workload_between_the_sizes() -> None:
    def row(label: str, stack: float, floor: float) -> tuple[str, int, Figure, Figure]:
        return label, 0, Figure(stack, 0.0), Figure(floor, 0.0)
    rows = [row("dev", 9.0, 9.0),
            row("1 endpoints", 0.1, 0.05), row("10 endpoints", 0.46, 0.32),
            row("50 endpoints", 2.06, 1.52),
            row("1 clusters", 0.1, 0.1), row("10 clusters", 0.1, 0.1),
            row("50 clusters", 0.1, 0.1)]
    assert [line.split() for line in growth(rows)] == [
        ["stack", "1->10", "stack", "10->50", "floor", "1->10", "floor", "10->50"],
        ["endpoints", "40.0", "40.0", "30.0", "30.0"],
        ["clusters", "0.0", "0.0", "0.0", "0.0"]]


def test_a_stack_file_it_cannot_run_is_refused_in_words(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  ml-platform:location: [\n")
    assert main(["--smoke", "--project", str(tmp_path)]) == CONFIG
    err = capsys.readouterr().err
    assert "Pulumi.dev.yaml line 3, column 1: not YAML" in err and "Traceback" not in err
