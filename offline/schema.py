"""Print the component package's Pulumi schema (what pulumi package add generates SDKs from), built
offline by the Python SDK's analyzer; tests/golden/schema.json is a snapshot of it."""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from typing import Any

from pulumi.provider.experimental.component import ComponentProvider

from components.package import COMPONENTS, PACKAGE

from .exits import OK, tool_parser


def schema() -> dict[str, Any]:
    """The package schema, as the provider host serves it."""
    provider = ComponentProvider(COMPONENTS, PACKAGE, None, version("ml-platform-components"))
    loaded: dict[str, Any] = json.loads(str(provider.schema))
    return loaded


def main(argv: list[str] | None = None) -> int:
    tool_parser("python -m offline.schema", __doc__).parse_args(argv)
    json.dump(schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return OK


if __name__ == "__main__":
    sys.exit(main())
