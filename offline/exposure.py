"""What each resource costs and who can reach it: the settings a reviewer reads first.

For each resource type, the inputs that set its price (SKU, VM size, node and instance counts,
retention) or open access to it (authentication, network, keys, who may sign in), by a label a
person reads: the settings shown of its type in the catalog (:mod:`components.catalog`). An input
the program leaves out shows Azure's default where Azure documents one, so a setting that is open
by default is not missed because nobody wrote it.
"""

from __future__ import annotations

from typing import Any

from components import catalog

AZURE_DEFAULT = " (Azure's default)"


def _at(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def settings(type_: str, inputs: dict[str, Any]) -> dict[str, str]:
    """The costly and access-opening settings of a resource of ``type_`` with ``inputs``, by
    label; a left-out input shows Azure's default, marked as such."""
    entry = catalog.find(type_)
    shown: dict[str, str] = {}
    for s in entry.shown_of(inputs) if entry else ():
        if s.applies is not None and not s.applies(inputs):
            continue
        value = _at(inputs, s.path)
        if value is not None:
            shown[s.label] = _words(value)
        elif s.azure_default is not None and s.label not in shown:
            shown[s.label] = _words(s.azure_default) + AZURE_DEFAULT
    return shown
