"""The container registry on its own: no admin user, and an existing one only referenced, in its
own subscription."""

from __future__ import annotations

from components import (
    ContainerRegistry,
    ContainerRegistryArgs,
)

from .kit import GROUP, PLACE, run


def test_a_registry_has_no_admin_user_and_an_existing_one_is_only_referenced() -> None:
    created = run(lambda: ContainerRegistry("acr", ContainerRegistryArgs(registry_name="crteam",
                                                                          **PLACE)))
    acr = created.one("containerregistry:Registry").inputs
    assert (acr["adminUserEnabled"], acr["anonymousPullEnabled"]) == (False, False)
    referenced = run(lambda: ContainerRegistry("acr", ContainerRegistryArgs(
        existing_id=f"{GROUP}/Microsoft.ContainerRegistry/registries/crshared", **PLACE)))
    assert referenced.of_type("azure-native:containerregistry:Registry") == []


def test_a_registry_in_another_subscription_is_read_in_its_own() -> None:
    other = ("/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-images/"
             "providers/Microsoft.ContainerRegistry/registries/crimages")
    r = run(lambda: ContainerRegistry("registry", ContainerRegistryArgs(
        resource_group_name="rg-ml", location="westeurope", existing_id=other)))
    provider = r.one("pulumi:providers:azure-native")
    assert provider.inputs["subscriptionId"] == "22222222-2222-4222-8222-222222222222"
    assert r.of_type("azure-native:containerregistry:Registry") == []
