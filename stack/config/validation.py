"""Validation in one round: every value that does not fit its declaration, and every rule across
keys and entries, reported together.

When some values cannot be read (a wrong type, an unknown key), the rest are still checked: the
entries that did read get their own rules, and each rule across keys runs on the keys that did
read. A rule that reads a key whose value could not be read is left out: its verdict would be
about a value the config does not hold, and that key has its own problem already.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from components.arguments import model_of, partial_problems, plain

from .base import ConfigModel, Keys, Problems, problems_in
from .errors import problems_of
from .root import StackSettings
from .section import Rule, Section
from .sections import SECTIONS

_FIELDS = {field.alias or name: (name, field) for name, field in
           StackSettings.model_fields.items()}


class _Unknown(Exception):
    """A rule read a key whose value could not be read."""


class _Known:
    """``settings`` as far as the config could be read: reading a key of ``unknown`` (field
    names) raises :class:`_Unknown`, through the settings' properties too."""

    def __init__(self, settings: StackSettings, unknown: frozenset[str]):
        self._settings, self._unknown = settings, unknown

    def __getattr__(self, name: str) -> Any:
        if name in self._unknown:
            raise _Unknown(name)
        attribute = getattr(type(self._settings), name, None)
        if isinstance(attribute, property) and attribute.fget is not None:
            return attribute.fget(self)
        return getattr(self._settings, name)


def _run(rule: Rule, settings: StackSettings, k: Keys) -> Problems:
    try:
        return rule(settings, k)
    except _Unknown:
        return []


def _read(annotation: Any, value: Any, failed: Sequence[tuple[Any, ...]], k: Keys) -> Problems:
    """The rules of the entries in ``value`` (of type ``annotation``) that could be read; the
    locations in ``failed`` (relative to ``value``) could not."""
    if not failed:  # it read inside its parent, so it reads alone
        return problems_in(TypeAdapter(annotation).validate_python(value), k)
    if () in failed:
        return []
    model, kind = model_of(annotation), plain(annotation)
    if model is not None and isinstance(value, Mapping):
        found: Problems = []
        given, wrong = {}, set()
        for name, field in model.model_fields.items():
            alias = field.alias or name
            if alias in value:
                given[name] = value[alias]
                below = [loc[1:] for loc in failed if loc[0] == alias]
                wrong |= {name} if below else set()
                found += _read(field.rebuild_annotation(), value[alias], below, k.at(alias))
        if issubclass(model, ConfigModel):  # the entry's rules on the fields that did read
            # (its own: the rules of the entries inside it are theirs, read above)
            found += model.words([p for p in partial_problems(model, given, wrong)
                                  if not p.base], k)
        return found
    if typing.get_origin(kind) is tuple and isinstance(value, list):
        item = typing.get_args(kind)[0]
        return [p for i, entry in enumerate(value)
                for p in _read(item, entry, [loc[1:] for loc in failed if loc[0] == i], k.at(i))]
    return []


def _section(section: Section, settings: StackSettings, values: Mapping[str, Any],
             failed: Mapping[str, list[tuple[Any, ...]]], k: Keys) -> Problems:
    """The rules of ``section``'s entries, then its rules across keys."""
    found: Problems = []
    for key in section.keys:
        name, field = _FIELDS[key]
        if key in failed:
            found += _read(field.rebuild_annotation(), values[key], failed[key], k.at(key))
        else:
            found += problems_in(getattr(settings, name), k.at(key))
    return found + [p for rule in section.rules for p in _run(rule, settings, k)]


def _shared_identities(settings: StackSettings, k: Keys) -> Problems:
    """Two keys whose identities would be one (the same purpose, so the same Azure name)."""
    first: dict[str, str] = {}
    found = []
    for section in SECTIONS:
        try:
            identities = section.identities(settings)
        except _Unknown:
            continue
        for purpose, key in identities:
            if first.setdefault(purpose, key) != key:
                found.append(f"{k(key)}: its identity {purpose!r} would be the same as one of "
                             f"{k(first[purpose])}; rename one of them")
    return found


def validate(namespace: str, values: Mapping[str, Any]) -> tuple[StackSettings, Problems]:
    """The settings ``values`` (typed config, by key) make, and every problem in them; where
    there are problems, the settings hold the defaults of the keys that could not be read."""
    failed: dict[str, list[tuple[Any, ...]]] = {}
    try:
        settings, problems = StackSettings.model_validate(values), []
    except ValidationError as error:
        errors = error.errors()
        problems = problems_of(namespace, errors)
        for e in errors:
            failed.setdefault(str(e["loc"][0]), []).append(tuple(e["loc"][1:]))
        settings = StackSettings.model_validate(
            {key: value for key, value in values.items() if key not in failed})
    unknown = frozenset(_FIELDS[key][0] for key in failed if key in _FIELDS)
    known = typing.cast(StackSettings, _Known(settings, unknown)) if unknown else settings
    k = Keys(namespace)
    for section in SECTIONS:
        problems += _section(section, known, values, failed, k)
    return settings, problems + _shared_identities(known, k)
