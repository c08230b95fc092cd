"""``policy/catalog.json``: what the policy pack needs of the catalog, written from it.

The pack imports nothing from the project (it runs from any stack, in its own environment), so it
reads the types it checks from this file: each type's token by its label, the types that hold
data, and the resource logs of each type that has some. Write it again after a change of the
catalog (a test fails while it is stale)::

    python -m offline.policy_catalog
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import stack.program  # noqa: F401  (registers the types the stack makes itself)
from components import catalog

from .exits import OK, run_tool, tool_parser

PATH = Path(__file__).resolve().parent.parent / "policy" / "catalog.json"


def render() -> str:
    """The file's text, from the catalog as it is."""
    types = sorted(catalog.TYPES.values(), key=lambda t: t.label)
    return json.dumps({
        "about": "Written by python -m offline.policy_catalog from components/catalog.py and the "
                 "types each module registers; do not edit.",
        "types": {t.label: t.token for t in types},
        "stateful": sorted(t.token for t in types if t.stateful),
        "logs": {t.token: list(t.logs.categories) for t in types if t.logs is not None},
    }, indent=2) + "\n"


def _write(out: Path) -> int:
    out.write_text(render())
    print(f"wrote {out}")
    return OK


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("python -m offline.policy_catalog", __doc__)
    parser.add_argument("--out", metavar="FILE", type=Path, default=PATH,
                        help="where to write it (default: policy/catalog.json)")
    return run_tool(parser, argv, lambda args: _write(args.out))


if __name__ == "__main__":
    sys.exit(main())
