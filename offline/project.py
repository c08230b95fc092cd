"""The project a tool looks at and the policy pack it checks against, from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.testing.mocks import RANDOM_SUFFIX
from components.testing.runner import StackRun, run_stack


@dataclass(frozen=True)
class Project:
    """A Pulumi project folder (``Pulumi.yaml``, stack files, program) and its policy pack."""

    dir: Path = Path(".")
    pack: Path | None = None
    """The CrossGuard pack folder; None: the project's ``policy/``."""

    @property
    def policy_pack(self) -> Path:
        return self.pack or self.dir / "policy"

    def run(self, stack: str, overrides: Mapping[str, Any] | None = None,
            suffix: str = RANDOM_SUFFIX) -> StackRun:
        """The project's program run with ``stack``'s config under the mocks."""
        return run_stack(stack, overrides, self.dir, suffix)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--project`` and ``--policy-pack``, for a tool's command line."""
    parser.add_argument("--project", metavar="DIR", type=Path, default=Path("."),
                        help="the Pulumi project folder (default: the current folder)")
    parser.add_argument("--policy-pack", metavar="DIR", type=Path,
                        help="the policy pack folder (default: the project's policy/)")


def from_arguments(args: argparse.Namespace) -> Project:
    return Project(args.project, args.policy_pack)
