"""A key vault secret on its own: put through ARM, its value out of the history."""

from __future__ import annotations

import pulumi

from components import (
    vault_secret,
)

from .kit import GROUP, run


def test_a_secret_is_put_through_arm_with_its_value_kept_out_of_the_history() -> None:
    def program() -> None:
        vault_secret("s", key_vault_id=f"{GROUP}/Microsoft.KeyVault/vaults/kv-team",
                     secret_name="api-key", value=pulumi.Output.secret("not-real"))
    props = run(program).one("resources:Deployment").inputs["properties"]
    assert props["template"]["parameters"]["value"] == {"type": "secureString"}
    assert props["template"]["resources"][0]["type"] == "Microsoft.KeyVault/vaults/secrets"
    assert props["parameters"]["vaultName"] == {"value": "kv-team"}
