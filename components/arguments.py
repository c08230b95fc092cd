"""What each component takes and what it refuses, declared once and checked whole.

A component's arguments are one pydantic model, a subclass of :class:`Arguments`: each field's
type says what it takes (``Literal`` for a choice among values; ``Field`` limits, patterns and the
validators below for what a plain type cannot say), its default is the component's default and
its docstring says what it is. :meth:`Arguments.cross_checks` says what no single value can
(traffic shares that sum to 100, ``max_nodes`` at least ``min_nodes``).

Making arguments checks them all at once, before any resource exists: a wrong value raises one
:class:`ArgumentsError` listing every problem, each with the argument, the value found and what is
allowed. The same declarations give the stack its configuration (``stack/config/``, whose models
subclass these and name each problem under its config key) and the component package its schema
(``components/package_args.py``, generated from them by ``python -m offline.package_args``).

A value that is a Pulumi ``Output`` (known only during the deployment) is taken as it is.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PydanticUserError,
    StrictBool,
    TypeAdapter,
    ValidationError,
)
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from .azure.names import RULES
from .azure.regions import PUBLIC_REGIONS
from .azure.resource_ids import parse_resource_id

Path = tuple[str | int, ...]
"""Where an argument is: ``("max_nodes",)``, ``("deployments", 1, "traffic")``."""
Namer = Callable[[Path], str]
"""How a caller names an argument: Python names, the package's camelCase, config keys."""


def dotted(path: Path) -> str:
    """An argument as Python names it: ``deployments[1].traffic``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""The value of an argument that is not given."""


class _Hidden:
    def __repr__(self) -> str:
        return "HIDDEN"


HIDDEN: Any = _Hidden()
"""The value of an argument a problem never quotes (a certificate, a private key)."""


@dataclass(frozen=True)
class Problem:
    """One argument refused: where it is, the value found, and what is allowed."""

    argument: Path
    value: Any
    allowed: str
    """What is allowed, in words; it may name other arguments as ``{min_nodes}`` (relative to
    ``base``), which each caller names its own way."""
    base: Path = ()
    """The entry whose rule found the problem (where the arguments ``allowed`` names are)."""
    unknown: bool = False
    """An argument the declaration does not have (``allowed`` then says what is close)."""
    when: str = ""
    """Where the value is refused, if not everywhere (``on a Kubernetes endpoint``, ``with
    {existing_subnet_id}``: it names other arguments as ``allowed`` does)."""
    hidden: str = ""
    """Why the value is not shown (``a secret: its name says so``)."""

    def within(self, *prefix: str | int) -> Problem:
        """This problem of an entry, as seen from the arguments that hold the entry at
        ``prefix``."""
        return replace(self, argument=(*prefix, *self.argument), base=(*prefix, *self.base))

    def words(self, name: Namer = dotted, unknown: str = "an argument",
              refer: Namer = dotted) -> str:
        """The problem in words, naming arguments with ``name``, those its words refer to with
        ``refer`` (given the path from ``base``: a sibling is named as the entry names it), and
        saying an argument the declaration lacks is not ``unknown``."""
        def named(text: str) -> str:
            return re.sub(r"\{(\w+)\}", lambda m: refer((m[1],)), text)
        where, allowed = name(self.argument), named(self.allowed)
        when = f" {named(self.when)}" if self.when else ""
        if self.unknown:
            return f"{where} is not {unknown}; {allowed}"
        if self.hidden:
            return f"{where} ({self.hidden}; not shown) is not allowed{when}: {allowed}"
        if self.value is MISSING:
            return f"{where} is missing{when}: {allowed}"
        if self.value is HIDDEN:
            return f"{where} (a secret, not shown) is not allowed{when}: {allowed}"
        return f"{where} = {self.value!r} is not allowed{when}: {allowed}"


class ArgumentsError(ValueError, pulumi.RunError):
    """Arguments refused, with every problem found (a :class:`pulumi.RunError`: the Pulumi CLI
    prints the message without a Python traceback)."""

    def __init__(self, what: str, problems: Sequence[Problem], name: Namer = dotted,
                 refer: Namer = dotted):
        self.what, self.problems = what, tuple(problems)
        super().__init__(f"{what}: invalid arguments:\n  - "
                         + "\n  - ".join(p.words(name, refer=refer) for p in self.problems))


def _one_line(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Each field's description on one line in a JSON Schema (a docstring breaks its lines)."""
    for field in schema.get("properties", {}).values():
        if isinstance(field, dict) and isinstance(field.get("description"), str):
            field["description"] = " ".join(field["description"].split())


class Arguments(BaseModel):
    """The arguments of a component (or of an entry of one), checked whole when made.

    Fields are named as Python names them; the stack's configuration gives them its own keys.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              arbitrary_types_allowed=True, regex_engine="python-re",
                              json_schema_extra=_one_line)

    def __init__(self, /, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ArgumentsError(type(self).__name__, problems_with(type(self), values, error)) \
                from None
        found = self.argument_problems()
        if found:
            raise ArgumentsError(type(self).__name__, found)
    # Pydantic calls an __init__ of a model's own when it validates data into the model (the
    # stack's config, an entry inside other arguments) unless it is marked as its base __init__:
    # there a validation error is the caller's to word, under its own names.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def cross_checks(self) -> list[Problem]:
        """What is wrong across the fields, which no single value can say."""
        return []

    def arguments(self, declaration: type[Arguments], but: Sequence[str] = ()
                  ) -> dict[str, Any]:
        """The values of the fields of ``declaration`` (a base of this model) but ``but`` that
        were given or whose default this model changes, by name: what a subclass that adds its
        own fields passes on to the component, which then knows what was given as this model does
        (a rule such as "nothing with ``existing_cluster_id``" reads it)."""
        own = type(self).model_fields
        return {name: getattr(self, name) for name, field in declaration.model_fields.items()
                if name not in but and (name in self.model_fields_set
                                        or own[name].get_default(call_default_factory=True)
                                        != field.get_default(call_default_factory=True))}

    def argument_problems(self) -> list[Problem]:
        """What is wrong across the fields of these arguments and of every entry inside."""
        found = self.cross_checks()
        for name in type(self).model_fields:
            value = getattr(self, name, None)  # None: not given (a partial check)
            if isinstance(value, Arguments):
                found += [p.within(name) for p in value.argument_problems()]
            elif isinstance(value, tuple | list):
                found += [p.within(name, i) for i, entry in enumerate(value)
                          if isinstance(entry, Arguments) for p in entry.argument_problems()]
        return found


def renamed(model: type[BaseModel], path: Path, rename: Callable[[str, FieldInfo], str]
            ) -> Path:
    """The argument ``path`` of ``model`` with each field renamed by ``rename`` (list indexes
    and the keys of a mapping stay as they are)."""
    keys: list[str | int] = []
    current: type[BaseModel] | None = model
    for part in path:
        field = current.model_fields.get(part) if current and isinstance(part, str) else None
        keys.append(rename(part, field) if field and isinstance(part, str) else part)
        if field is not None:
            current = model_of(field.annotation) or model_of(_entry_type(field.annotation))
    return tuple(keys)


# --- what a declaration allows, in words ------------------------------------------------------

def plain(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` and an optional ``None``: what a value of it is."""
    if typing.get_origin(annotation) is Annotated:
        return plain(typing.get_args(annotation)[0])
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if type(None) in typing.get_args(annotation) and len(args) == 1:
        return plain(args[0])
    return annotation


def types_in(annotation: Any) -> list[Any]:
    """``annotation`` and every type inside it."""
    return [annotation, *(t for a in typing.get_args(annotation) for t in types_in(a))]


def model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a value of ``annotation`` is, if it is one."""
    found = plain(annotation)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def _entry_type(container: Any) -> Any:
    args = typing.get_args(plain(container))
    mapping = typing.get_origin(plain(container)) in (dict, Mapping)
    return args[-1] if mapping else (args or (None,))[0]


def declared_at(root: type[BaseModel], loc: Sequence[Any]
                ) -> tuple[FieldInfo | None, type[BaseModel] | None, Any]:
    """The declaration of the field ``loc`` is in (under the model ``root``), the model that
    declares it, and, where ``loc`` goes below the field (an entry of its list or mapping), that
    entry's type."""
    model: type[BaseModel] | None = root
    found: FieldInfo | None = None
    owner: type[BaseModel] | None = None
    current: Any = None
    entry = False
    for part in loc:
        if model is not None and isinstance(part, str):
            by_key = {f.alias or n: f for n, f in model.model_fields.items()}
            found, owner = by_key.get(part), model
            if found is None:
                return None, owner, None
            current, entry = found.annotation, False
        else:  # an entry of a list (an index) or of a mapping (a key)
            current, entry = _entry_type(current), True
        model = model_of(current)
    return found, owner, current if entry else None


def _item_field(annotation: Any) -> FieldInfo | None:
    """The declaration of a list entry (``Annotated[str, Field(...)]``) that says what it
    allows."""
    if typing.get_origin(annotation) is Annotated:
        return next((m for m in typing.get_args(annotation)[1:] if isinstance(m, FieldInfo)
                     and isinstance(m.json_schema_extra, dict)
                     and "allowed" in m.json_schema_extra), None)
    return None


@dataclass(frozen=True)
class Wording:
    """How a list and a mapping are called (the stack's config says "a YAML list")."""

    list: str = "a list"
    mapping: str = "a mapping"


PYTHON = Wording()


def allowed(field: FieldInfo | None, wording: Wording = PYTHON) -> str:
    """What a field allows, in words, from its declaration."""
    if field is None:
        return "see the documentation"
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
    if any(typing.get_origin(t) in (tuple, list, Sequence) for t in kinds):
        items = typing.get_args(plain(field.annotation))
        item = _item_field(items[0]) if items else None
        return f"{wording.list} of {allowed(item, wording)}" if item else wording.list
    if any(typing.get_origin(t) in (dict, Mapping)
           or model_of(t) for t in kinds):
        return wording.mapping
    if field.description:  # a docstring, on one line
        return " ".join(field.description.split())
    return f"a {getattr(plain(field.annotation), '__name__', 'value')}"


def entry_allowed(field: FieldInfo | None, entry: Any, wording: Wording = PYTHON) -> str:
    """What an entry of type ``entry`` of the list or mapping ``field`` allows."""
    model = model_of(entry)
    if model is not None:
        required = [f.alias or n for n, f in model.model_fields.items() if f.is_required()]
        what = str(model.__doc__).split("\n")[0].rstrip(".")
        return (f"{wording.mapping} with {', '.join(required)}" if required
                else wording.mapping) + f" ({what[0].lower()}{what[1:]})"
    item = _item_field(entry)
    extra = field.json_schema_extra if field is not None else None
    if item is None and isinstance(extra, dict) and "allowed" in extra:
        return str(extra["allowed"])  # said of the whole list, of each entry alike
    return allowed(item, wording) if item else "a string"


def problem_of(root: type[BaseModel], error: ErrorDetails, wording: Wording = PYTHON
               ) -> Problem | None:
    """A validation error of ``root`` as a problem (None: another error says it already)."""
    loc = tuple(error["loc"])
    field, owner, entry = declared_at(root, loc)
    value = error["input"]
    if error["type"] == "extra_forbidden":
        known = [f.alias or n for n, f in owner.model_fields.items()] if owner else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]}?" if close else "known ones are " + ", ".join(known)
        return Problem(loc, value, hint, unknown=True)
    if error["type"] == "missing":
        return Problem(loc, MISSING, allowed(field, wording))
    ctx = error.get("ctx", {})
    if error["type"] == "too_short" and isinstance(value, list | tuple) and \
            len(value) >= ctx.get("min_length", 0):
        return None  # as long as it must be: an entry failed, and its own problem says which
    if error["type"] == "value_error":
        what = str(ctx["error"])
    elif error["type"] == "too_long" and field is not None and field.metadata:
        what = f"at most {ctx['max_length']} entries"
    else:
        what = allowed(field, wording) if entry is None else entry_allowed(field, entry, wording)
    return Problem(loc, value, what)


def problems_with(model: type[Arguments], values: Mapping[str, Any], error: ValidationError
                  ) -> list[Problem]:
    """Every problem of ``values`` (by field name) as ``model``: the values that do not fit
    their declaration (``error``), and the rules across fields on those that do (a rule that
    reads a value that does not fit is left out: that value has its problem already)."""
    errors = error.errors()
    failed = {str(e["loc"][0]) for e in errors if e["loc"]}
    return problems_of(model, errors) + partial_problems(model, values, failed)


def partial_problems(model: type[Arguments], values: Mapping[str, Any], failed: set[str],
                     *, entries: bool = True) -> list[Problem]:
    """The rules across the fields of ``model`` on ``values`` (by field name) but those of
    ``failed``: a rule that reads one of those is left out, its value has a problem already.
    With ``entries``, the rules of the entries inside too (a caller that walks the entries itself,
    as the stack's validation does, leaves them out)."""
    partial = model.model_construct(**_typed(model, values, failed))
    try:
        across = partial.argument_problems() if entries else partial.cross_checks()
    except (AttributeError, TypeError):  # a rule read a required value that is not there
        return []
    return [p for p in across if str(p.argument[0]) not in failed
            and not failed & set(re.findall(r"\{(\w+)\}", p.allowed + p.when))]


def _typed(model: type[Arguments], values: Mapping[str, Any], failed: set[str]
           ) -> dict[str, Any]:
    """The values of ``model``'s fields but ``failed``, each validated alone (entries become
    models), as rules across fields read them."""
    typed = {}
    for name, field in model.model_fields.items():
        if name in values and name not in failed:
            with contextlib.suppress(ValidationError):
                typed[name] = _adapter(field.rebuild_annotation()).validate_python(values[name])
    return typed


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    """Validates a value of ``annotation`` alone (Outputs and resources as they are)."""
    try:
        return TypeAdapter(annotation, config=ConfigDict(arbitrary_types_allowed=True))
    except PydanticUserError:  # a model or dataclass: its own config says
        return TypeAdapter(annotation)


def problems_of(root: type[BaseModel], errors: list[ErrorDetails]) -> list[Problem]:
    """Every error of a validation of ``root`` as a problem, one per argument."""
    return [p for p in (problem_of(root, e) for e in errors
                        if not _other_branch(e)) if p is not None]


def _other_branch(error: ErrorDetails) -> bool:
    """An error about one branch of a union that another error of the same place says (a
    ``pulumi.Input[str]`` is a string, an Output or an awaitable: only the string's is told)."""
    return any(isinstance(part, str) and part.startswith("is-instance[")
               for part in error["loc"])


# --- checks beyond type, range and pattern (their ValueError text says what is allowed) --------

def azure_name(kind: str) -> AfterValidator:
    """A name Azure accepts for a resource of ``kind`` (:data:`components.azure.names.RULES`); a
    name known only during the deployment (an ``Output``) is taken as it is."""
    rule = RULES[kind]
    text = f"{rule.min_length}-{rule.max_length} characters: {rule.allowed}"

    def check(value: Any) -> Any:
        if isinstance(value, str) and rule.problem(value):  # an Output is known only later
            raise ValueError(text)
        return value
    check.allowed = text  # type: ignore[attr-defined]  # what a missing name is told
    return AfterValidator(check)


def resource_id(provider_type: str, kind: str) -> AfterValidator:
    """The id of an existing resource of ``provider_type`` whose name Azure accepts."""
    def check(value: Any) -> Any:
        if not isinstance(value, str):  # None, or an Output known only later
            return value
        try:
            problem = RULES[kind].problem(parse_resource_id(value, provider_type).name)
        except ValueError as error:
            problem = str(error)
        if problem:
            raise ValueError(f"a {kind} resource id ({problem})")
        return value
    return AfterValidator(check)


VM_SIZE_PATTERN = r"^Standard_[A-Za-z0-9_]+$"
"""What every Azure VM size name looks like (``Standard_DS3_v2``)."""
GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _lower(value: str) -> str:
    return value.lower()


ObjectId = Annotated[str, AfterValidator(_lower)]
"""An Entra ID object id, compared as Azure compares it (lowercase); with ``pattern=OBJECT_ID``."""
OBJECT_ID = f"^{GUID}$"
OBJECT_ID_ALLOWED: JsonDict = {
    "allowed": "an Entra ID object id (a GUID such as 00000000-0000-0000-0000-000000000000)"}

SecretName = Annotated[str, Field(pattern=r"^[0-9A-Za-z-]{1,127}$", json_schema_extra={
    "allowed": "key vault secret names: 1-127 letters, digits and hyphens"})]
"""A Key Vault secret name ("Object identifiers and versioning": 1-127 alphanumerics and
dashes)."""
NetworkAccess = Literal["Enabled", "Disabled"]
StrInput = str | Awaitable[str] | pulumi.Output[str]
"""``pulumi.Input[str]`` spelled without the forward reference inside it, which pydantic cannot
resolve in the modules that declare arguments."""
"""Public network access to a resource (Azure's ``PublicNetworkAccess``)."""


def region_problems(argument: Path, location: object, allow_unlisted: bool) -> list[Problem]:
    """``location`` where it is not an Azure public region (unless ``allow_unlisted_location``
    takes regions newer than the list), with the closest one; an Output is known only later."""
    if allow_unlisted or not isinstance(location, str) or location in PUBLIC_REGIONS:
        return []
    close = difflib.get_close_matches(location, PUBLIC_REGIONS, n=1)
    return [Problem(argument, location, "an Azure public region"
                    + (f"; did you mean {close[0]}?" if close else "")
                    + " (a newer region: set {allow_unlisted_location}: true)")]


class Placed(Arguments):
    """Where a component's resources go: a resource group and a region."""

    resource_group_name: Annotated[StrInput, azure_name("resource group")]
    """Resource group of the resources."""
    location: StrInput
    """Azure region of the resources: a public region (az account list-locations), e.g.
    westeurope."""
    allow_unlisted_location: StrictBool = False
    """Take a location this package does not list yet (a region newer than its list)."""

    def cross_checks(self) -> list[Problem]:
        return super().cross_checks() + region_problems(("location",), self.location,
                                                        self.allow_unlisted_location)


def unique_names(argument: Path, names: Sequence[str]) -> list[Problem]:
    """Each entry of the list ``argument`` whose name repeats an earlier one (without regard to
    case, as Azure compares names)."""
    seen: set[str] = set()
    found = []
    for i, name in enumerate(names):
        if name.lower() in seen:
            found.append(Problem((*argument, i, "name"), name, "a value not used by another "
                                 "entry"))
        seen.add(name.lower())
    return found


def size_problems(argument: Path, vm_size: str, offered: Callable[[str], str | None],
                  override: str) -> list[Problem]:
    """``vm_size`` where ``offered`` finds it is not a size Azure offers there, with the
    argument ``override`` that takes sizes newer than the lists."""
    found = offered(vm_size)
    return [Problem(argument, vm_size, f"{found} (a newer size: set {{{override}}}: true)")] \
        if found else []
