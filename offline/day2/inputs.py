"""A resource's inputs by path: what changes between the state and the program, and what the
engine sends for it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from components.testing.runner import jsonable


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of nested dicts and lists by dotted path (``a.b[0].c``)."""
    if isinstance(value, dict) and value:
        return {path: leaf for k, v in value.items()
                for path, leaf in flatten(v, f"{prefix}.{k}" if prefix else k).items()}
    if isinstance(value, list) and value:
        return {path: leaf for i, v in enumerate(value)
                for path, leaf in flatten(v, f"{prefix}[{i}]").items()}
    return {prefix: value}


def matches(path: str, pattern: str) -> bool:
    """Whether input ``path`` is ``pattern`` or lies under it (``*`` stands for one key), as
    ``ignoreChanges`` and ``replaceOnChanges`` paths are matched."""
    regex = re.escape(pattern).replace(r"\*", r"[^.\[]+")
    return re.match(rf"{regex}($|[.\[])", path) is not None


def changed_paths(old: dict[str, Any], new: dict[str, Any],
                  ignore: Iterable[str] = ()) -> list[str]:
    """Input paths whose value differs, leaving out ``ignore``d ones (their old value is kept)."""
    before, after = flatten(jsonable(old)), flatten(jsonable(new))
    ignore = list(ignore)
    return sorted(p for p in set(before) | set(after)
                  if before.get(p, _ABSENT) != after.get(p, _ABSENT)
                  and not any(matches(p, i) for i in ignore))


_ABSENT = object()


def _parts(path: str) -> list[str]:
    return [p for p in re.split(r"\.|\[|\]", path) if p]


def sent_inputs(news: dict[str, Any], olds: dict[str, Any],
                ignore: Iterable[str]) -> dict[str, Any]:
    """The inputs the engine sends for a resource with state ``olds`` and program inputs ``news``:
    each ``ignore``d path takes its value from the state, or is left out where the state has none
    (pulumi/pulumi pkg/resource/deploy/step_generator.go ``processIgnoreChanges``, for updates and
    for the create of a replacement alike)."""
    sent: dict[str, Any] = json.loads(json.dumps(jsonable(news)))
    for path in ignore:
        keys, source, target = _parts(path), jsonable(olds), sent
        for key in keys[:-1]:
            source = source.get(key) if isinstance(source, dict) else None
            target = target.setdefault(key, {}) if isinstance(target, dict) else {}
        if not isinstance(target, dict) or not keys:
            continue
        if isinstance(source, dict) and keys[-1] in source:
            target[keys[-1]] = source[keys[-1]]
        else:
            target.pop(keys[-1], None)
    return sent


def value_at(tree: Any, path: str) -> Any:
    """The value at dotted ``path`` of nested dicts ``tree`` (None where there is none)."""
    for key in path.split("."):
        tree = tree.get(key) if isinstance(tree, dict) else None
    return tree


def with_value(tree: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of nested dicts ``tree`` with ``value`` at dotted ``path``."""
    head, _, rest = path.partition(".")
    child = tree.get(head)
    return {**tree, head: with_value(child if isinstance(child, dict) else {}, rest, value)
            if rest else value}
