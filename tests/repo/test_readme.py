"""The README shows what the code does: the dev stack's access picture, the consumer example."""

from __future__ import annotations

import re

import pytest

from components.testing.runner import StackRun
from offline.diagram import grants_of, mermaid
from offline.exits import markdown_table
from offline.report import plan

from ..conftest import PACK, PROJECT_DIR

README = PROJECT_DIR / "README.md"


def test_readme_access_diagram_is_current(dev: StackRun) -> None:
    block = re.search(r"<!-- access-diagram:.*?-->\n```mermaid\n(.*?)\n```\n"
                      r"<!-- /access-diagram -->",
                      README.read_text(), re.S)
    assert block, "README lost its access-diagram block"
    assert block.group(1) == mermaid(grants_of(plan(dev, PACK))), (
        "README access diagram is stale: paste the output of `python -m offline dev --mermaid`")


@pytest.mark.parametrize("marker,path", [("consumer-program", "samples/consumer/__main__.py"),
                                         ("consumer-test", "samples/consumer/test_consumer.py")])
def test_the_readme_shows_the_consumer_files_the_suite_runs(marker: str, path: str) -> None:
    readme = README.read_text()
    block = re.search(rf"<!-- {marker} -->\n```python\n(.*?)```", readme, re.S)
    assert block and block.group(1) == (README.parent / path).read_text(), path


def test_the_readme_exit_codes_are_the_tools() -> None:
    block = re.search(r"<!-- exit-codes:.*?-->\n(.*?)\n<!-- /exit-codes -->", README.read_text(),
                      re.S)
    assert block, "README lost its exit-codes block"
    assert block.group(1) == markdown_table(), (
        "README exit codes are stale: the block should read\n" + markdown_table())
