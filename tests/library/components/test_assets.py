"""The asset store on its own: versions named by content, uploads with Entra ID."""

from __future__ import annotations

from components import (
    AssetStore,
    AssetStoreArgs,
)
from components.blob_upload import ENTRA_BLOB
from components.propagation import ROLE_PROPAGATION_HOOK

from ...conftest import PROJECT_DIR
from .kit import existing, run


def test_assets_are_versions_named_by_content_and_never_updated() -> None:
    def program() -> None:
        store = AssetStore("assets", AssetStoreArgs(workspace=existing()))
        store.model("m", PROJECT_DIR / "samples/score/model")
        store.model("m", PROJECT_DIR / "samples/score/model")  # the same content: registered once
    r = run(program)
    model = r.one("machinelearningservices:ModelVersion")
    assert model.ignore_changes == ["properties.tags", "properties.description"]
    assert r.one("machinelearningservices:Datastore").inputs["properties"]["credentials"] == {
        "credentialsType": "None"}


def test_uploads_go_in_with_entra_id_and_an_earlier_key_based_blob_is_replaced_first() -> None:
    r = run(lambda: AssetStore("assets", AssetStoreArgs(workspace=existing(), protect=True))
            .upload_file("data/labels.json", PROJECT_DIR / "samples/score/data/labels.json"))
    [blob] = r.of_type(ENTRA_BLOB)
    assert blob.inputs["accountUrl"] == "https://stmlw-team.blob.core.windows.net/"
    assert (blob.inputs["container"], blob.inputs["blobName"]) == ("ml-assets", "data/labels.json")
    assert len(blob.inputs["sha256"]) == 64
    assert blob.aliases == [blob.urn.replace(ENTRA_BLOB, "azure-native:storage:Blob")]
    assert blob.delete_before_replace and blob.retain_on_delete  # protect: kept with its data
    assert blob.deleted_with == r.one("storage:BlobContainer").urn
    assert blob.error_hooks == [ROLE_PROPAGATION_HOOK]  # a fresh data role is waited for
