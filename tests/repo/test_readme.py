"""The README is the short way in: at most 150 lines, and every link it has leads somewhere (the
guides and references are in docs/, checked by the docs build)."""

from __future__ import annotations

import re

from ..conftest import PROJECT_DIR

README = PROJECT_DIR / "README.md"


def anchor(heading: str) -> str:
    """A heading's anchor as GitHub and MkDocs (Python-Markdown's toc) both make it for the
    headings the README links to: lowercase, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_readme_is_at_most_150_lines() -> None:
    assert len(README.read_text().splitlines()) <= 150


def test_every_link_of_the_readme_leads_to_a_file_and_heading_that_exist() -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", README.read_text())
    local = [link for link in links if not re.match(r"https?://", link)]
    assert local
    for link in local:
        path, _, fragment = link.partition("#")
        target = PROJECT_DIR / path
        assert target.is_file(), link
        if fragment:
            headings = re.findall(r"^#+ (.+)$", target.read_text(), re.M)
            assert fragment in {anchor(h) for h in headings}, link
