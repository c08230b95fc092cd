"""The dev and prod access matrices, outputs and policy verdicts stay what they were recorded as
(tests/golden/, written before the library and the stack were split into layers): a restructuring
must not change what the stacks grant, export or pass."""

from __future__ import annotations

import json

import pytest

from components.testing.runner import StackRun
from offline.report import plan

from ..conftest import PACK, PROJECT_DIR

GOLDEN = PROJECT_DIR / "tests" / "golden"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_access_outputs_and_policy_verdicts_are_as_recorded(name: str, dev: StackRun,
                                                            prod: StackRun) -> None:
    preview = plan({"dev": dev, "prod": prod}[name], PACK)
    recorded = json.loads((GOLDEN / f"{name}.json").read_text())
    assert {key: preview[key] for key in recorded} == recorded


if __name__ == "__main__":  # after a deliberate change: python -m tests.stack.test_golden
    from components.testing.runner import run_stack

    for stack in ("dev", "prod"):
        preview = plan(run_stack(stack, project=PROJECT_DIR), PACK)
        recorded = json.loads((GOLDEN / f"{stack}.json").read_text())
        (GOLDEN / f"{stack}.json").write_text(
            json.dumps({key: preview[key] for key in recorded}, indent=2, sort_keys=True) + "\n")
