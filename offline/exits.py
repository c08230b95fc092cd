"""What every command of the tools shares: its exit codes, and a --help in plain text that ends
with them."""

import argparse
import re
import sys
import textwrap
from collections.abc import Callable

from components.stackfile import StackFileError
from stack.config import ConfigError

CONFIG_ERRORS = (ConfigError, StackFileError)
"""What a tool exits with CONFIG for: settings the stack refuses, or a file that is not YAML."""
INPUT_ERRORS = (*CONFIG_ERRORS, FileNotFoundError)
"""What a tool refuses in words: CONFIG_ERRORS, and a stack or file that does not exist (USAGE)."""

OK = 0
FINDING = 1
USAGE = 2
CONFIG = 3
POLICY = 4
REFUSED = 5

EXIT_CODES: dict[int, str] = {
    OK: "done, nothing refused",
    FINDING: "a check found what it looks for: a dependency Azure does not require (critical "
             "path), a test that fails (benchmarks.suite), a generated page of the docs out of "
             "date (docs)",
    USAGE: "usage: a wrong option or argument, a missing file or stack file, a stack file that "
           "exists already (new_stack)",
    CONFIG: "the configuration is refused: each key, value and what is allowed, and each stack "
            "file or Pulumi.yaml problem (not YAML, a key written twice) with its lines",
    POLICY: "a policy of the pack is violated (the offline preview, as pulumi preview "
            "--policy-pack does)",
    REFUSED: "a day-2 step would be refused by Azure or Pulumi, leave the state lying, or lose "
             "data (the day-2 plan)",
}
"""What each exit code of every tool means: the one declaration that each ``--help`` ends with
and the docs' exit code reference is generated from (``python -m offline.docs``)."""
UNEXPECTED = ("An error no tool expects (a bug) ends in Python's traceback and exit code 1; every "
              "refusal above is printed in words, without one.")
"""What is not a code of ours: Python's own exit on an uncaught exception."""

EPILOG = "exit codes:\n" + "\n".join(
    textwrap.fill(meaning, 96, initial_indent=f"  {code}  ", subsequent_indent="     ")
    for code, meaning in EXIT_CODES.items()) + "\n" + textwrap.fill(
        UNEXPECTED, 96, initial_indent="  ", subsequent_indent="  ")
"""The end of every tool's ``--help``."""


def markdown_table() -> str:
    """The exit code table of the docs."""
    rows = [f"| {code} | {meaning} |" for code, meaning in EXIT_CODES.items()]
    return "\n".join(["| code | meaning |", "|---|---|", *rows, "", UNEXPECTED])


class _PlainHelp(argparse.RawDescriptionHelpFormatter):
    """Prose wrapped to the terminal without the docstrings' backticks; an indented block (the
    exit codes) kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        plain = re.sub(r"(:\w+:)?`+([^`]*)`+", r"\2", text)  # ``code``, :data:`NAME`
        for paragraph in plain.strip().split("\n\n"):
            lines = paragraph.splitlines()
            if len(lines) > 1 and all(line.startswith("  ") for line in lines[1:]):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                paragraphs.append(textwrap.fill(" ".join(paragraph.split()), width,
                                                initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(paragraphs)


def tool_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The command line parser of a tool: plain-text help that ends with the exit codes."""
    return argparse.ArgumentParser(prog=prog, description=description, epilog=EPILOG,
                                   formatter_class=_PlainHelp)


def run_tool(parser: argparse.ArgumentParser, argv: list[str] | None,
             body: Callable[[argparse.Namespace], int]) -> int:
    """Parse ``argv`` with ``parser`` and run ``body`` on the arguments; a stack file, config or
    input error is refused in words (:func:`refuse`) instead of a traceback."""
    args = parser.parse_args(argv)
    try:
        return body(args)
    except INPUT_ERRORS as error:
        return refuse(error)


def refuse(error: Exception, hint: str = "") -> int:
    """Print ``error`` (and ``hint``) in words, without a traceback; its exit code: CONFIG for
    CONFIG_ERRORS, USAGE for the rest."""
    print(f"error: {error}{hint}", file=sys.stderr)
    return CONFIG if isinstance(error, CONFIG_ERRORS) else USAGE
