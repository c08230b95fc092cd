"""Every command's --help is plain text that ends with the shared exit codes, the exit code
reference of the docs lists every command, and make help lists every target."""

from __future__ import annotations

import re
import subprocess
from types import ModuleType

import pytest

import benchmarks.__main__ as benchmarks
import benchmarks.suite as suite_benchmark
import offline.__main__ as preview
from offline import (
    arm,
    critical_path,
    deployer,
    diff,
    docs,
    new_stack,
    package_args,
    plan,
    policy_catalog,
    policy_check,
    schema,
)
from offline.exits import (
    CONFIG,
    EPILOG,
    EXIT_CODES,
    FINDING,
    OK,
    POLICY,
    REFUSED,
    UNEXPECTED,
    USAGE,
)

from ..conftest import PROJECT_DIR

COMMANDS = [preview, plan, diff, critical_path, policy_check, policy_catalog, package_args, arm,
            new_stack, schema, deployer, docs, benchmarks, suite_benchmark]


def _command(module: ModuleType) -> str:
    """How the docs name a command: ``offline.plan``, ``python -m offline``, ``benchmarks``."""
    name = module.__name__.removesuffix(".__main__")
    return "python -m offline" if name == "offline" else name


def test_every_module_with_a_command_line_is_a_command() -> None:
    tools = {f"offline.{p.stem}" for p in (PROJECT_DIR / "offline").glob("*.py")
             if 'if __name__ == "__main__":' in p.read_text()} | {
        f"benchmarks.{p.stem}" for p in (PROJECT_DIR / "benchmarks").glob("*.py")
        if 'if __name__ == "__main__":' in p.read_text()}
    assert {m.__name__ for m in COMMANDS} == tools


def test_the_exit_code_reference_names_every_command() -> None:
    page = (PROJECT_DIR / "docs" / "reference" / "exit-codes.md").read_text()
    section = page[:page.index("<!-- exit-codes")]
    assert [_command(m) for m in COMMANDS if f"`{_command(m)}`" not in section] == []


@pytest.mark.parametrize("command", COMMANDS, ids=lambda m: m.__name__)
def test_help_is_plain_text_within_100_columns_and_ends_with_the_exit_codes(
        command: ModuleType, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as done:
        command.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "`" not in out and not re.search(r":(data|func|class|mod):", out)
    assert max(len(line) for line in out.splitlines()) <= 100
    assert out.rstrip().endswith(EPILOG)


def test_every_exit_code_is_declared_once_with_its_meaning() -> None:
    assert list(EXIT_CODES) == [OK, FINDING, USAGE, CONFIG, POLICY, REFUSED] == list(range(6))
    assert all(f"  {code}  " in EPILOG for code in EXIT_CODES)
    assert " ".join(UNEXPECTED.split()) in " ".join(EPILOG.split())


def test_make_help_lists_every_target() -> None:
    makefile = (PROJECT_DIR / "Makefile").read_text()
    targets = re.findall(r"^\.PHONY: (.+)$", makefile, re.M)[0].split()
    out = subprocess.run(["make", "-s", "help"], cwd=PROJECT_DIR, capture_output=True, text=True,
                         check=True).stdout
    assert [line.split()[1] for line in out.splitlines()] == targets
