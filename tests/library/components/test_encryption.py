"""The customer-managed key on its own and with what it encrypts: the vault Microsoft requires,
the one role of its identity, what waits for it, and what a registry or a key cannot take."""

from __future__ import annotations

from typing import cast

import pytest

from components import (
    ContainerRegistry,
    ContainerRegistryArgs,
    EncryptionKey,
    EncryptionKeyArgs,
    EncryptionRef,
    UserIdentity,
    Workspace,
    WorkspaceArgs,
)
from components.arguments import ArgumentsError
from components.testing import StackRun

from ...conftest import grants
from .kit import PLACE, identity, run, waits_for

GRANT = "key-key-key-vault-crypto-service-encryption-user"


def encrypted(user: bool = True, sku: str = "Premium") -> StackRun:
    def program() -> None:
        key = EncryptionKey("key", EncryptionKeyArgs(
            key_vault_name="kvk-team", identity=identity("id-encryption"), **PLACE))
        acr = ContainerRegistry("acr", ContainerRegistryArgs(
            registry_name="crteam", sku="Premium", encryption=key.ref, **PLACE))
        Workspace("ws", WorkspaceArgs(
            workspace_name="mlw-team", storage_account_name="stteam", key_vault_name="kv-team",
            application_insights_name="appi-team", log_analytics_name="log-team", registry=acr,
            identity=identity() if user else None, encryption=key.ref, **PLACE))
    return run(program)


def test_the_key_is_in_a_vault_microsoft_takes_and_its_identity_holds_one_role_on_it() -> None:
    r = encrypted()
    vault = r.one("keyvault:Vault", "key-key-vault").inputs["properties"]
    # "The key vault must enable soft delete and purge protection" (concept-customer-managed-keys)
    assert (vault["enableSoftDelete"], vault["enablePurgeProtection"],
            vault["enableRbacAuthorization"]) == (True, True, True)
    key = r.one("keyvault:Key").inputs["properties"]
    assert (key["kty"], key["keySize"]) == ("RSA", 3072)
    assert key["rotationPolicy"]["attributes"]["expiryTime"] == "P2Y"  # checkov CKV_AZURE_40
    assert {g for g in grants(r) if g[0] == "id-encryption"} == {
        ("id-encryption", "Key Vault Crypto Service Encryption User", "cmk")}


def test_the_workspace_its_storage_and_the_registry_use_the_key_once_granted() -> None:
    r = encrypted()
    key = r.one("keyvault:Key")
    encryption_id = r.one("managedidentity:UserAssignedIdentity", "id-encryption").id
    ws = r.one("machinelearningservices:Workspace").inputs
    assert ws["encryption"] == {
        "status": "Enabled", "identity": {"userAssignedIdentity": encryption_id},
        "keyVaultProperties": {"keyVaultArmId": r.one("keyvault:Vault", "key-key-vault").id,
                               "keyIdentifier": key.outputs["keyUriWithVersion"]}}
    assert encryption_id in ws["identity"]["userAssignedIdentities"] and ws["hbiWorkspace"]
    # storage and registry take the key without its version: they follow its rotations
    storage = r.one("storage:StorageAccount").inputs
    assert storage["encryption"] == {
        "keySource": "Microsoft.Keyvault",
        "keyVaultProperties": {"keyName": "cmk",
                               "keyVaultUri": "https://kvk-team.vault.azure.net/"},
        "encryptionIdentity": {"encryptionUserAssignedIdentity": encryption_id}}
    assert storage["identity"] == {"type": "UserAssigned",
                                   "userAssignedIdentities": [encryption_id]}
    acr = r.one("containerregistry:Registry").inputs
    client_id = r.one("managedidentity:UserAssignedIdentity", "id-encryption").outputs["clientId"]
    assert acr["encryption"] == {"status": "enabled", "keyVaultProperties": {
        "identity": client_id, "keyIdentifier": key.outputs["keyUri"]}}
    assert acr["identity"]["userAssignedIdentities"] == {encryption_id: {}}
    for kind in ("machinelearningservices:Workspace", "storage:StorageAccount",
                 "containerregistry:Registry"):
        assert GRANT in waits_for(r, kind), kind


def test_a_system_assigned_workspace_holds_the_keys_identity_beside_its_own() -> None:
    ws = encrypted(user=False).one("machinelearningservices:Workspace").inputs
    assert ws["identity"]["type"] == "SystemAssigned,UserAssigned"
    assert len(ws["identity"]["userAssignedIdentities"]) == 1


def ref(private: bool) -> EncryptionRef:
    return EncryptionRef(key_vault_id="/v", key_vault_uri="https://v/", key_name="cmk",
                         key_uri="https://v/keys/cmk", key_uri_with_version="https://v/keys/cmk/1",
                         identity=cast(UserIdentity, object()), grants=(), private=private)


@pytest.mark.parametrize(("sku", "private", "words"), [
    ("Standard", False, "nothing unless sku is Premium"),
    ("Premium", True, "can only bypass the firewall when using its system-managed identity")])
def test_a_registry_is_encrypted_only_where_microsoft_documents_it(
        sku: str, private: bool, words: str) -> None:
    with pytest.raises(ArgumentsError) as refused:
        ContainerRegistryArgs(registry_name="crteam", sku=sku, encryption=ref(private), **PLACE)
    assert [p.argument for p in refused.value.problems] == [("encryption",)]
    assert words in str(refused.value)


def test_a_key_whose_versions_expire_before_the_next_is_made_is_refused() -> None:
    with pytest.raises(ArgumentsError) as refused:
        EncryptionKeyArgs(key_vault_name="kvk-team", identity=cast(UserIdentity, object()),
                          rotate_after="P1Y", expires_after="P14D", key_size=2048, **PLACE)
    assert [p.words().split(" is not allowed")[0] for p in refused.value.problems] == [
        "key_size = 2048", "expires_after = 'P14D'", "expires_after = 'P14D'"]
