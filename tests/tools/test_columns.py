"""What the tools print for people fits in 100 columns: preview, day-2 plan, diff, critical path."""

from __future__ import annotations

from components.testing.runner import StackRun
from offline import critical_path, diff, report
from offline.columns import WIDTH, fit
from offline.day2 import render
from offline.day2.check import day2_plan

from ..conftest import PACK, shared_run

SYSTEM = {"workspaceIdentity": "systemAssigned",
          "onlineEndpoints": [{"name": "a-long-endpoint-name", "identity": "systemAssigned"}]}


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_every_text_output_fits(everything: StackRun, dev: StackRun, prod: StackRun) -> None:
    system = shared_run("dev", SYSTEM)
    texts = [report.text(report.plan(run, PACK)) for run in (everything, system)]
    texts += [render.text(day2_plan(prod, None), "pulumi destroy"),
              render.text(day2_plan(dev, system), "pulumi up")]
    texts.append(diff.text(diff.diff_plans(report.plan(dev, PACK), report.plan(system, PACK))))
    texts.append(critical_path.report(everything))
    assert [widest(t) for t in texts if widest(t) > WIDTH] == []


def test_a_long_line_wraps_under_its_own_indentation() -> None:
    long = "    " + " ".join(["word"] * 40)
    assert fit([long, "  short"]).splitlines() == [
        "    " + " ".join(["word"] * 19), "        " + " ".join(["word"] * 18),
        "        " + " ".join(["word"] * 3), "  short"]
