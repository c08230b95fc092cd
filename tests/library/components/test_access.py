"""Role assignments on their own: the roles the library grants and the ones it refuses."""

from __future__ import annotations

import pytest

from components import (
    grant,
)
from components.testing.mocks import SUBSCRIPTION_ID

from .kit import GROUP, identity, run


def test_grant_refuses_unknown_and_privileged_group_roles() -> None:
    with pytest.raises(ValueError, match="unknown built-in role 'Superuser'"):
        run(lambda: grant(identity(), "x", identity("id-b").principal, "Superuser", GROUP))
    with pytest.raises(ValueError, match="refusing to grant Owner"):
        run(lambda: grant(identity(), "x", identity("id-b").principal, "Owner",
                          f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ml"))
