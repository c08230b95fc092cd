"""``components/package_args.py``: the component package's argument types, written from the
models they take (:data:`components.package_inputs.INPUTS`).

The Pulumi SDK builds the package schema from annotated classes whose types it knows (strings,
numbers, booleans, lists, maps, inputs, other such classes) and from the docstrings in their
source; the models hold more (``Literal`` choices, limits, validators), so each becomes a
``TypedDict`` of the types the SDK knows, with the model's docstrings, the values a choice
allows and each default. Write it again after a change of the models (a test fails while it is
stale)::

    python -m offline.package_args
"""

from __future__ import annotations

import json
import sys
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pulumi
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from components.arguments import allowed, plain
from components.package_inputs import INPUTS

from .exits import OK, run_tool, tool_parser

PATH = Path(__file__).resolve().parent.parent / "components" / "package_args.py"

HEADER = '''"""The component package's argument types: written by ``python -m offline.package_args``
from ``components/package_inputs.py`` (the library's argument declarations); do not edit."""

from typing import NotRequired, TypedDict

import pulumi
'''


def _type(annotation: Any, names: Mapping[type, str]) -> str:
    """A type the SDK's analyzer knows, for a value of ``annotation``."""
    kind = plain(annotation)
    args = typing.get_args(kind)
    if any(typing.get_origin(a) is pulumi.Output for a in args):  # an Input: a value or Output
        return f"pulumi.Input[{_type(args[0], names)}]"
    origin = typing.get_origin(kind)
    if origin is Literal:
        return type(args[0]).__name__
    if origin in (tuple, list, Sequence):
        return f"list[{_type(args[0], names)}]"
    if origin in (dict, Mapping):
        return f"dict[str, {_type(args[1], names)}]"
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return names[kind]
    return str(kind.__name__)


def _doc(field: FieldInfo) -> str:
    """The field's docstring, with the values a choice allows and its default."""
    words = " ".join(str(field.description or "").split())
    choices = [v for t in (plain(field.annotation),) if typing.get_origin(t) is Literal
               for v in typing.get_args(t)]
    rule = allowed(field)
    if choices:
        words += " One of: " + ", ".join(map(str, choices)) + "."
    elif rule not in (words, "a list", "a mapping", "true or false") and \
            not rule.startswith(f"a {getattr(plain(field.annotation), '__name__', '')}"):
        words += f" Allowed: {rule}."
    default = field.get_default(call_default_factory=True)
    if not field.is_required() and default not in (None, (), [], {}):
        words += f" Default: {json.dumps(_plain(default))}."
    return words.strip()


def _plain(value: Any) -> Any:
    """A default as JSON holds it, each entry with what it sets (``[{"name": "cpu-small"}]``)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _docstring(text: str) -> str:
    """``text`` as a docstring on one line (the SDK's analyzer takes it as it is written, line
    breaks and indentation included, into the schema)."""
    return '    """' + text.replace('"', "'") + '"""'


def _class(name: str, model: type[BaseModel], names: Mapping[type, str]) -> str:
    out = [f"class {name}(TypedDict):", _docstring(" ".join(str(model.__doc__).split()))]
    for field_name, field in model.model_fields.items():
        kind = _type(field.annotation, names)
        out.append(f"    {field_name}: {kind if field.is_required() else f'NotRequired[{kind}]'}")
        doc = _doc(field)
        if doc:
            out.append(_docstring(doc))
    return "\n".join(out)


def render() -> str:
    """The module's text, from the models as they are."""
    names = {model: name for name, model in INPUTS.items()}
    return HEADER + "".join(f"\n\n{_class(name, model, names)}\n" for name, model in INPUTS.items())


def _write(out: Path) -> int:
    out.write_text(render())
    print(f"wrote {out}")
    return OK


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("python -m offline.package_args", __doc__)
    parser.add_argument("--out", metavar="FILE", type=Path, default=PATH,
                        help="where to write it (default: components/package_args.py)")
    return run_tool(parser, argv, lambda args: _write(args.out))


if __name__ == "__main__":
    sys.exit(main())
