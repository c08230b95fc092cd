"""The benchmark's floors are fair ones: the same resources, registered bare (or with the
program's tree of components and dependencies), as often as the benchmark runs them; its summary
is the cost of a workload at each size and of each added one, and which targets each case meets.
(Timings are printed by `make bench`, never asserted here; CI runs `make bench ARGS=--smoke`.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks.__main__ import (
    CASES,
    SMOKE,
    TARGET_RATIO,
    Figure,
    Row,
    bare,
    growth,
    main,
    per_workload,
    verdicts,
)
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


def test_the_tree_floor_makes_the_programs_registrations_with_plain_values() -> None:
    run = shared_run("dev")
    tree = run_program(bare(run, tree=True), run.project, "dev", run.config).resources
    assert {urn: (r.type, r.parent, sorted(r.dependencies)) for urn, r in tree.items()} == {
        urn: (r.type, r.parent, sorted(r.dependencies)) for urn, r in run.resources.items()}
    assert all(shown(r.inputs, {}) == shown(run.resources[urn].inputs, {})
               for urn, r in tree.items() if r.custom)
    assert not any(urns for r in tree.values()  # no outputs between them
                   for urns in r.property_dependencies.values())


def test_the_cases_cover_the_stacks_and_0_1_10_50_endpoints_and_clusters() -> None:
    assert [label for label, _, _ in CASES] == [
        "dev", "prod", "0 endpoints", "1 endpoints", "10 endpoints", "50 endpoints",
        "0 clusters", "1 clusters", "10 clusters", "50 clusters"]
    assert [label for label, _, _ in SMOKE] == [
        "dev", "0 endpoints", "1 endpoints", "2 endpoints", "0 clusters", "1 clusters",
        "2 clusters"]


def _row(label: str, stack: float, floor: float) -> Row:
    return Row(label, 0, Figure(stack, 0.0), Figure(floor, 0.0))


ROWS = [_row("dev", 9.0, 9.0),
        _row("0 endpoints", 0.06, 0.05), _row("1 endpoints", 0.1, 0.07),
        _row("10 endpoints", 0.46, 0.34), _row("50 endpoints", 2.22, 1.54),
        _row("0 clusters", 0.1, 0.1), _row("1 clusters", 0.13, 0.12),
        _row("10 clusters", 0.4, 0.3), _row("50 clusters", 2.0, 1.1)]


def test_a_workload_costs_the_time_beyond_the_case_without_any_divided_by_their_number() -> None:
    by_label = {r.label: r for r in ROWS}
    assert per_workload(by_label["10 endpoints"], ROWS) == pytest.approx((40.0, 29.0))
    assert per_workload(by_label["1 endpoints"], ROWS) == pytest.approx((40.0, 20.0))
    assert [per_workload(by_label[label], ROWS) for label in ("dev", "0 endpoints")] == [None] * 2
    assert per_workload(by_label["10 endpoints"], ROWS[2:]) is None  # no case without any


def test_growth_is_the_cost_of_each_added_workload_between_the_sizes() -> None:
    assert [line.split() for line in growth(ROWS)] == [
        ["stack", "1->10", "stack", "10->50", "floor", "1->10", "floor", "10->50",
         "extra", "1->10", "extra", "10->50", "constant"],
        ["endpoints", "40.0", "44.0", "30.0", "30.0", "10.0", "14.0", "yes", "1.10x", "(1.00x)"],
        ["clusters", "30.0", "40.0", "20.0", "20.0", "10.0", "20.0", "no", "1.33x", "(1.00x)"]]
    smoke = [r for r in ROWS if not r.label.startswith("50")]
    assert [line.split()[-1] for line in growth(smoke)[1:]] == ["n/a", "n/a"]  # one step


def test_the_verdicts_name_every_case_over_the_target_and_each_growth() -> None:
    ratios = [_row("dev", 1.0, 1.0), _row("prod", 1.31, 1.0), _row("1 endpoints", 1.3, 1.0)]
    assert verdicts(ratios)[0] == (f"Within {TARGET_RATIO}x the floor: 2 of 3 cases (not: prod "
                                   "1.31); worst prod 1.31.")
    assert verdicts(ROWS)[1:] == [
        "Constant cost per added endpoint (at most 1.15x from the first step to the last): yes, "
        "1.10x (the floor's 1.00x).",
        "Constant cost per added cluster (at most 1.15x from the first step to the last): no, "
        "1.33x (the floor's 1.00x)."]
    assert verdicts([r for r in ROWS if not r.label.startswith("50")])[1:] == [
        "Constant cost per added endpoint: not judged (one step).",
        "Constant cost per added cluster: not judged (one step)."]


def test_a_stack_file_it_cannot_run_is_refused_in_words(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  ml-platform:location: [\n")
    assert main(["--smoke", "--project", str(tmp_path)]) == CONFIG
    err = capsys.readouterr().err
    assert "Pulumi.dev.yaml line 3, column 1: not YAML" in err and "Traceback" not in err
