"""A section of the stack's configuration: the keys it owns, the rules it checks across keys, the
identities it creates and how it builds its part of the stack.

Validation and the program walk the same list of sections (:data:`stack.config.sections.SECTIONS`):
the identities a section reports are the ones :class:`~stack.program.Platform` creates for it, and
the ones validation checks the names of.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .base import Keys, Problems

if TYPE_CHECKING:
    from ..program import Platform
    from .root import StackSettings


class Identity(NamedTuple):
    """A user-assigned identity a section creates: its purpose (``id-<workload>-<env>-<purpose>``)
    and the config key it comes from."""

    purpose: str
    key: str


Rule = Callable[["StackSettings", Keys], Problems]
"""A rule across keys: what is wrong in the settings, each problem naming its keys (``k``)."""


def _none(settings: StackSettings) -> list[Identity]:
    return []


def _nothing(platform: Platform) -> None:
    return None


@dataclass(frozen=True)
class Section:
    """One part of the stack's configuration."""

    keys: tuple[str, ...]
    """The top-level config keys it owns."""
    rules: tuple[Rule, ...] = ()
    """Its rules across keys; the rules of each entry are the entry model's own
    (:meth:`~stack.config.base.ConfigModel.rules`)."""
    identities: Callable[[StackSettings], list[Identity]] = _none
    """The user-assigned identities it creates, in the order it creates them."""
    build: Callable[[Platform], None] = _nothing
    """Registers its resources into the platform, once the identities it reported exist."""
