"""Adding a stack is one step: the written stack file is valid, commented truthfully, previews
cleanly and passes the policy pack with the config its own settings call for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from offline.__main__ import main as preview_main
from offline.exits import CONFIG, OK, USAGE
from offline.new_stack import main
from offline.policy_check import PRODUCTION_POLICIES, check, pack_config, stack_settings
from offline.project import Project
from stack.config import KEYS, parse_settings
from stack.schema import SCHEMA_LINE

from ..conftest import PACK, PROJECT_DIR


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("production", [False, True])
def test_a_new_stack_previews_cleanly_and_passes_the_pack(
        project: Path, production: bool, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["staging", "--project", str(project)] + (["--production"] if production else [])
    assert main(args) == OK
    text = (project / "Pulumi.staging.yaml").read_text()
    assert text.splitlines()[0] == SCHEMA_LINE and max(map(len, text.splitlines())) <= 100
    schema = json.loads((PROJECT_DIR / "stack" / "stack-file.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(text), schema)
    assert preview_main(["staging", "--project", str(project), "--policy-pack", str(PACK)]) == OK
    assert "rg-mlplat-staging" in capsys.readouterr().out  # its own names, not dev's

    run = Project(project).run("staging")
    settings = stack_settings(run)
    assert settings.environment == "staging"
    assert settings.protect_stateful_resources is production
    assert settings.key_vault_purge_protection is production
    assert settings.customer_managed_key is production
    assert pack_config(settings) == ({} if production else {
        **{policy: "disabled" for policy in PRODUCTION_POLICIES},
        "key-vault-purge-protection": "disabled"})
    assert check(run, PACK) == []


def test_every_key_is_listed_and_its_commented_default_is_the_default(project: Path) -> None:
    assert main(["staging", "--project", str(project)]) == OK
    lines = (project / "Pulumi.staging.yaml").read_text().splitlines()
    config = yaml.safe_load("\n".join(lines))["config"]
    commented = {line.removeprefix("  # ").split(":", 2)[1]: line.split(":", 2)[2]
                 for line in lines if line.startswith("  # ml-platform:")}
    assert sorted([k.split(":")[1] for k in config] + list(commented)) == sorted(KEYS)
    # uncommented, the listed defaults change nothing
    uncommented = yaml.safe_load("\n".join(line.replace("  # ml-platform:", "  ml-platform:")
                                           for line in lines))["config"]
    raw = {k.split(":")[1]: v if isinstance(v, str) else json.dumps(v)
           for k, v in uncommented.items() if v is not None}
    assert parse_settings("ml-platform", raw, "staging") == parse_settings(
        "ml-platform", {k.split(":")[1]: json.dumps(v) if not isinstance(v, str) else v
                        for k, v in config.items()}, "staging")


def test_mistakes_are_refused_in_words(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staging-eu", "--project", str(project)]) == CONFIG
    err = capsys.readouterr().err
    assert "ml-platform:environment = 'staging-eu' is not allowed" in err and "--environment" in err
    assert main(["staging-eu", "--environment", "stgeu", "--project", str(project)]) == OK
    assert "ml-platform:environment: stgeu" in (project / "Pulumi.staging-eu.yaml").read_text()
    assert main(["staging-eu", "--environment", "stgeu", "--project", str(project)]) == USAGE
    assert "Pulumi.staging-eu.yaml exists" in capsys.readouterr().err
    assert main(["stage/1", "--project", str(project)]) == USAGE
    assert main(["qa", "--location", "westeurop", "--project", str(project)]) == CONFIG
    assert "did you mean westeurope?" in capsys.readouterr().err
    assert not (project / "Pulumi.qa.yaml").exists()
