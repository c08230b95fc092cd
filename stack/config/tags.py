"""The tags section: the tags on every resource, beside the ones the stack sets itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Keys, Problems
from .section import Section

if TYPE_CHECKING:
    from .root import StackSettings

MAX_TAGS = 50
"""Tags a resource can have (ARM "Use tags to organize your Azure resources", Limitations)."""
STACK_TAGS = ("workload", "environment", "managed-by")
"""Tags the stack puts on every resource itself."""
_TAG_NAME_FORBIDDEN = set('<>%&\\?/')  # the same page: tag names may not contain these


def resource_tags(s: StackSettings) -> dict[str, str]:
    """The tags of every resource of the stack."""
    return {"workload": s.workload, "environment": s.names.environment, "managed-by": "pulumi",
            **s.tags}


def _tags(s: StackSettings, k: Keys) -> Problems:
    p = []
    for name, value in s.tags.items():
        if not name or len(name) > 512 or set(name) & _TAG_NAME_FORBIDDEN:
            p.append(f"{k('tags', name)} = {name!r} is not allowed: a tag name of 1-512 "
                     "characters without < > % & \\ ? /")
        elif len(name) > 128:  # storage accounts take tag names of at most 128 characters
            p.append(f"{k('tags', name)} = {name!r} is not allowed: at most 128 characters (the "
                     "limit storage accounts set)")
        if len(value) > 256:
            p.append(f"{k('tags', name)} = {value!r} is not allowed: a string of at most 256 "
                     "characters")
        if name in STACK_TAGS:
            p.append(f"{k('tags', name)} = {value!r} is not allowed: a tag the stack sets itself "
                     f"({', '.join(STACK_TAGS)})")
    if len(s.tags) > MAX_TAGS - len(STACK_TAGS):
        p.append(f"{k('tags')} = {len(s.tags)} tags is not allowed: at most "
                 f"{MAX_TAGS - len(STACK_TAGS)} (ARM allows {MAX_TAGS} per resource and the stack "
                 f"sets {len(STACK_TAGS)})")
    return p


SECTION = Section(keys=("tags",), rules=(_tags,))
