"""The GitHub workflows pass actionlint (with shellcheck), and keep their promises about secrets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from ..conftest import PROJECT_DIR

WORKFLOWS = PROJECT_DIR / ".github" / "workflows"
SCRIPTS = PROJECT_DIR / "scripts" / "e2e"
BIN = Path(sys.executable).parent  # actionlint and shellcheck: dev dependencies (pyproject.toml)


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(BIN / "actionlint"), "-no-color", *map(str, files)],
                          capture_output=True, text=True, env=env)


def test_every_workflow_passes_actionlint() -> None:
    result = actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_end_to_end_scripts_pass_shellcheck() -> None:
    result = subprocess.run([str(BIN / "shellcheck"), "--external-sources",
                             *map(str, sorted(SCRIPTS.glob("*.sh")))],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_and_shellcheck_do_catch_mistakes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.event.pull_request.title }}\n"
                   "      - run: cd $HOME/some dir\n")
    found = actionlint(bad).stdout
    assert "potentially untrusted" in found and "SC2086" in found


def _load(name: str) -> dict[Any, Any]:
    """A workflow as PyYAML reads it (the key ``on:`` comes out as True)."""
    workflow: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return workflow


def test_the_offline_diff_needs_no_secrets_and_the_comment_job_runs_no_pr_code() -> None:
    assert "secrets." not in (WORKFLOWS / "offline-diff.yml").read_text()
    comment = _load("offline-diff-comment.yml")
    steps = comment["jobs"]["comment"]["steps"]
    assert not any("actions/checkout" in step.get("uses", "") for step in steps)
    assert "head_sha" in steps[-1]["with"]["script"]


def test_real_previews_and_deploys_need_credentials_and_prod_needs_its_environment() -> None:
    jobs = _load("pulumi.yml")["jobs"]
    for name in ("preview", "deploy-dev"):
        assert "needs.credentials.outputs.ready == 'true'" in jobs[name]["if"]
        assert jobs[name]["permissions"]["id-token"] == "write"
    assert (jobs["deploy-prod"]["needs"] == "deploy-dev"
            and jobs["deploy-prod"]["environment"] == "prod")
    preview = next(s for s in jobs["preview"]["steps"]
                   if s.get("uses", "").startswith("pulumi/actions"))
    assert preview["with"]["command"] == "preview" and preview["with"]["comment-on-pr"] is True
    # the pack config comes from the stack's own settings, for every stack file there is
    assert preview["with"]["policyPackConfigs"] == "${{ runner.temp }}/pack-config.json"
    steps = jobs["preview"]["steps"]
    made = next(s for s in steps if "offline.policy_check" in s.get("run", ""))
    assert steps.index(made) < steps.index(preview) and "$STACK" in made["run"]
    assert jobs["preview"]["strategy"]["matrix"]["stack"] == (
        "${{ fromJSON(needs.credentials.outputs.stacks) }}")


def test_the_offline_diff_covers_every_stack_file() -> None:
    script = _load("offline-diff.yml")["jobs"]["diff"]["steps"][2]["run"]
    assert "for file in Pulumi.*.yaml" in script and "dev prod" not in script


def test_the_workflows_install_the_uv_the_makefile_does() -> None:
    pinned = re.search(r"^UV_VERSION := (\S+)$", (PROJECT_DIR / "Makefile").read_text(), re.M)
    assert pinned
    for workflow in ("pulumi.yml", "e2e.yml"):
        installs = re.findall(r"pip install uv==(\S+)", (WORKFLOWS / workflow).read_text())
        assert installs and set(installs) == {pinned.group(1)}, workflow


def _secrets(name: str) -> set[str]:
    return set(re.findall(r"secrets\.(\w+)", (WORKFLOWS / name).read_text()))


def test_the_end_to_end_test_runs_by_hand_and_on_a_schedule_with_the_backend_secrets_only() -> None:
    workflow = _load("e2e.yml")
    assert set(workflow[True]) == {"workflow_dispatch", "schedule"}  # YAML reads `on:` as True
    assert _secrets("e2e.yml") == {"PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"}
    assert _secrets("e2e.yml") <= _secrets("pulumi.yml")
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    tokens = {name for name, job in jobs.items()
              if job.get("permissions", {}).get("id-token") == "write"}
    assert tokens == {"e2e"} and jobs["e2e"]["permissions"] == {"contents": "read",
                                                                 "id-token": "write"}
    assert jobs["e2e"]["if"] == "needs.credentials.outputs.ready == 'true'"
    assert "::notice::" in jobs["credentials"]["steps"][-1]["run"]


def test_the_end_to_end_steps_are_scripts_and_the_cleanup_runs_whatever_failed() -> None:
    steps = _load("e2e.yml")["jobs"]["e2e"]["steps"]
    runs = [(i, s) for i, s in enumerate(steps) if "scripts/e2e/" in s.get("run", "")]
    scripts = [s["run"].split()[0] for _, s in runs]
    assert scripts == ["scripts/e2e/up.sh", "scripts/e2e/idempotent.sh", "scripts/e2e/score.sh",
                       "scripts/e2e/day2.sh", "scripts/e2e/idempotent.sh",
                       "scripts/e2e/destroy.sh", "scripts/e2e/purge.sh"]
    for script in scripts:
        assert os.access(PROJECT_DIR / script, os.X_OK), script
    cleanup = {"scripts/e2e/destroy.sh", "scripts/e2e/purge.sh"}
    for i, step in runs:
        script = step["run"].split()[0]
        assert step.get("if") == ("always()" if script in cleanup else None), script
        if script not in ("scripts/e2e/up.sh", "scripts/e2e/idempotent.sh"):
            # az's session ends ten minutes after its sign-in: each of these signs in again
            login = steps[i - 1]
            assert login.get("uses", "").startswith("azure/login@"), script
            assert login.get("if") == step.get("if"), script
    assert any(s.get("uses", "").startswith("azure/login@") for s in steps[:runs[0][0]])
    # the only other commands are the environment's set-up
    others = [s["run"] for s in steps if "run" in s and "scripts/e2e/" not in s["run"]]
    assert len(others) == 2 and others[0].startswith("python -m pip install uv==")
    assert others[1] == "uv sync --locked"
