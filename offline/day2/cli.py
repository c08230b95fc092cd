"""The command line of the day-2 plan (``python -m offline.plan``), and the sides it plans
between: a stack run under mocks, with overrides, a saved snapshot, or nothing deployed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from components.stackfile import StackFileError, parse_yaml, read_yaml
from components.testing.mocks import RANDOM_SUFFIX
from components.testing.runner import StackRun

from .. import exits
from ..exits import INPUT_ERRORS, OK, refuse, tool_parser
from ..project import Project, add_arguments, from_arguments
from .azure import refreshed
from .check import day2_plan
from .render import as_json, markdown, text

NOTHING = "none"
"""The side of a plan where nothing is deployed yet."""


def load_side(project: Project, side: str, overrides: dict[str, Any] | None = None, *,
              base: bool = False, suffix: str = RANDOM_SUFFIX
              ) -> tuple[StackRun | None, str | None]:
    """The run a side names, and a note on how it was read.

    ``none``: nothing deployed. ``FILE.json``: a snapshot (``--save``) or an offline preview's JSON
    (``python -m offline STACK --json``); a base file that is missing, or a preview made before
    previews held snapshots, counts as nothing deployed. ``STACK`` or ``STACK+FILE.yaml``: the
    program run with the stack's config, the file's keys and ``overrides`` on top.
    """
    if side == NOTHING:
        return None, None
    if side.endswith(".json"):
        path = Path(side)
        if base and not path.exists():
            return None, f"{side} does not exist: planned as a stack with nothing deployed"
        data = json.loads(path.read_text())
        if "snapshot" in data:
            data = data["snapshot"]
        if "suffix" not in data:
            if base:
                return None, (f"{side} holds no snapshot (made before the day-2 plan existed): "
                              "planned as a stack with nothing deployed")
            raise ValueError(f"{side} holds no snapshot of a run")
        return StackRun.from_snapshot(data), None
    stack, _, extra = side.partition("+")
    values: dict[str, Any] = dict(read_yaml(Path(extra)) or {}) if extra else {}
    values.update(overrides or {})
    return project.run(stack, values, suffix), None


def _setting(text_: str) -> tuple[str, Any]:
    key, sep, value = text_.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text_!r} is not KEY=VALUE")
    try:
        return key, parse_yaml(value, f"--set {key}")
    except StackFileError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


RECREATED_SUFFIX = "r7m2q"
"""The name suffix a stack created again draws under the mocks (a real one draws anew too)."""


def main(argv: list[str] | None = None) -> int:
    """Print the plans, write them as Markdown and JSON if asked; the exit code says whether a
    step fails."""
    parser = tool_parser(
        "python -m offline.plan",
        "Print the steps pulumi up (or pulumi destroy) would take from BASE to HEAD, "
                    "in the engine's order, each checked against what Azure and Pulumi do. A "
                    "side is a stack (dev), a stack with overrides (dev+changes.yaml), a saved "
                    "snapshot or offline preview JSON, or none.")
    parser.add_argument("base", help="what is deployed: STACK[+FILE.yaml], FILE.json or none")
    parser.add_argument("head", nargs="?", help="what the program will be (not with --destroy)")
    parser.add_argument("--set", dest="settings", metavar="KEY=VALUE", action="append",
                        type=_setting, default=[], help="a config value (YAML) for HEAD")
    parser.add_argument("--destroy", action="store_true", help="plan pulumi destroy of BASE")
    parser.add_argument("--refresh", action="store_true",
                        help="plan pulumi refresh of BASE first (what Azure's Read puts into the "
                             "state), then the up")
    parser.add_argument("--unprotect", action="store_true",
                        help="as after pulumi state unprotect --all on BASE")
    parser.add_argument("--recreate", action="store_true",
                        help="with --destroy: then plan creating the stack again")
    parser.add_argument("--json", metavar="FILE", help="also write the plan as JSON")
    parser.add_argument("--markdown", metavar="FILE", help="also write the plan as Markdown")
    parser.add_argument("--save", metavar="FILE", help="write HEAD's snapshot, a later BASE")
    add_arguments(parser)
    args = parser.parse_args(argv)
    project = from_arguments(args)
    if args.destroy == bool(args.head) or (args.recreate and not args.destroy):
        parser.error("give HEAD, or --destroy (and optionally --recreate) without it")
    try:
        base, note = load_side(project, args.base, base=True)
        if args.refresh and base is not None:
            base = refreshed(base)
            note = ((note + "; ") if note else "") + "after pulumi refresh of the base"
        if args.destroy:
            plans = [(day2_plan(base, None, unprotect=args.unprotect), "pulumi destroy")]
            if args.recreate:
                again, _ = load_side(project, args.base, suffix=RECREATED_SUFFIX)
                plans.append((day2_plan(None, again, reserved=plans[0][0].reserved),
                              "pulumi up again after the destroy"))
            head = None
        else:
            head, _ = load_side(project, args.head, dict(args.settings))
            plans = [(day2_plan(base, head, unprotect=args.unprotect),
                      f"pulumi up from {args.base} to {args.head}")]
    except (*INPUT_ERRORS, ValueError) as error:
        return refuse(error)
    for plan, _ in plans:
        if note:
            plan.notes.append(note)
    print("\n\n".join(text(plan, title) for plan, title in plans))
    if args.markdown:
        Path(args.markdown).write_text("\n".join(markdown(p, t) for p, t in plans))
    if args.json:
        Path(args.json).write_text(json.dumps([as_json(p) for p, _ in plans], indent=2) + "\n")
    if args.save and head is not None:
        Path(args.save).write_text(json.dumps(head.snapshot(), indent=1) + "\n")
    return exits.REFUSED if any(p.failing for p, _ in plans) else OK
