"""Problems in words: the error the program stops with, and what each value that does not fit its
declaration is told (the key with its list path, the value found, what is allowed)."""

from __future__ import annotations

import difflib
import json
import typing
from typing import Annotated, Any, Literal

import pulumi
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from .base import NOT_A_SECRET, encrypted, key, model_of, plain
from .root import KEYS, StackSettings, types_in


class ConfigError(pulumi.RunError):
    """Stack configuration that the program refuses, with every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid stack configuration:\n  - " + "\n  - ".join(problems))


def _declared_at(loc: tuple[Any, ...]) -> tuple[FieldInfo | None, type[BaseModel] | None, Any]:
    """The declaration of the field ``loc`` is in, the model that declares it, and, where ``loc``
    goes below the field (an entry of its list or mapping), that entry's type."""
    model: type[BaseModel] | None = StackSettings
    found: FieldInfo | None = None
    owner: type[BaseModel] | None = None
    current: Any = None
    entry = False
    for part in loc:
        if model is not None and isinstance(part, str):
            by_alias = {f.alias or n: f for n, f in model.model_fields.items()}
            found, owner = by_alias.get(part), model
            if found is None:
                return None, owner, None
            current, entry = found.annotation, False
        else:  # an entry of a list (an index) or of a mapping (a key)
            container = plain(current)
            args = typing.get_args(container)
            current = args[-1] if typing.get_origin(container) is dict else (args or (None,))[0]
            entry = True
        model = model_of(current)
    return found, owner, current if entry else None


def _item_field(annotation: Any) -> FieldInfo | None:
    """The declaration of a list entry (``Annotated[str, Field(...)]``), when it says what it
    allows."""
    if typing.get_origin(annotation) is Annotated:
        return next((m for m in typing.get_args(annotation)[1:] if isinstance(m, FieldInfo)
                     and isinstance(m.json_schema_extra, dict)
                     and "allowed" in m.json_schema_extra), None)
    return None


def allowed(field: FieldInfo | None) -> str:
    """What a field allows, in words, from its declaration."""
    if field is None:
        return "see Pulumi.yaml"
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "allowed" in extra:
        return str(extra["allowed"])
    checked = [m.func.allowed for m in field.metadata
               if isinstance(m, AfterValidator) and hasattr(m.func, "allowed")]
    if checked:
        return str(checked[0])
    literals = [v for t in types_in(field.annotation) if typing.get_origin(t) is Literal
                for v in typing.get_args(t)]
    if literals:
        return "one of " + ", ".join(map(str, literals))
    bounds = {type(m).__name__: m for m in field.metadata}
    if "Ge" in bounds and "Le" in bounds:
        return f"a whole number from {bounds['Ge'].ge} to {bounds['Le'].le}"
    kinds = types_in(field.annotation)
    if bool in kinds:
        return "true or false"
    if any(typing.get_origin(t) is tuple for t in kinds):
        items = typing.get_args(plain(field.annotation))
        item = _item_field(items[0]) if items else None
        return f"a YAML list of {allowed(item)}" if item else "a YAML list"
    if any(typing.get_origin(t) is dict or (isinstance(t, type) and issubclass(t, BaseModel))
           for t in kinds):
        return "a YAML mapping"
    return str(field.description)


def _entry_allowed(field: FieldInfo | None, entry: Any) -> str:
    """What an entry of type ``entry`` of the list or mapping ``field`` allows."""
    model = model_of(entry)
    if model is not None:
        required = [f.alias or n for n, f in model.model_fields.items() if f.is_required()]
        what = str(model.__doc__).split("\n")[0].rstrip(".")
        return (f"a YAML mapping with {', '.join(required)}" if required
                else "a YAML mapping") + f" ({what[0].lower()}{what[1:]})"
    item = _item_field(entry)
    extra = field.json_schema_extra if field is not None else None
    if item is None and isinstance(extra, dict) and "allowed" in extra:
        return str(extra["allowed"])  # said of the whole list, of each entry alike
    return allowed(item) if item else "a string"


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
    where = key(namespace, loc)
    field, owner, entry = _declared_at(loc)
    value = error["input"]
    if encrypted(value):
        return f"{where} (a secret, not shown) is not allowed: {NOT_A_SECRET}"
    if error["type"] == "extra_forbidden":
        known = [f.alias or n for n, f in owner.model_fields.items()] if owner else list(KEYS)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]}?" if close else "known keys are " + ", ".join(known)
        return f"{where} is not a setting of this stack; {hint}"
    if error["type"] == "missing":
        return f"{where} is missing: {allowed(field)}"
    ctx = error.get("ctx", {})
    if error["type"] == "too_short" and isinstance(value, list | tuple) and \
            len(value) >= ctx.get("min_length", 0):
        return None  # as long as it must be: an entry failed, and its own problem says which
    if error["type"] == "value_error":
        what = str(ctx["error"])
    elif error["type"] == "too_long" and field is not None and field.metadata:
        what = f"at most {ctx['max_length']} entries"
    else:
        what = allowed(field) if entry is None else _entry_allowed(field, entry)
    if error["type"] == "string_type" and isinstance(value, int | float):
        what = _quoted(what, value, loc)
    return f"{where} = {value!r} is not allowed: {what}"


def problems_of(namespace: str, errors: list[ErrorDetails]) -> list[str]:
    """Every error of a validation in words, one per problem."""
    return [p for p in (_problem(namespace, e) for e in errors) if p is not None]
