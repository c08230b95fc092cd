"""The dev and prod access matrices, outputs and policy verdicts stay what they were recorded as
(tests/golden/, written before the library and the stack were split into layers): a restructuring
must not change what the stacks grant, export or pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offline.report import plan

from .conftest import PACK

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_access_outputs_and_policy_verdicts_are_as_recorded(name, dev, prod):
    preview = plan({"dev": dev, "prod": prod}[name], PACK)
    recorded = json.loads((GOLDEN / f"{name}.json").read_text())
    assert {key: preview[key] for key in recorded} == recorded
