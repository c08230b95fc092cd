"""The Azure ML registry across stacks: dev and prod take the registry samples/registry owns, by
id or through a stack reference; deployments take its models and environments by id; what the
stack files refuse; and the day-2 plan of the registry's own stack."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from components.catalog import AT_RISK
from components.ml_registry import ML_REGISTRY
from components.testing.mocks import SUBSCRIPTION_ID, registry_stack
from components.testing.runner import Registration, StackRun, run_stack
from offline.day2.check import day2_plan

from ..conftest import (
    DEPLOYMENT,
    PROJECT_DIR,
    ROLE_ASSIGNMENT,
    SAMPLE,
    assert_refused,
    endpoint,
    grants,
    one,
    shared_run,
)

REGISTRY_PROJECT = PROJECT_DIR / "samples" / "registry"
SHARED = registry_stack("organization/ml-registry/shared")
"""What the registry's own stack exports (samples/registry), as a stack reference reads it."""
REGISTRY_ID = SHARED["registryId"]
OTHER = (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-x/providers/"
         "Microsoft.MachineLearningServices/registries/mlreg-other")
MODEL = "azureml://registries/mlreg-shared/models/score/versions/3"
ENVIRONMENT = "azureml://registries/mlreg-shared/environments/score-env/versions/3"
FROM_REGISTRY = {**SAMPLE, "name": "green", "model": MODEL, "environment": ENVIRONMENT,
                 "traffic": 100}
"""A deployment of the sample's scoring code with the registry's model and environment."""


def test_a_stack_reference_and_a_resource_id_grant_the_same_roles(dev: StackRun) -> None:
    by_id = shared_run("dev", {"mlRegistry": {"id": REGISTRY_ID, "publish": True}})
    on_registry = {(who, role) for who, role, scope in grants(dev) if scope == REGISTRY_ID}
    assert on_registry == {(who, role) for who, role, scope in grants(by_id)
                           if scope == REGISTRY_ID} != set()
    reference = one(dev, "pulumi:pulumi:StackReference")
    assert reference.inputs["name"] == "organization/ml-registry/shared"
    # every grant on the registry reads its id from the other stack's output
    assert all(reference.urn in a.dependencies for a in dev.of_type(ROLE_ASSIGNMENT)
               if a.inputs["scope"] == REGISTRY_ID)


def test_a_deployment_takes_the_registrys_model_and_environment_as_given() -> None:
    # dev's batch endpoint registers its own model: without it, nothing else would
    run = shared_run("dev", {**endpoint(FROM_REGISTRY), "batchEndpoints": []})
    props = one(run, DEPLOYMENT).inputs["properties"]
    assert (props["model"], props["environmentId"]) == (MODEL, ENVIRONMENT)
    # nothing of the model or environment is uploaded or registered in the workspace
    assert run.of_type("azure-native:machinelearningservices:ModelVersion") == []
    assert run.of_type("azure-native:machinelearningservices:EnvironmentVersion") == []


def test_prod_consumers_and_dev_publishers_hold_what_each_side_needs(prod: StackRun,
                                                                     dev: StackRun) -> None:
    def roles(run: StackRun) -> set[str]:
        return {role for _, role, scope in grants(run) if scope == REGISTRY_ID}
    # prod only reads the registry (and its workspace approves the private endpoint to it)
    assert roles(prod) == {"Reader", "Azure AI Enterprise Network Connection Approver"}
    assert roles(dev) == {"AzureML Registry User", "Reader"}


@pytest.mark.parametrize(("override", "words"), [
    (endpoint({**FROM_REGISTRY, "model": "azureml://registries/mlreg-shared/models/score"}),
     ["ml-platform:onlineEndpoints[0].deployments[0].model = "
      "'azureml://registries/mlreg-shared/models/score' is not allowed: a registry model id: "
      "azureml://registries/<registry>/models/<name>/versions/<version>"]),
    (endpoint({**FROM_REGISTRY, "environment": MODEL}),
     ["deployments[0].environment = ", "it names models, not environments"]),
    ({"mlRegistry": {"id": OTHER}, **endpoint(FROM_REGISTRY)},
     ["deployments[0].model = ", "is not allowed: an asset of ml-platform:mlRegistry.id "
      "(mlreg-other)", "deployments[0].environment = "]),
    ({"mlRegistry": None, **endpoint(FROM_REGISTRY)},
     ["deployments[0].model = ", "is not allowed: nothing without ml-platform:mlRegistry"]),
    ({"mlRegistry": {"id": REGISTRY_ID, "stack": "organization/ml-registry/shared"}},
     ["ml-platform:mlRegistry = ", "exactly one of id (the registry's resource id) or stack"]),
    ({"mlRegistry": {"stack": "ml-registry"}},
     ["ml-platform:mlRegistry.stack = 'ml-registry' is not allowed: a fully qualified stack "
      "name"]),
    ({"mlRegistry": {"id": REGISTRY_ID,
                     "publishers": [{"objectId": "11111111-aaaa-4bbb-8ccc-000000000001"}],
                     "consumers": [{"objectId": "11111111-aaaa-4bbb-8ccc-000000000001"}]}},
     ["ml-platform:mlRegistry.consumers = ['11111111-aaaa-4bbb-8ccc-000000000001'] is not "
      "allowed: people who are publishers already"]),
    ({"network": {"outboundRules": [{"name": "ml-registry", "fqdn": "a.example.com"}]}},
     ["ml-platform:network.outboundRules[0].name = 'ml-registry' is not allowed"]),
])
def test_registry_mistakes_are_refused_in_words(override: dict[str, Any],
                                                words: list[str]) -> None:
    assert_refused(override, words)


def test_microsofts_own_registry_needs_no_ml_registry() -> None:
    curated = "azureml://registries/azureml/environments/sklearn-1.5/versions/1"
    run = shared_run("dev", {"mlRegistry": None, **endpoint(
        {**SAMPLE, "name": "blue", "environment": curated, "traffic": 100})})
    assert one(run, DEPLOYMENT).inputs["properties"]["environmentId"] == curated


# --- the registry's own stack, day 2 -----------------------------------------------------------

@pytest.fixture(scope="module")
def shared() -> StackRun:
    return run_stack("shared", project=REGISTRY_PROJECT)


def _region_plan(shared: StackRun, regions: list[str], storage: str | None = None) -> set[str]:
    """The verdicts of the day-2 plan of the registry's stack with ``regions`` (and a storage
    SKU for every region)."""
    head = run_stack("shared", {"replicationLocations": regions}, REGISTRY_PROJECT)
    if storage:
        head.resources = {urn: _storage(r, storage) if r.type == ML_REGISTRY else r
                          for urn, r in head.resources.items()}
    plan = day2_plan(shared, head)
    return {f.verdict for s, f in plan.findings if s.resource.type == ML_REGISTRY}


def _storage(r: Registration, sku: str) -> Registration:
    inputs = copy.deepcopy(r.inputs)
    for region in inputs["regionDetails"]:
        region["storageAccountDetails"][0]["systemCreatedStorageAccount"][
            "storageAccountType"] = sku
    return dataclasses.replace(r, inputs=inputs)


def test_adding_a_region_is_an_update_and_changing_one_is_at_risk(shared: StackRun) -> None:
    assert _region_plan(shared, ["northeurope", "swedencentral"]) == set()  # added: documented
    assert _region_plan(shared, []) == {AT_RISK}  # a region removed
    assert _region_plan(shared, ["northeurope"], storage="Standard_ZRS") == {AT_RISK}


def test_what_azure_fills_in_a_region_is_kept_not_a_change(shared: StackRun) -> None:
    def filled(r: Registration) -> Registration:  # the state after a refresh: names Azure drew
        inputs = copy.deepcopy(r.inputs)
        for region in inputs["regionDetails"]:
            region["storageAccountDetails"][0]["systemCreatedStorageAccount"].update(
                storageAccountName="st1a2b3c", armResourceId={"resourceId": "/subscriptions/x"})
            region["acrDetails"][0]["systemCreatedAcrAccount"].update(acrAccountName="acr1a2b3c")
        return dataclasses.replace(r, inputs=inputs)
    refreshed = dataclasses.replace(shared, resources={
        urn: filled(r) if r.type == ML_REGISTRY else r for urn, r in shared.resources.items()})
    plan = day2_plan(refreshed, shared)
    assert [s for s in plan.steps if s.resource.type == ML_REGISTRY and s.changed] == []
    assert plan.findings == []
