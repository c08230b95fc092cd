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
    SecretStr,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel

from components.arguments import (
    VM_SIZE_PATTERN,
    Arguments,
    Problem,
    dotted,
    renamed,
)
from components.arguments import (
    Path as ArgumentPath,
)
from components.credentials import IN_THE_DEFINITION

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

    def of(self, model: type[BaseModel]) -> Callable[[ArgumentPath], str]:
        """Names an argument of ``model`` (a path of Python names, as the library's problems
        have it) by its config key below this prefix."""
        return lambda path: self(*config_path(model, path))


def config_path(model: type[BaseModel], path: ArgumentPath) -> ArgumentPath:
    """The config keys of the argument ``path`` of ``model`` (Python names, list indexes)."""
    return renamed(model, path, lambda name, field: field.alias or name)


CONFIG_KEYS = {"compute_name": "name", "endpoint_name": "name",
               "assigned_user_object_id": "assignedUser", "container_name": "container",
               "isolation_mode": "isolation", "existing_subnet_id": "subnetId",
               "existing_zone_ids": "dnsZoneIds"}
"""Arguments of the components whose config key is not their camelCase name (an entry's own name
in the workspace is its ``name``, an instance's owner its ``assignedUser``; the network's keys are
shorter)."""


def config_key(argument: str) -> str:
    """The config key of a component's argument (``max_nodes`` -> ``maxNodes``)."""
    return CONFIG_KEYS.get(argument) or to_camel(argument)


class ConfigModel(Arguments):
    """Settings read from config: camelCase keys, nothing unknown, never changed afterwards.

    An entry that configures a component subclasses the component's arguments (declared in the
    library, with their limits and rules across fields) and adds what only the stack decides.
    :meth:`rules` holds the stack's own rules across the fields of one entry, checked once every
    field is typed; :meth:`problems` checks them, the library's, and those of the entries inside.
    """

    model_config = ConfigDict(alias_generator=config_key, populate_by_name=True)

    def rules(self, k: Keys) -> Problems:
        """What is wrong across this entry's fields (``k`` names its keys)."""
        return []

    @classmethod
    def words(cls, problems: list[Problem], k: Keys, whole_keys: bool = False) -> Problems:
        """The library's ``problems`` of an entry of this model, under their config keys; the
        keys their words refer to are named within the entry, or whole (``whole_keys``: the
        root's keys, as rules across keys name them)."""
        def refer(path: ArgumentPath) -> str:
            keys = config_path(cls, path)
            return k(*keys) if whole_keys else dotted(keys)
        return [p.words(k.of(cls), refer=refer) for p in problems]

    def problems(self, k: Keys) -> Problems:
        """What is wrong in this entry and in every entry inside it."""
        found = self.words(self.cross_checks(), k) + self.rules(k)
        for name, field in type(self).model_fields.items():
            found += problems_in(getattr(self, name), k.at(field.alias or name))
        return found


def size_problems_at(k: Keys, key: str, model: type[BaseModel],
                     found: Sequence[list[Problem]]) -> Problems:
    """The library's VM size problems of each entry of the list ``key`` (``found``, entry by
    entry), under config keys; the override they name is the stack's ``allowUnlistedVmSizes``,
    one key for every workload."""
    over = k("allowUnlistedVmSizes")
    return [p.words(k.at(key, i).of(model), refer=lambda _: over)
            for i, entry in enumerate(found) for p in entry]


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


# --- checks beyond type, range and pattern (their ValueError text says what is allowed) --------

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


# --- shared field types -----------------------------------------------------------------------

VM_SIZE = VM_SIZE_PATTERN

IdentityChoice = Literal["userAssigned", "systemAssigned"]
"""Which kind of managed identity a workload runs as."""




KEY_VAULT_WAY = ("a secret a workload needs goes in the workspace key vault: list it in "
                 "existingSecrets and in the workload's secrets, and the workload reads it as its "
                 "own identity (the scoring code finds the vault at KEY_VAULT_URL)")
"""Where a secret goes instead of config that the stack puts into Azure as it is."""
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
