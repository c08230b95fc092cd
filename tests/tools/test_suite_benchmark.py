"""The suite's benchmark runs pytest as `make test` does and reports what pytest ran: the count
comes from pytest's own report, a failing test is not a measurement (exit 1), and a pytest option
it refuses is a usage error. (Its times are printed by `make bench-suite`, never asserted.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.suite import main
from offline.exits import FINDING, OK, USAGE

TESTS = """
import pytest

def test_passes():
    assert True

def test_fails():
    assert False

@pytest.mark.skip(reason="shown as skipped")
def test_skipped():
    pass
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "test_sample.py").write_text(TESTS)
    return tmp_path


def test_it_counts_what_pytest_ran_and_exits_1_on_a_failure(
        project: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # -n 0 after the benchmark's -n auto: one process, no workers to start for three tests
    assert main(["--project", str(project), "--", "-n", "0"]) == FINDING
    out = capfd.readouterr().out
    assert "3 tests (1 failed, 1 skipped) on " in out
    assert "slowest" in out and "Target: 15 s of wall time on 2 cores (30 s of CPU at most)." in out


def test_a_suite_that_passes_exits_0(project: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(project), "--", "-n", "0", "-k", "passes"]) == OK
    assert "1 tests (all passed, 0 skipped)" in capfd.readouterr().out


def test_an_option_pytest_refuses_is_a_usage_error(project: Path) -> None:
    assert main(["--project", str(project), "--", "--no-such-option"]) == USAGE
