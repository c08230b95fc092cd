"""Every command's --help is plain text that ends with the shared exit codes, and make help lists
every target."""

from __future__ import annotations

import re
import subprocess

import pytest

import benchmarks.__main__ as benchmarks
import offline.__main__ as preview
from offline import critical_path, diff, new_stack, plan, policy_catalog, policy_check, schema
from offline.exits import CONFIG, EPILOG, POLICY, REFUSED, USAGE

from ..conftest import PROJECT_DIR

COMMANDS = [preview, plan, diff, critical_path, policy_check, policy_catalog, new_stack, schema,
            benchmarks]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda m: m.__name__)
def test_help_is_plain_text_within_100_columns_and_ends_with_the_exit_codes(command, capsys,
                                                                           monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as done:
        command.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "`" not in out and not re.search(r":(data|func|class|mod):", out)
    assert max(len(line) for line in out.splitlines()) <= 100
    assert out.rstrip().endswith(EPILOG.splitlines()[-1])


def test_exit_codes_are_distinct():
    codes = [USAGE, CONFIG, POLICY, REFUSED]
    assert len(set(codes)) == len(codes) and 0 not in codes and 1 not in codes


def test_make_help_lists_every_target():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    targets = re.findall(r"^\.PHONY: (.+)$", makefile, re.M)[0].split()
    out = subprocess.run(["make", "-s", "help"], cwd=PROJECT_DIR, capture_output=True, text=True,
                         check=True).stdout
    assert [line.split()[1] for line in out.splitlines()] == targets
