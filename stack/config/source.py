"""Where the settings come from: the running stack's config as the Pulumi CLI hands it to the
program (every value a string, structured ones as JSON, secrets decrypted and named), and the
project and stack files the CLI read it from, checked as the CLI checks them."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from components.stackfile import StackFileError, read_yaml, stack_file_path

from . import kubernetes
from .base import NOT_A_SECRET, Problems, encrypted, holds_secrets
from .errors import ConfigError
from .root import KEYS, STRUCTURED, StackSettings, types_in
from .validation import validate

READ_NAMESPACES = ("azure-native", "pulumi", "random")
"""Config namespaces besides the project's that something in the stack reads (the providers)."""
STACK_FILE_KEYS = ("config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt")
"""Top-level keys of a ``Pulumi.<stack>.yaml`` (Pulumi's stack settings)."""

_DECLARED = {field.alias or name: field for name, field in StackSettings.model_fields.items()}


def _typed(key: str, text: str) -> Any:
    """A config value as the schema expects it: Pulumi hands over every value as a string, and
    structured ones (YAML lists and mappings) as JSON."""
    kinds = types_in(_DECLARED[key].annotation)
    structured = key in STRUCTURED or bool in kinds or int in kinds
    if not (structured or text.startswith("{")):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    # a value the stack file holds encrypted, read without the CLI (the offline tools)
    return value if structured or encrypted(value) else text


def parse_settings(namespace: str, raw: Mapping[str, str | None], stack: str = "dev"
                   ) -> StackSettings:
    """Validate raw config values of ``namespace`` (strings, as Pulumi hands them over; None or
    empty when unset) for stack ``stack``, whose name is the environment unless one is set.

    Raises :class:`ConfigError` listing every problem, all in one round.
    """
    values: dict[str, Any] = {}
    for key, text in raw.items():
        if text in (None, ""):
            continue
        value = _typed(key, str(text)) if key in KEYS else text
        if value == {} and key in KEYS and _DECLARED[key].default is None:
            continue  # an empty mapping turns an optional block off
        values[key] = value
    values.setdefault("environment", stack)
    settings, problems = validate(namespace, values)
    if not raw.get("environment"):
        problems = [x.replace(f"{namespace}:environment = ",
                              f"{namespace}:environment (unset: the stack's name) = ")
                    for x in problems]
    if problems:
        raise ConfigError(problems)
    return settings


def unread_keys(namespace: str, configured: list[str]) -> Problems:
    """Keys in a namespace nothing in the stack reads (likely a typo of the project's name)."""
    problems = []
    for full_key in sorted(configured):
        prefix, _, key = full_key.partition(":")
        if prefix != namespace and prefix not in READ_NAMESPACES:
            close = difflib.get_close_matches(prefix, [namespace, *READ_NAMESPACES], n=1)
            hint = f"did you mean {close[0]}:{key}?" if close else \
                f"the stack reads {namespace}:<key> and its providers' namespaces"
            problems.append(f"{full_key} is in a namespace nothing in this stack reads; {hint}")
    return problems


def secrets_where_none_go(namespace: str, secret_keys: Iterable[str]) -> Problems:
    """Keys set with ``--secret`` (or holding a value set so, ``--path``) that the stack has no
    secret in: the CLI decrypts them into the program (pulumi/pulumi pkg/resource/deploy
    source_eval.go ``Iterate``: "Decrypt the configuration", the secret keys handed over beside
    it), and the stack would put them into Azure as they are."""
    return [f"{namespace}:{key} (a secret, not shown) is not allowed: {NOT_A_SECRET}"
            for key in sorted(k.partition(":")[2] for k in secret_keys
                              if k.partition(":")[0] == namespace)
            if key in _DECLARED and not holds_secrets(_DECLARED[key].annotation)]


def stack_file_problems(path: Path) -> Problems:
    """What the Pulumi CLI refuses in a stack file (YAML it cannot read, a key written twice), and
    top-level keys it does not read (config there is silently ignored), each with its line."""
    try:
        data = read_yaml(path)
    except StackFileError as error:
        return error.problems
    if not isinstance(data, dict):
        return [f"{path.name}: a stack file is a YAML mapping with a config: block"] if data else []
    problems = []
    for key in sorted(set(data) - set(STACK_FILE_KEYS)):
        close = difflib.get_close_matches(key, STACK_FILE_KEYS, n=1)
        hint = f"did you mean {close[0]}:?" if close else \
            "settings go under config:, as <project>:<key>: <value>"
        problems.append(f"{path.name}: top-level key {key!r} is not read by Pulumi; {hint}")
    return problems


def project_files_problems(stack: str) -> Problems:
    """What is wrong in the running stack's project file and stack file
    (:func:`stack_file_problems`).

    The project is found as the Pulumi CLI finds it, from the folder the program runs in (the
    project's, or its ``main:`` folder) upwards to the first ``Pulumi.yaml`` (pulumi/pulumi
    sdk/go/common/workspace/paths.go ``DetectProjectPathFrom``); the stack file as the CLI finds
    it (:func:`components.stackfile.stack_file_path`). Outside a project: none.
    """
    here = Path.cwd().resolve()
    project_dir = next((d for d in (here, *here.parents) if (d / "Pulumi.yaml").is_file()), None)
    if project_dir is None:
        return []
    try:
        stack_file = stack_file_path(project_dir, stack, read_yaml(project_dir / "Pulumi.yaml"))
    except StackFileError as error:
        return error.problems
    return stack_file_problems(stack_file) if stack_file.exists() else []


def load_settings(config: pulumi.Config | None = None) -> StackSettings:
    """Read and validate the running stack's settings: its config, and its project and stack
    files as the Pulumi CLI reads them."""
    config = config or pulumi.Config()
    namespace, stack = config.name, pulumi.get_stack()
    configured = [*runtime_config.CONFIG.get(), *runtime_config.get_config_env()]
    raw = {key.partition(":")[2]: config.get(key.partition(":")[2]) for key in configured
           if key.partition(":")[0] == namespace}
    problems = project_files_problems(stack)
    problems += unread_keys(namespace, configured)
    problems += kubernetes.key_in_clear(namespace, raw)
    problems += secrets_where_none_go(namespace, filter(runtime_config.is_config_secret,
                                                        configured))
    try:
        settings = parse_settings(namespace, raw, stack)
    except ConfigError as error:
        problems = error.problems + problems
    if problems:
        raise ConfigError(problems)
    return settings
