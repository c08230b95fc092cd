"""The day-2 plan command and the engine's order it reproduces."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from components.testing.runner import StackRun
from offline.__main__ import main as preview_main
from offline.day2.engine import plan_steps
from offline.day2.inputs import changed_paths, matches
from offline.day2.model import DELETE, DELETED_WITH, RETAIN, Plan
from offline.exits import CONFIG, REFUSED, USAGE
from offline.plan import main

from ..conftest import PROJECT_DIR

CLUSTER = "computeClusters=[{name: cpu, vmSize: Standard_D4s_v3, vmPriority: LowPriority}]"


@pytest.mark.usefixtures("tools_share_runs")
def test_a_change_prints_its_steps_and_exits_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dev", "dev", "--set", CLUSTER]) == 0
    out = capsys.readouterr().out
    assert "Day-2 plan of stack 'dev': pulumi up from dev to dev\n1 to replace; no findings" in out
    assert ("-+ cluster-cpu (cpu): replace (delete first, then create) because of "
            "properties.properties.vmSize") in out
    assert out.rstrip().endswith("clean: no step is refused, lies or loses data")


@pytest.mark.usefixtures("tools_share_runs")
def test_a_refused_step_exits_5_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prod", "--destroy"]) == REFUSED == 5
    out = capsys.readouterr().out
    assert "! workspace (mlw-mlplat-prod-k3x9q): delete refused: protected" in out
    assert "REFUSED [protected] Pulumi refuses to delete a protected resource" in out
    assert "source: pulumi/pulumi pkg/resource/deploy/step.go" in out
    assert out.rstrip().endswith("FAILS: a step is refused, lies or loses data")


@pytest.mark.usefixtures("tools_share_runs")
def test_destroy_then_create_again_prints_both_plans(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    assert main(["dev", "--destroy", "--recreate", "--json", str(tmp_path / "p.json"),
                 "--markdown", str(tmp_path / "p.md")]) == 0
    out = capsys.readouterr().out
    assert "'dev': pulumi destroy" in out and "'dev': pulumi up again after the destroy" in out
    assert "+ workspace (mlw-mlplat-dev-r7m2q): create" in out  # a new suffix, a free name
    plans = json.loads((tmp_path / "p.json").read_text())
    assert [p["destroy"] for p in plans] == [True, False] and not any(p["failing"] for p in plans)
    assert ["azure-native:keyvault:Vault", "kv-mlplat-dev-k3x9q"] in plans[0]["reserved"]
    md = (tmp_path / "p.md").read_text()
    assert "#### Day-2 plan of `dev`: pulumi destroy (clean)" in md
    assert ("| `.` | endpoint-score-blue-ds2v2 (blue-ds2v2) | no call: deleted with "
            "endpoint-score |" in md)


def test_a_saved_snapshot_or_a_preview_is_a_base(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    # each run its own: a base read from a file plans no change against a new run of the same
    saved, preview = tmp_path / "dev.snapshot.json", tmp_path / "dev.preview.json"
    assert main(["none", "dev", "--save", str(saved)]) == 0
    assert preview_main(["dev", "--json", str(preview)]) == 0
    capsys.readouterr()
    for base in (saved, preview):
        assert main([str(base), "dev"]) == 0
        assert "no changes; no findings" in capsys.readouterr().out


@pytest.mark.usefixtures("tools_share_runs")
def test_a_base_without_snapshot_is_a_stack_with_nothing_deployed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"stack": "dev", "resources": []}))  # an older revision's preview
    for base in (old, tmp_path / "missing.json"):
        assert main([str(base), "dev"]) == 0
        out = " ".join(capsys.readouterr().out.split())  # lines are wrapped at 100 columns
        assert "planned as a stack with nothing deployed" in out and "to create" in out


@pytest.mark.usefixtures("tools_share_runs")
@pytest.mark.parametrize("argv,code", [(["no-such-stack", "dev"], USAGE),
                                       (["dev", "dev+missing.yaml"], USAGE),
                                       (["dev", "dev", "--set", "registrySku=Free"], CONFIG)])
def test_usage_and_config_errors_exit_apart_in_words(argv: list[str], code: int,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == code
    assert capsys.readouterr().err.startswith("error: ")


def test_a_key_written_twice_stops_the_plan_with_both_lines(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    # PyYAML kept the second onlineEndpoints block: the plan deleted dev's live endpoint and
    # called it clean, for a file the Pulumi CLI refuses.
    changes = tmp_path / "changes.yaml"
    changes.write_text("onlineEndpoints:\n  - name: score\nsampleData: false\n"
                       "onlineEndpoints: []\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    dev = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    (project / "Pulumi.dev.yaml").write_text(dev + "  ml-platform:onlineEndpoints: []\n")
    first = dev.splitlines().index("  ml-platform:onlineEndpoints:") + 1
    for argv, problem in [
            (["dev", f"dev+{changes}"], "changes.yaml lines 1 and 4: key onlineEndpoints"),
            (["dev", "dev", "--project", str(project)],  # the base's stack file too
             f"Pulumi.dev.yaml lines {first} and {len(dev.splitlines()) + 1}: config key "
             "ml-platform:onlineEndpoints")]:
        assert main(argv) == CONFIG
        captured = capsys.readouterr()
        assert captured.err == (f"error: {problem} is written twice; keep one (the Pulumi CLI "
                                "refuses the file)\n") and captured.out == ""


def test_a_set_value_with_a_key_written_twice_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["dev", "dev", "--set", "tags={team: a, team: b}"])
    assert exit_.value.code == USAGE
    assert ("--set tags lines 1 and 1: key team is written twice"
            in capsys.readouterr().err)


@pytest.mark.parametrize("argv", [["dev"], ["dev", "dev", "--destroy"],
                                  ["dev", "dev", "--recreate"],
                                  ["dev", "dev", "--set", "tags=[x"]])
def test_a_side_too_many_or_too_few_is_a_usage_error(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2


def test_paths_match_as_ignore_changes_and_replace_on_changes_do() -> None:
    assert matches("properties.properties.vmSize", "properties")
    assert matches("identity.userAssignedIdentities[0]", "identity")
    assert matches("properties.traffic.blue", "properties.*.blue")
    assert not matches("propertiesX", "properties") and not matches("tags", "tags.cost")
    old, new = {"tags": {"a": "1"}, "properties": {"x": 1}}, {"tags": {"a": "2"}, "properties": {}}
    assert changed_paths(old, new) == ["properties", "properties.x", "tags.a"]
    assert changed_paths(old, new, ["properties"]) == ["tags.a"]


def test_deleted_with_skips_a_delete_only_when_its_target_goes_too(dev: StackRun) -> None:
    endpoint = next(r for r in dev.resources.values() if r.name == "endpoint-score")
    deployment = next(r for r in dev.resources.values() if r.name == "endpoint-score-blue-ds2v2")
    without_deployment = dataclasses.replace(dev, resources={
        u: r for u, r in dev.resources.items() if u != deployment.urn})
    assert [(s.op, s.resource.name) for s in plan_steps(dev, without_deployment)] == [
        (DELETE, deployment.name)]
    whole = {s.resource.name: s.op for s in plan_steps(dev, None)}
    assert (whole[deployment.name], whole[endpoint.name]) == (DELETED_WITH, DELETE)


def test_retained_resources_only_leave_the_state(prod: StackRun) -> None:
    steps = Plan("prod", True, plan_steps(prod, None, unprotect=True)).steps
    assert {s.resource.name for s in steps if s.op == RETAIN} == {
        r.name for r in prod.resources.values() if r.retain_on_delete}


def test_the_same_change_plans_its_steps_in_the_same_order_every_time(
        capsys: pytest.CaptureFixture[str]) -> None:
    # the program registers resources in an order that varies from run to run; a reviewer's plan
    # must not (so three runs of each side, none of them shared)
    printed = []
    for _ in range(3):
        assert main(["dev", "dev", "--set", "tags={cost-center: x}"]) == 0
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1] == printed[2]
