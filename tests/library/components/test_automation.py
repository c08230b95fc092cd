"""The CI identity on its own: federated credentials written one at a time."""

from __future__ import annotations

from components import (
    AutomationIdentity,
    AutomationIdentityArgs,
    FederatedCredential,
)

from .kit import existing, identity, run


def test_federated_credentials_are_written_one_at_a_time() -> None:
    r = run(lambda: AutomationIdentity("ci", AutomationIdentityArgs(
        workspace=existing(), identity=identity("id-ci"), credentials=[
            FederatedCredential(name="abc", issuer="https://token.actions.githubusercontent.com",
                                subject="repo:o/r:ref:x"),
            FederatedCredential(name="bcd", issuer="https://token.actions.githubusercontent.com",
                                subject="repo:o/r:ref:y")])))
    first, second = r.of_type("azure-native:managedidentity:FederatedIdentityCredential")
    assert first.urn in second.dependencies
