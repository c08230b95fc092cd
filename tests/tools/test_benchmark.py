"""The benchmark's floor is a fair one: the same resources, registered bare. (Timings are printed by
`make bench`, never asserted here.)"""

from __future__ import annotations

from collections import Counter

from benchmarks.__main__ import CASES, bare
from components.testing.runner import run_program
from offline.report import shown


def test_the_floor_registers_the_same_resources_with_the_same_inputs_and_nothing_else(dev):
    floor = run_program(bare(dev), dev.project, "dev", dev.config)
    custom = [r for r in dev.resources.values() if r.custom]
    assert Counter((r.type, r.name) for r in floor.resources.values()) == Counter(
        (r.type, r.name) for r in custom)
    assert all(not r.dependencies and not r.parent.endswith("Component")
               for r in floor.resources.values())
    by_name = {(r.type, r.name): shown(r.inputs, {}) for r in custom}  # files by content
    assert all(by_name[(r.type, r.name)] == shown(r.inputs, {}) for r in floor.resources.values())


def test_the_cases_cover_the_stacks_and_1_10_50_endpoints_and_clusters():
    labels = [label for label, _, _ in CASES]
    assert labels == ["dev", "prod", "1 endpoints", "10 endpoints", "50 endpoints",
                      "1 clusters", "10 clusters", "50 clusters"]
