"""The README's access picture is the one the dev stack's grants draw."""

from __future__ import annotations

import re
from pathlib import Path

from offline.diagram import grants_of, mermaid
from offline.report import plan

from .conftest import PACK

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_access_diagram_is_current(dev):
    block = re.search(r"<!-- access-diagram:.*?-->\n```mermaid\n(.*?)\n```\n<!-- /access-diagram -->",
                      README.read_text(), re.S)
    assert block, "README lost its access-diagram block"
    assert block.group(1) == mermaid(grants_of(plan(dev, PACK))), (
        "README access diagram is stale: paste the output of `python -m offline dev --mermaid`")
