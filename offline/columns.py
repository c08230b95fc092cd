"""Terminal output of the tools within 100 columns: long lines wrap under their own indentation."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

WIDTH = 100
"""Columns every line a tool prints fits in."""


def wrapped(text: str, indent: int, hang: int = 2) -> list[str]:
    """``text`` indented by ``indent`` spaces, wrapped within WIDTH; continuation lines indented
    ``hang`` more. A word is broken only when it is wider than a whole line (a long resource id
    or Pulumi name)."""
    pad = " " * indent
    return textwrap.wrap(text, WIDTH, initial_indent=pad, subsequent_indent=pad + " " * hang,
                         break_on_hyphens=False) or [""]


def fit(lines: Iterable[str], hang: int = 4) -> str:
    """``lines`` joined, each line longer than WIDTH wrapped under its own indentation."""
    out: list[str] = []
    for line in lines:
        body = line.lstrip(" ")
        out += [line] if len(line) <= WIDTH else wrapped(body, len(line) - len(body), hang)
    return "\n".join(out)
