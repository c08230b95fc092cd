"""The stack's configuration: one declarative schema of every config key, read and validated at
once, by section.

Each key is declared once, as a field of a pydantic model: its type, default, description and
constraint. From these models come the ``config:`` block of ``Pulumi.yaml``, the JSON Schema
editors use for ``Pulumi.<stack>.yaml`` and the docs' configuration reference
(``python -m stack.schema``; tests keep all three current).

Each section (:data:`SECTIONS`, a module each) declares its entries, its rules across keys and
entries, the identities it creates and how it builds its part of the stack; validation and the
program (:class:`stack.program.Platform`) walk the same sections. Every problem is collected and
raised as one :class:`ConfigError` that names each config key (with its list path), the value
found and what is allowed, before the program registers a single resource; keys the stack does
not read are refused with a suggestion. ``ConfigError`` is a :class:`pulumi.RunError`, so the
Pulumi CLI prints the message without a Python traceback.
"""

from components.arguments import NetworkAccess

from .base import IdentityChoice
from .errors import ConfigError, allowed
from .root import KEYS, STRUCTURED, StackSettings
from .section import Identity, Section
from .sections import SECTIONS
from .source import (
    READ_NAMESPACES,
    STACK_FILE_KEYS,
    load_settings,
    parse_settings,
    stack_file_problems,
    unread_keys,
)
from .tags import resource_tags

__all__ = ["KEYS", "READ_NAMESPACES", "SECTIONS", "STACK_FILE_KEYS", "STRUCTURED", "ConfigError",
           "Identity", "IdentityChoice", "NetworkAccess", "Section", "StackSettings", "allowed",
           "load_settings", "parse_settings", "resource_tags", "stack_file_problems",
           "unread_keys"]
