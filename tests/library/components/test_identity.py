"""A user-assigned identity on its own: a principal that role assignments can name."""

from __future__ import annotations

from components import (
    Principal,
    grant,
)

from .kit import GROUP, identity, run


def test_an_identity_is_a_principal_role_assignments_can_name() -> None:
    def program() -> None:
        me = identity()
        assert isinstance(me.principal, Principal)
        grant(me, "me-vault", me.principal, "Key Vault Secrets User",
              f"{GROUP}/Microsoft.KeyVault/vaults/kv")
    r = run(program)
    assignment = r.one("RoleAssignment").inputs
    assert assignment["principalId"] == r.one("UserAssignedIdentity").outputs["principalId"]
    assert assignment["principalType"] == "ServicePrincipal"
