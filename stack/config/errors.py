"""Problems in words: the error the program stops with, and what each value that does not fit its
declaration is told (the key with its list path, the value found, what is allowed)."""

from __future__ import annotations

import difflib
import json
from dataclasses import replace
from typing import Any

import pulumi
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from components import arguments
from components.arguments import Wording, problem_of

from .base import NOT_A_SECRET, encrypted, key
from .root import KEYS, StackSettings


class ConfigError(pulumi.RunError):
    """Stack configuration that the program refuses, with every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid stack configuration:\n  - " + "\n  - ".join(problems))


YAML = Wording(list="a YAML list", mapping="a YAML mapping")
"""How the config calls a list and a mapping."""


def allowed(field: FieldInfo | None) -> str:
    """What a config key allows, in words, from its declaration."""
    return arguments.allowed(field, YAML) if field is not None else "see Pulumi.yaml"


def _quoted(what: str, value: Any, loc: tuple[Any, ...]) -> str:
    """``what`` a string place allows, for a ``value`` YAML read as a number or true/false."""
    text = json.dumps(value)
    line = f"- \"{text}\"" if isinstance(loc[-1], int) else f"{loc[-1]}: \"{text}\""
    hint = (f"YAML reads {text} as {'true/false' if isinstance(value, bool) else 'a number'}: "
            f"quote it, {line}")
    return f"a string ({hint})" if what == "a string" else f"a string ({hint}); {what}"


def _problem(namespace: str, error: ErrorDetails) -> str | None:
    """``error`` in words (None: another error says it already)."""
    loc = tuple(error["loc"])
    where, value = key(namespace, loc), error["input"]
    if encrypted(value):
        return f"{where} (a secret, not shown) is not allowed: {NOT_A_SECRET}"
    if error["type"] == "extra_forbidden" and len(loc) == 1:
        close = difflib.get_close_matches(str(loc[0]), KEYS, n=1)
        hint = f"did you mean {close[0]}?" if close else "known keys are " + ", ".join(KEYS)
        return f"{where} is not a setting of this stack; {hint}"
    found = problem_of(StackSettings, error, YAML)
    if found is None:
        return None
    if error["type"] == "string_type" and isinstance(value, int | float):
        found = replace(found, allowed=_quoted(found.allowed, value, loc))
    return found.words(lambda path: key(namespace, path), unknown="a setting of this stack")


def problems_of(namespace: str, errors: list[ErrorDetails]) -> list[str]:
    """Every error of a validation in words, one per problem."""
    return [p for p in (_problem(namespace, e) for e in errors) if p is not None]
