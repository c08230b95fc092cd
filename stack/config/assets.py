"""The assets section: who runs ``pulumi up`` (it uploads models, code and the sample data, as
itself) and the asset store it uploads into."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from pulumi_azure_native import authorization

from components import AssetStore, AssetStoreArgs, Principal

from .section import Section

if TYPE_CHECKING:
    from ..program import Platform

PrincipalType = Literal["User", "ServicePrincipal"]

SAMPLE_BLOB_NAME = "samples/score/labels.json"
"""What ``sampleData`` creates for the sample scoring app (samples/score) to read."""


def deployer_principal_type(setting: str | None) -> str:
    """What the identity running ``pulumi up`` is, as role assignments name it: the setting, or a
    service principal when azure-native signs in as one (ARM_CLIENT_ID: a federated, managed or
    app identity), else a user (an Azure CLI login)."""
    return setting or ("ServicePrincipal" if os.environ.get("ARM_CLIENT_ID") else "User")


def _build(p: Platform) -> None:
    s = p.settings
    # Whoever runs pulumi up uploads the files, as itself, once granted the data role.
    p.deployer = Principal("deployer", p.client.object_id, authorization.PrincipalType(
        deployer_principal_type(s.deployer_principal_type)))
    deploys = any(e.deployments for e in s.online_endpoints) or any(
        e.deployments for e in s.batch_endpoints)
    p.assets = AssetStore("assets", AssetStoreArgs(
        workspace=p.workspace.ref, uploader=p.deployer, protect=p.protect, tags=p.tags)) \
        if deploys or s.sample_data else None
    p.sample_reads = list(p.secrets_made)
    if p.assets is not None and s.sample_data:  # and the blob it reads
        p.sample_reads.append(
            p.assets.upload_file(SAMPLE_BLOB_NAME, "samples/score/data/labels.json"))


SECTION = Section(keys=("deployerPrincipalType",), build=_build)
