"""A Griffe extension for the docs' API reference (``mkdocs.yml``, mkdocstrings): this project's
docstrings are written for Sphinx (``:class:`Grant```, ``:mod:`components.azure```, a ``::`` before
an example), and mkdocstrings reads docstrings as Markdown, where a role would show as written.
Each role becomes a cross-reference to the object it names, resolved as Python would resolve the
name where the docstring is: a link when the reference documents that object, its name in code
otherwise (an optional reference: mkdocs-autorefs leaves it unlinked without a warning)."""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|obj|exc):`(~?)([^`]+)`")
"""A Sphinx cross-reference role: ``:class:`Grant```, ``:func:`~components.access.grant```."""
LITERAL = re.compile(r"(?<=\S)::\n")
"""The ``::`` that ends a paragraph before a literal block (an indented block in Markdown)."""


def reference(obj: griffe.Object | griffe.Alias, target: str, short: bool = False) -> str:
    """The cross-reference, as mkdocs-autorefs reads it, for ``target`` named in ``obj``'s
    docstring (shown by its last part when ``short``: Sphinx's ``~``)."""
    head, _, rest = target.partition(".")
    try:
        path = obj.resolve(head) + (f".{rest}" if rest else "")
    except griffe.NameResolutionError:
        path = target  # a full path, or a name outside the documented packages
    shown = target.rsplit(".", 1)[-1] if short else target
    return f'<autoref identifier="{path}" optional><code>{shown}</code></autoref>'


class SphinxRoles(griffe.Extension):
    """Rewrites Sphinx roles in every docstring into cross-references once the tree is loaded."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader,
                  **kwargs: Any) -> None:
        if obj.docstring is None:
            return
        text = ROLE.sub(lambda m: reference(obj, m.group(2), bool(m.group(1))),
                        obj.docstring.value)
        obj.docstring.value = LITERAL.sub(":\n", text)
