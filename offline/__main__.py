"""python -m offline STACK [--json FILE]: print the offline preview of a stack."""

from __future__ import annotations

import contextlib
import json
import sys

from .analyzer import running
from .diagram import grants_of, mermaid
from .exits import INPUT_ERRORS, OK, POLICY, refuse, tool_parser
from .project import add_arguments, from_arguments
from .report import markdown, plan, text


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(
        "python -m offline",
        "Run the real stack program with Pulumi.<STACK>.yaml under Pulumi mocks and "
                    "print the resources with the settings that cost money or open access, the "
                    "access matrix, the outputs and the policy pack's verdict. Needs no Azure "
                    "account and no Pulumi CLI.")
    parser.add_argument("stack", help="stack name, e.g. dev or prod")
    parser.add_argument("--json", metavar="FILE", help="also write the preview as JSON to FILE")
    parser.add_argument("--markdown", metavar="FILE", help="also write the preview as Markdown")
    parser.add_argument("--mermaid", action="store_true",
                        help="print only the access picture (Mermaid), e.g. for the docs")
    add_arguments(parser)
    args = parser.parse_args(argv)
    project = from_arguments(args)
    try:
        with contextlib.suppress(FileNotFoundError):  # refused after the stack's own errors
            running(project.policy_pack)  # the pack starts while the program runs
        run = project.run(args.stack)
        preview = plan(run, project.policy_pack)
    except INPUT_ERRORS as error:
        return refuse(error)
    print(mermaid(grants_of(preview)) if args.mermaid else text(preview))
    if args.json:  # with the run's snapshot: the base of a later day-2 plan (offline.plan)
        with open(args.json, "w") as file:
            json.dump({**preview, "snapshot": run.snapshot()}, file, indent=2)
            file.write("\n")
    if args.markdown:
        with open(args.markdown, "w") as file:
            file.write(markdown(preview))
    return POLICY if preview["policyViolations"] else OK  # as pulumi preview --policy-pack does


if __name__ == "__main__":
    sys.exit(main())
