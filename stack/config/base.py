"""What every section of the configuration is made of: the model base, key names in problems, and
the field types and checks several sections share."""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict

from components.azure.names import RULES
from components.azure.resource_ids import parse_resource_id

Problems = list[str]
"""Problems in words, each naming its config key, the value found and what is allowed."""


def key(namespace: str, loc: Sequence[str | int]) -> str:
    """A config key as every problem names it: ``<namespace>:<key>[<index>].<field>``."""
    path = namespace + ":" + str(loc[0]) if loc else namespace
    for part in loc[1:]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


@dataclass(frozen=True)
class Keys:
    """Names the config keys at and below ``prefix`` (``k("maxNodes")``), so a rule written for
    one entry names it wherever the entry is."""

    namespace: str
    prefix: tuple[str | int, ...] = ()

    def __call__(self, *parts: str | int) -> str:
        return key(self.namespace, (*self.prefix, *parts))

    def at(self, *parts: str | int) -> Keys:
        """The names below ``parts``."""
        return Keys(self.namespace, (*self.prefix, *parts))


class ConfigModel(BaseModel):
    """Settings read from config: camelCase keys, nothing unknown, never changed afterwards.

    :meth:`rules` holds what a single value cannot say: rules across the fields of one entry,
    checked once every field is typed; :meth:`problems` checks them in the entries inside too.
    """

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True,
                              frozen=True, regex_engine="python-re")

    def rules(self, k: Keys) -> Problems:
        """What is wrong across this entry's fields (``k`` names its keys)."""
        return []

    def problems(self, k: Keys) -> Problems:
        """What is wrong in this entry and in every entry inside it."""
        found = self.rules(k)
        for name, field in type(self).model_fields.items():
            found += problems_in(getattr(self, name), k.at(field.alias or name))
        return found


def problems_in(value: Any, k: Keys) -> Problems:
    """The problems of ``value``: an entry, a list of entries, or a plain value (none)."""
    if isinstance(value, ConfigModel):
        return value.problems(k)
    if isinstance(value, tuple):
        return [p for i, item in enumerate(value) for p in problems_in(item, k.at(i))]
    return []


def unique(key: str, names: Sequence[str], field: str | None = "name") -> Problems:
    """Each entry of the list ``key`` whose ``field`` repeats an earlier one (case-insensitive)."""
    seen: set[str] = set()
    problems = []
    for i, name in enumerate(names):
        if name.lower() in seen:
            where = f"{key}[{i}]" + (f".{field}" if field else "")
            problems.append(f"{where} = {name!r} is not allowed: a value not used by another "
                            "entry")
        seen.add(name.lower())
    return problems


def size(key: str, vm_size: str, problem: Callable[[str], str | None], check: bool,
         override: str) -> Problems:
    """The VM size ``vm_size`` at ``key`` where ``problem`` finds it is not a size Azure offers
    there; ``check`` is off where the ``override`` key takes sizes newer than the lists."""
    found = problem(vm_size) if check else None
    return [f"{key} = {vm_size!r} is not allowed: {found} (a newer size: set {override}: true)"] \
        if found else []


def plain(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` and an optional ``None``: what a value of it is."""
    if typing.get_origin(annotation) is Annotated:
        return plain(typing.get_args(annotation)[0])
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if type(None) in typing.get_args(annotation) and len(args) == 1:
        return plain(args[0])
    return annotation


def model_of(annotation: Any) -> type[ConfigModel] | None:
    """The entry model a value of ``annotation`` is, if it is one."""
    found = plain(annotation)
    return found if isinstance(found, type) and issubclass(found, ConfigModel) else None


# --- checks beyond type, range and pattern (their ValueError text says what is allowed) --------

def azure_name(kind: str) -> AfterValidator:
    """A name Azure accepts for a resource of ``kind`` (:data:`components.azure.names.RULES`)."""
    rule = RULES[kind]

    text = f"{rule.min_length}-{rule.max_length} characters: {rule.allowed}"

    def check(value: str) -> str:
        if rule.problem(value):
            raise ValueError(text)
        return value
    check.allowed = text  # type: ignore[attr-defined]  # what a missing name is told
    return AfterValidator(check)


def resource_id(provider_type: str, kind: str) -> AfterValidator:
    """The id of an existing resource of ``provider_type`` whose name Azure accepts."""
    def check(value: str) -> str:
        try:
            problem = RULES[kind].problem(parse_resource_id(value, provider_type).name)
        except ValueError as error:
            problem = str(error)
        if problem:
            raise ValueError(f"a {kind} resource id ({problem})")
        return value
    return AfterValidator(check)


def project_folder(alternative: str = "") -> AfterValidator:
    """A folder of the project that holds files (or, with ``alternative``, an azureml:// URI)."""
    allowed = " ".join(filter(None, ["a folder of the project that holds files", alternative]))

    def check(value: str) -> str:
        if alternative and value.startswith("azureml://"):
            return value
        path = Path(value)
        if not value or not path.is_dir() or not any(p.is_file() for p in path.rglob("*")):
            raise ValueError(f"{allowed}; {path.resolve()} is not such a folder")
        return value
    return AfterValidator(check)


def _lower(value: str) -> str:
    return value.lower()


# --- shared field types -----------------------------------------------------------------------

VM_SIZE = r"^Standard_[A-Za-z0-9_]+$"
GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

IdentityChoice = Literal["userAssigned", "systemAssigned"]
"""Which kind of managed identity a workload runs as."""
NetworkAccess = Literal["Enabled", "Disabled"]

ObjectId = Annotated[str, AfterValidator(_lower)]
"""An Entra ID object id, compared as Azure compares it (lowercase); with ``pattern=OBJECT_ID``."""
OBJECT_ID = f"^{GUID}$"
OBJECT_ID_ALLOWED: JsonDict = {
    "allowed": "an Entra ID object id (a GUID such as 00000000-0000-0000-0000-000000000000)"}

SecretName = Annotated[str, Field(pattern=r"^[0-9A-Za-z-]{1,127}$", json_schema_extra={
    "allowed": "key vault secret names: 1-127 letters, digits and hyphens"})]
"""A Key Vault secret name ("Object identifiers and versioning": 1-127 alphanumerics and
dashes)."""


KEY_VAULT_WAY = ("a secret a workload needs goes in the workspace key vault: list it in "
                 "existingSecrets and in the workload's secrets, and the workload reads it as its "
                 "own identity (the scoring code finds the vault at KEY_VAULT_URL)")
"""Where a secret goes instead of config that the stack puts into Azure as it is."""
IN_THE_DEFINITION = ("a deployment's environment variables are part of its definition, which "
                     "whoever reads the deployment reads (\"this practice would expose the "
                     "secrets in the deployment definition\", concept-secret-injection)")
NOT_A_SECRET = ("a value set with --secret where the stack takes none: the Pulumi CLI decrypts it "
                "for the program, which puts it into Azure as it is (" + IN_THE_DEFINITION
                + "); " + KEY_VAULT_WAY)
"""What a secret set where the stack takes none is told."""

ENCRYPTED = "encrypted in the stack file: "
"""How a secret the run cannot decrypt reads (followed by a digest of its cipher)."""


def encrypted(value: Any) -> bool:
    """Whether ``value`` is a secret as the stack file holds it: ``{secure: <cipher>}``."""
    return isinstance(value, dict) and set(value) == {"secure"}


def as_encrypted(value: Any) -> Any:
    """A secret as the stack file holds it (``{secure: <cipher>}``, what a run without the Pulumi
    CLI reads, as the offline tools do) stands for itself, by a digest of its cipher: a new one
    shows as a change, and no check reads it."""
    if encrypted(value):
        return ENCRYPTED + hashlib.sha256(str(value["secure"]).encode()).hexdigest()[:12]
    return value


StackSecret = Annotated[SecretStr, BeforeValidator(as_encrypted), WithJsonSchema({"anyOf": [
    {"type": "string"},
    {"type": "object", "properties": {"secure": {"type": "string"}}, "required": ["secure"],
     "additionalProperties": False}]})]
"""A value set with ``pulumi config set --secret``: the stack file holds ``{secure: <cipher>}``,
the program reads it decrypted, and it is never shown."""


def holds_secrets(annotation: Any) -> bool:
    """Whether a value of type ``annotation`` has a place for a :data:`StackSecret`."""
    if annotation is SecretStr:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(holds_secrets(f.annotation) for f in annotation.model_fields.values())
    return any(holds_secrets(arg) for arg in typing.get_args(annotation))
