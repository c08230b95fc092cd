"""The end-to-end test on real Azure, without Azure: each script of scripts/e2e/ runs with fake
``pulumi``, ``az``, ``curl`` and ``sleep`` on PATH (and a fake project Python for the offline tools)
that record their arguments and answer what a test tells them; and the workflow's steps run in the
order and on the conditions .github/workflows/e2e.yml gives them."""

from __future__ import annotations

import io
import json
import marshal
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from stack.config import parse_settings
from stack.names import StackNames

from ..conftest import PROJECT_DIR

SCRIPTS = PROJECT_DIR / "scripts" / "e2e"
WORKFLOW = PROJECT_DIR / ".github" / "workflows" / "e2e.yml"
RUN_ID, ATTEMPT = "16094551234", "1"
STACK = f"e2e-{RUN_ID}-{ATTEMPT}"
SUB = "00000000-1111-2222-3333-444444444444"
RG = "rg-mlplat-e0abcdef"
WS = "mlw-mlplat-e0abcdef-k3x9q"
ENDPOINT = "score-e0abcdef-k3x9q"
URI = f"https://{ENDPOINT}.westeurope.inference.ml.azure.com/score"
VAULT, LOGS = "kv-mlplat-e0abcdef-k3x9q", "log-mlplat-e0abcdef"
GROUP = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers"
IDS = {VAULT: f"{GROUP}/Microsoft.KeyVault/vaults/{VAULT}",
       LOGS: f"{GROUP}/Microsoft.OperationalInsights/workspaces/{LOGS}",
       WS: f"{GROUP}/Microsoft.MachineLearningServices/workspaces/{WS}"}
ENDPOINT_URL = f"https://management.azure.com{IDS[WS]}/onlineEndpoints/{ENDPOINT}"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi-fake-token"
DELAYS = ["15", "30", "60", "60", "90", "90", "90", "90"]
"""The scoring step's waits (seconds) between attempts, as score.sh has them."""

FAKE = """#!{python} -S
import marshal, os, sys
name, args = os.path.basename(sys.argv[0]), sys.argv[1:]
calls, answers = (os.path.join(os.environ["FAKE_STATE"], f) for f in ("calls", "rules"))
with open(calls, "ab") as log:
    marshal.dump([name, *args], log)
with open(answers, "rb") as file:
    rules = marshal.load(file)
for rule in rules:
    if rule["tool"] == name and all(w in args for w in rule["has"]) and rule["times"] != 0:
        rule["times"] -= 1
        with open(answers, "wb") as file:
            marshal.dump(rules, file)
        for flag, text in rule["write"].items():
            with open(args[args.index(flag) + 1], "w") as file:
                file.write(text)
        sys.stdout.write(rule["out"])
        sys.stderr.write(rule["err"])
        sys.exit(rule["rc"])
"""
"""A fake command: logs its name and arguments, then answers the first rule for it whose words
are all among its arguments (a rule given ``times`` answers that often); no rule: silence, 0.
Each call is a new Python process (400 in these tests): its log and rules are marshal files,
because importing json (with re) and pathlib took two thirds of the fake's start-up."""


def outputs(traffic: dict[str, int], deployments: list[str]) -> str:
    """What ``pulumi stack output --json`` prints for the e2e stack."""
    return json.dumps({
        "subscriptionId": SUB, "resourceGroupName": RG, "workspaceName": WS,
        "onlineEndpoints": {"score": {"name": ENDPOINT, "scoringUri": URI, "traffic": traffic,
                                      "deployments": deployments}}})


def state() -> str:
    """What ``pulumi stack export`` writes: the stack's resources with their outputs."""
    resources: list[dict[str, Any]] = [{"type": "pulumi:pulumi:Stack", "urn": "urn:pulumi:stack"}]
    for kind, name in (("keyvault:Vault", VAULT), ("operationalinsights:Workspace", LOGS),
                       ("machinelearningservices:Workspace", WS)):
        resources.append({"type": f"azure-native:{kind}", "id": IDS[name],
                          "outputs": {"name": name, "location": "westeurope"}})
    resources.append({"type": "azure-native:storage:StorageAccount", "id": "/x/storage",
                      "outputs": {"name": "stmlplate0abcdefk3x9q", "location": "westeurope"}})
    return json.dumps({"version": 3, "deployment": {"resources": resources}})


@dataclass
class Result:
    rc: int
    out: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.startswith("::error::")]


@dataclass
class E2E:
    """A project folder with the scripts, dev's stack file and the sample, and the fakes."""

    root: Path
    env: dict[str, str]
    rules: list[dict[str, Any]] = field(default_factory=list)

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def dir(self) -> Path:
        return Path(self.env["E2E_DIR"])

    def on(self, tool: str, *has: str, out: str = "", err: str = "", rc: int = 0,
           times: int = -1, write: dict[str, str] | None = None) -> None:
        """Tell the fake ``tool`` what to answer when its arguments hold every word of ``has``."""
        self.rules.append({"tool": tool, "has": list(has), "out": out, "err": err, "rc": rc,
                           "times": times, "write": write or {}})

    def run(self, script: str, *args: str) -> Result:
        (self.root / "fake" / "rules").write_bytes(marshal.dumps(self.rules))
        done = subprocess.run(["bash", f"scripts/e2e/{script}", *args], cwd=self.project,
                              env=self.env, capture_output=True, text=True)
        self.rules = marshal.loads((self.root / "fake" / "rules").read_bytes())
        return Result(done.returncode, done.stdout + done.stderr)

    @property
    def calls(self) -> list[list[str]]:
        log = self.root / "fake" / "calls"
        stream = io.BytesIO(log.read_bytes() if log.exists() else b"")
        found: list[list[str]] = []
        while stream.tell() < len(stream.getvalue()):
            found.append(marshal.load(stream))
        return found

    def called(self, *words: str) -> list[list[str]]:
        """The calls whose command line holds each of ``words``, in order."""
        return [c for c in self.calls if all(w in c for w in words)]

    def index(self, *words: str) -> int:
        """Where the first call holding each of ``words`` comes in the calls."""
        return next(i for i, c in enumerate(self.calls) if all(w in c for w in words))


@pytest.fixture
def e2e(tmp_path: Path) -> E2E:
    project, fake, bin_ = tmp_path / "project", tmp_path / "fake", tmp_path / "bin"
    shutil.copytree(SCRIPTS, project / "scripts" / "e2e")
    (project / "samples" / "score").mkdir(parents=True)
    for name in ("request.json", "response.json"):
        shutil.copy(PROJECT_DIR / "samples" / "score" / name, project / "samples" / "score")
    # dev's stack file, as if it carried a secrets provider's settings too
    (project / "Pulumi.dev.yaml").write_text(
        (PROJECT_DIR / "Pulumi.dev.yaml").read_text() + "encryptionsalt: v1:devsalt\n")
    fake.mkdir()
    bin_.mkdir()
    for tool in ("pulumi", "az", "curl", "sleep", "project-python"):
        (bin_ / tool).write_text(FAKE.format(python=sys.executable))
        (bin_ / tool).chmod(0o755)
    # the scripts' own python3 (JSON in a step, as the runner's python3): this Python, outside the
    # project's environment; a version manager's shim would start a dozen shells per call
    (bin_ / "python3").symlink_to(Path(sys.base_prefix, "bin", "python3"))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PULUMI_", "GITHUB_", "ARM_", "E2E_", "RUNNER_"))}
    env.update(PATH=f"{bin_}{os.pathsep}{env['PATH']}", FAKE_STATE=str(fake),
               GITHUB_RUN_ID=RUN_ID, GITHUB_RUN_ATTEMPT=ATTEMPT, E2E_DIR=str(tmp_path / "e2e"),
               E2E_PYTHON=str(bin_ / "project-python"))
    return E2E(tmp_path, env)


def environment_of(e2e: E2E) -> str:
    return next(c[4] for c in e2e.calls if c[1:4] == ["config", "set", "environment"])


# --- 1. up -------------------------------------------------------------------------------------

def test_up_makes_a_stack_from_dev_and_brings_it_up_with_the_policy_pack(e2e: E2E) -> None:
    e2e.env["PULUMI_BACKEND_URL"] = "azblob://state?storage_account=stci"
    e2e.on("project-python", "offline.policy_check", out='{"ml-platform": {}}')
    result = e2e.run("up.sh")
    assert result.rc == 0, result.out
    token = environment_of(e2e)
    assert [c[:3] for c in e2e.calls] == [
        ["pulumi", "login", "azblob://state?storage_account=stci"],
        ["pulumi", "stack", "init"], ["pulumi", "config", "set"],
        ["project-python", "-m", "offline.policy_check"], ["pulumi", "up", "--stack"]]
    assert e2e.calls[1] == ["pulumi", "stack", "init", STACK, "--non-interactive"]
    assert e2e.calls[2] == ["pulumi", "config", "set", "environment", token, "--stack", STACK,
                            "--non-interactive"]
    config = str(e2e.dir / "pack-config.json")
    up = e2e.calls[4]
    assert up[up.index("--policy-pack") + 1] == "policy"
    assert up[up.index("--policy-pack-config") + 1] == config
    assert json.loads(Path(config).read_text()) == {"ml-platform": {}}
    # dev's config, without dev's secrets provider settings
    stack_file = (e2e.project / f"Pulumi.{STACK}.yaml").read_text()
    dev = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    assert stack_file == dev and "encryptionsalt" not in stack_file
    assert (e2e.dir / "created").exists()


def test_the_environment_token_is_valid_and_new_for_every_run_and_attempt(e2e: E2E) -> None:
    tokens = set()
    for run_id, attempt in ((RUN_ID, "1"), (RUN_ID, "2"), ("16094551235", "1"), ("9", "1")):
        e2e.env.update(GITHUB_RUN_ID=run_id, GITHUB_RUN_ATTEMPT=attempt)
        (e2e.root / "fake" / "calls").unlink(missing_ok=True)
        assert e2e.run("up.sh").rc == 0
        token = environment_of(e2e)
        # the program's own checks: the token's pattern and every Azure name made from it
        settings = parse_settings("ml-platform", {"environment": token}, f"e2e-{run_id}")
        assert settings.environment == token and StackNames("mlplat", token).problems() == []
        tokens.add(token)
    assert len(tokens) == 4


def test_up_without_a_backend_url_logs_in_to_the_pulumi_cloud(e2e: E2E) -> None:
    assert e2e.run("up.sh").rc == 0
    assert e2e.calls[0] == ["pulumi", "login"]


def test_a_failed_up_says_so_and_leaves_the_cue_for_the_destroy(e2e: E2E) -> None:
    e2e.on("pulumi", "up", rc=255, err="error: update failed")
    result = e2e.run("up.sh")
    assert result.rc == 1
    assert len(result.errors) == 1 and f"pulumi up of {STACK} failed" in result.errors[0]
    assert (e2e.dir / "created").exists()


def test_a_failed_stack_init_leaves_nothing_to_destroy(e2e: E2E) -> None:
    e2e.on("pulumi", "stack", "init", rc=255)
    result = e2e.run("up.sh")
    assert result.rc == 1 and "pulumi stack init" in result.errors[0]
    assert not (e2e.dir / "created").exists() and not e2e.called("up")


# --- 2. idempotency ----------------------------------------------------------------------------

def test_a_preview_without_changes_passes(e2e: E2E) -> None:
    e2e.on("pulumi", "preview", out="Resources:\n    63 unchanged\n")
    result = e2e.run("idempotent.sh", "after the first pulumi up")
    assert result.rc == 0, result.out
    assert e2e.called("preview") == [["pulumi", "preview", "--stack", STACK,
                                      "--expect-no-changes", "--diff", "--non-interactive"]]


def test_a_preview_that_proposes_changes_fails_and_shows_the_diff(e2e: E2E) -> None:
    diff = "  ~ azure-native:storage:StorageAccount: (update)\n      ~ tags: {cost-center: dev}\n"
    e2e.on("pulumi", "preview", out=diff, rc=255,
           err="error: no changes were expected but changes were proposed\n")
    result = e2e.run("idempotent.sh", "after the first pulumi up")
    assert result.rc == 1 and diff in result.out
    assert result.errors == [result.errors[0]]
    assert "pulumi preview after the first pulumi up proposes changes" in result.errors[0]


def test_a_preview_that_cannot_run_is_told_apart_from_a_change(e2e: E2E) -> None:
    e2e.on("pulumi", "preview", rc=255, err="error: could not read the state\n")
    result = e2e.run("idempotent.sh", "after the day-2 change")
    assert result.rc == 1 and "failed before it could compare" in result.errors[0]


# --- 3. scoring --------------------------------------------------------------------------------

RESPONSE = (PROJECT_DIR / "samples" / "score" / "response.json").read_text()


def scoring(e2e: E2E) -> None:
    e2e.on("pulumi", "stack", "output", out=outputs({"blue-ds2v2": 100}, ["blue-ds2v2"]))
    e2e.on("az", "get-access-token", out=TOKEN + "\n")


def test_scoring_retries_while_roles_and_routing_settle_then_checks_the_answer(e2e: E2E) -> None:
    scoring(e2e)
    for status in ("403", "404", "000", "502"):
        e2e.on("curl", out=status, rc=6 if status == "000" else 0, times=1)
    e2e.on("curl", out="200", write={"-o": RESPONSE})
    result = e2e.run("score.sh")
    assert result.rc == 0, result.out
    assert e2e.called("az") == [["az", "account", "get-access-token", "--resource",
                                 "https://ml.azure.com", "--query", "accessToken", "-o", "tsv"]]
    curls = e2e.called("curl")
    assert len(curls) == 5 and all(URI in c for c in curls)
    headers = e2e.dir / "score-headers"
    assert all(c[c.index("-H") + 1] == f"@{headers}" for c in curls)
    assert all(c[c.index("--data-binary") + 1] == "@samples/score/request.json" for c in curls)
    assert [c[1] for c in e2e.called("sleep")] == DELAYS[:4]
    # the token reaches curl in a file only the runner's user reads, never on a command line
    assert f"Authorization: Bearer {TOKEN}" in headers.read_text()
    assert stat.S_IMODE(headers.stat().st_mode) == 0o600
    assert not any(TOKEN in arg for c in e2e.calls for arg in c[1:] if c[0] != "az")
    assert f"::add-mask::{TOKEN}" in result.out


def test_scoring_gives_up_after_the_last_wait_with_what_to_check(e2e: E2E) -> None:
    scoring(e2e)
    e2e.on("curl", out="403")
    result = e2e.run("score.sh")
    assert result.rc == 1
    assert len(e2e.called("curl")) == len(DELAYS) + 1
    assert [c[1] for c in e2e.called("sleep")] == DELAYS
    error = result.errors[0]
    assert "HTTP 403" in error and "onlineEndpoints/score/action" in error and "525s" in error


@pytest.mark.parametrize("status,body,words", [
    ("200", '{"predictions": [], "model": "linear-sample"}', "not samples/score/response.json"),
    ("400", '{"error": "bad request"}', "HTTP 400"),
])
def test_a_wrong_answer_or_an_error_waiting_cannot_fix_fails_at_once(e2e: E2E, status: str,
                                                                     body: str, words: str) -> None:
    scoring(e2e)
    e2e.on("curl", out=status, write={"-o": body})
    result = e2e.run("score.sh")
    assert result.rc == 1 and words in result.errors[0] and body in result.errors[0]
    assert len(e2e.called("curl")) == 1 and not e2e.called("sleep")


def test_scoring_without_the_endpoint_output_says_what_is_missing(e2e: E2E) -> None:
    e2e.on("pulumi", "stack", "output", out=json.dumps({"onlineEndpoints": {}}))
    result = e2e.run("score.sh")
    assert result.rc == 1 and "onlineEndpoints.score.scoringUri" in result.errors[0]
    assert not e2e.called("curl")


# --- 4. day 2 ----------------------------------------------------------------------------------

def day2(e2e: E2E, *, azure_traffic: dict[str, int] | None = None) -> None:
    e2e.on("pulumi", "config", "get", out="score\n")
    e2e.on("pulumi", "stack", "output", out=outputs({}, []))
    e2e.on("az", "rest", f"{ENDPOINT_URL}?api-version=2024-10-01",
           out=json.dumps({"properties": {"traffic": azure_traffic or {}}}))
    e2e.on("az", "rest", f"{ENDPOINT_URL}/deployments?api-version=2024-10-01",
           out=json.dumps({"value": []}))


def test_day2_plans_the_change_offline_applies_it_and_checks_azure(e2e: E2E) -> None:
    day2(e2e)
    result = e2e.run("day2.sh")
    assert result.rc == 0, result.out
    before = str(e2e.dir / "before-day2.json")
    assert [c[:4] for c in e2e.calls] == [
        ["pulumi", "login"],
        ["project-python", "-m", "offline", STACK],
        ["pulumi", "config", "get", "--path"],
        ["pulumi", "config", "rm", "--path"],
        ["project-python", "-m", "offline.plan", before],
        ["project-python", "-m", "offline.policy_check", STACK],
        ["pulumi", "up", "--stack", STACK],
        ["pulumi", "stack", "output", "--json"],
        ["az", "rest", "--method", "get"], ["az", "rest", "--method", "get"]]
    assert e2e.calls[1][4:] == ["--json", before]
    assert e2e.calls[3][4:] == ["onlineEndpoints[0].deployments", "--stack", STACK]
    assert e2e.calls[4][4] == STACK
    assert "--policy-pack" in e2e.calls[6]


def test_day2_applies_nothing_when_the_offline_plan_is_not_clean(e2e: E2E) -> None:
    day2(e2e)
    e2e.on("project-python", "offline.plan", rc=1, out="refused: deployment-traffic\n")
    result = e2e.run("day2.sh")
    assert result.rc == 1 and "day-2 plan" in result.errors[0]
    assert not e2e.called("pulumi", "up")


def test_day2_fails_when_azure_still_routes_traffic(e2e: E2E) -> None:
    day2(e2e, azure_traffic={"blue-ds2v2": 100})
    result = e2e.run("day2.sh")
    assert result.rc == 1 and "Azure disagrees" in result.errors[0]
    assert '{"blue-ds2v2": 100}' in result.errors[0]


def test_day2_fails_when_the_outputs_still_show_the_deployment(e2e: E2E) -> None:
    day2(e2e)
    e2e.rules.insert(0, {"tool": "pulumi", "has": ["stack", "output"], "rc": 0, "err": "",
                         "out": outputs({"blue-ds2v2": 100}, ["blue-ds2v2"]), "times": -1,
                         "write": {}})
    result = e2e.run("day2.sh")
    assert result.rc == 1 and "still show traffic" in result.errors[0]


# --- 5. destroy --------------------------------------------------------------------------------

def created(e2e: E2E) -> None:
    e2e.dir.mkdir(parents=True, exist_ok=True)
    (e2e.dir / "created").touch()
    e2e.on("pulumi", "stack", "export", write={"--file": state()})


def test_destroy_records_what_azure_keeps_then_destroys_and_removes_the_stack(e2e: E2E) -> None:
    created(e2e)
    result = e2e.run("destroy.sh")
    assert result.rc == 0, result.out
    assert [c[:3] for c in e2e.calls] == [
        ["pulumi", "login"], ["pulumi", "stack", "export"], ["pulumi", "destroy", "--stack"],
        ["pulumi", "stack", "rm"]]
    assert {"--yes", "--continue-on-error", "--non-interactive"} <= set(e2e.calls[2])
    assert e2e.calls[3] == ["pulumi", "stack", "rm", STACK, "--yes", "--non-interactive"]
    assert (e2e.dir / "leftovers.tsv").read_text().splitlines() == [
        f"key-vault\t{VAULT}\t{IDS[VAULT]}\twesteurope",
        f"log-analytics\t{LOGS}\t{IDS[LOGS]}\twesteurope",
        f"ml-workspace\t{WS}\t{IDS[WS]}\twesteurope"]


def test_destroy_tries_a_second_time(e2e: E2E) -> None:
    created(e2e)
    e2e.on("pulumi", "destroy", rc=255, times=1)
    result = e2e.run("destroy.sh")
    assert result.rc == 0, result.out
    assert len(e2e.called("destroy")) == 2 and e2e.called("stack", "rm")


def test_a_destroy_that_fails_twice_keeps_the_stack_and_says_how_to_finish(e2e: E2E) -> None:
    created(e2e)
    e2e.on("pulumi", "destroy", rc=255)
    result = e2e.run("destroy.sh")
    assert result.rc == 1 and f"pulumi destroy -s {STACK}" in result.errors[0]
    assert len(e2e.called("destroy")) == 2 and not e2e.called("stack", "rm")


def test_a_failed_export_does_not_hold_the_destroy_back_but_fails_the_step(e2e: E2E) -> None:
    created(e2e)
    e2e.rules.insert(0, {"tool": "pulumi", "has": ["export"], "rc": 255, "err": "", "out": "",
                         "times": -1, "write": {}})
    result = e2e.run("destroy.sh")
    assert result.rc == 1 and e2e.called("destroy") and e2e.called("stack", "rm")
    assert "purge step will not know" in result.errors[0]
    assert "not recorded" in result.errors[-1]
    assert not (e2e.dir / "leftovers.tsv").exists()


def test_without_a_stack_there_is_nothing_to_destroy(e2e: E2E) -> None:
    result = e2e.run("destroy.sh")
    assert result.rc == 0 and "::notice::no stack was created" in result.out
    assert e2e.calls == []


# --- 6. purge ----------------------------------------------------------------------------------

def recorded(e2e: E2E) -> None:
    created(e2e)
    assert e2e.run("destroy.sh").rc == 0
    (e2e.root / "fake" / "calls").unlink()


def test_purge_purges_the_vault_and_deletes_the_workspaces_for_good(e2e: E2E) -> None:
    recorded(e2e)
    e2e.on("az", "keyvault", "list-deleted", out=VAULT + "\n")
    e2e.on("az", "list-deleted-workspaces", out=LOGS + "\n")
    e2e.on("az", "group", "exists", out="false\n")
    result = e2e.run("purge.sh")
    assert result.rc == 0, result.out
    assert [c[:4] for c in e2e.calls] == [
        ["az", "keyvault", "list-deleted", "--resource-type"],
        ["az", "keyvault", "purge", "--name"],
        ["az", "monitor", "log-analytics", "workspace"],
        ["az", "group", "exists", "--name"], ["az", "group", "create", "--name"],
        ["az", "monitor", "log-analytics", "workspace"],
        ["az", "monitor", "log-analytics", "workspace"],
        ["az", "rest", "--method", "delete"],
        ["az", "group", "delete", "--name"]]
    assert e2e.calls[1] == ["az", "keyvault", "purge", "--name", VAULT, "--location", "westeurope"]
    assert e2e.calls[2][4] == "list-deleted-workspaces"
    assert f"[?name=='{LOGS}'].name" in e2e.calls[2]
    assert e2e.calls[4][4:7] == [RG, "--location", "westeurope"]
    assert e2e.calls[5][4:9] == ["recover", "--resource-group", RG, "--workspace-name", LOGS]
    assert e2e.calls[6][4:] == ["delete", "--resource-group", RG, "--workspace-name", LOGS,
                                "--force", "true", "--yes"]
    assert e2e.calls[7][5] == (f"https://management.azure.com{IDS[WS]}"
                               "?api-version=2024-10-01&forceToPurge=true")
    assert e2e.calls[8] == ["az", "group", "delete", "--name", RG, "--yes"]


def test_purge_takes_not_found_for_nothing_to_purge(e2e: E2E) -> None:
    recorded(e2e)
    e2e.on("az", "group", "exists", out="true\n")  # the destroy left the group
    e2e.on("az", "rest", "delete", rc=1,
           err="ERROR: (ResourceNotFound) The Resource was not found.\n")
    result = e2e.run("purge.sh")
    assert result.rc == 0, result.out
    assert not e2e.called("purge") and not e2e.called("recover")
    assert not e2e.called("group", "create") and not e2e.called("group", "delete")
    assert f"Machine Learning workspace {WS}: not found" in result.out


def test_a_failed_purge_fails_the_step_after_trying_every_other(e2e: E2E) -> None:
    recorded(e2e)
    e2e.on("az", "keyvault", "list-deleted", out=VAULT + "\n")
    e2e.on("az", "keyvault", "purge", rc=1, err="ERROR: (AuthorizationFailed) no purge\n")
    e2e.on("az", "group", "exists", out="true\n")
    result = e2e.run("purge.sh")
    assert result.rc == 1 and "AuthorizationFailed" in result.out
    assert "deletedVaults/purge/action" in result.errors[0]
    assert result.errors[-1].startswith("::error::1 purge step(s) failed")
    assert e2e.called("list-deleted-workspaces") and e2e.called("rest", "delete")


def test_without_a_record_there_is_nothing_to_purge(e2e: E2E) -> None:
    result = e2e.run("purge.sh")
    assert result.rc == 0 and "::notice::the destroy step recorded nothing" in result.out
    assert e2e.calls == []


# --- the workflow's steps, in its order and on its conditions ---------------------------------

def run_workflow(e2e: E2E) -> list[str]:
    """Run the e2e job's script steps as GitHub does: a step without ``if`` runs while every step
    before it passed, an ``if: always()`` step runs anyway. The scripts that ran, in order."""
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["e2e"]["steps"]
    ran, failed = [], False
    for step in steps:
        if not step.get("run", "").startswith("scripts/e2e/"):
            continue
        assert step.get("if") in (None, "always()"), step
        if failed and step.get("if") != "always()":
            continue
        script, *args = shlex.split(step["run"])
        ran.append(Path(script).name)
        failed |= e2e.run(Path(script).name, *args).rc != 0
    return ran


def everything_passes(e2e: E2E) -> None:
    e2e.on("pulumi", "stack", "output", out=outputs({"blue-ds2v2": 100}, ["blue-ds2v2"]),
           times=1)  # for the scoring; then the day-2 change's outputs
    e2e.on("az", "get-access-token", out=TOKEN + "\n")
    e2e.on("curl", out="200", write={"-o": RESPONSE})
    day2(e2e)
    e2e.on("pulumi", "stack", "export", write={"--file": state()})


def test_the_workflow_runs_every_step_in_order(e2e: E2E) -> None:
    everything_passes(e2e)
    assert run_workflow(e2e) == ["up.sh", "idempotent.sh", "score.sh", "day2.sh",
                                 "idempotent.sh", "destroy.sh", "purge.sh"]
    order = [e2e.index("stack", "init"), e2e.index("up"), e2e.index("preview"),
             e2e.index("curl"), e2e.index("config", "rm"),
             [i for i, c in enumerate(e2e.calls) if c[:2] == ["pulumi", "up"]][1],
             [i for i, c in enumerate(e2e.calls) if c[:2] == ["pulumi", "preview"]][1],
             e2e.index("destroy"), e2e.index("stack", "rm"), e2e.index("keyvault")]
    assert order == sorted(order)


@pytest.mark.parametrize("failing,skipped", [
    (("pulumi", "up"), ["idempotent.sh", "score.sh", "day2.sh"]),
    (("curl",), ["day2.sh"]),
])
def test_destroy_and_purge_run_after_a_failure(e2e: E2E, failing: tuple[str, ...],
                                               skipped: list[str]) -> None:
    e2e.on(*failing, out="400" if failing == ("curl",) else "", rc=255 * (failing != ("curl",)))
    everything_passes(e2e)
    ran = run_workflow(e2e)
    assert ran[-2:] == ["destroy.sh", "purge.sh"] and not set(skipped) & set(ran)
    assert e2e.called("destroy") and e2e.called("stack", "rm") and e2e.called("keyvault")


def test_every_step_script_is_strict_and_shares_one_preamble() -> None:
    common = (SCRIPTS / "common.sh").read_text()
    assert "set -euo pipefail" in common
    for script in sorted(SCRIPTS.glob("*.sh")):
        if script.name == "common.sh":
            continue
        text = script.read_text()
        assert text.startswith("#!/usr/bin/env bash\n") and os.access(script, os.X_OK), script
        assert re.search(r'^source "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)/common\.sh"$', text,
                         re.M), script
