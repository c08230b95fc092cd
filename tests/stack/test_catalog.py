"""Every resource type that a stack or a component registers has a complete entry in the catalog
(components/catalog.py), and the policy pack's copy of the catalog is the catalog as it is."""

from __future__ import annotations

import pytest

from components import catalog
from components.testing.runner import StackRun
from offline.policy_catalog import PATH, render
from stack.config.stack import RESOURCE_GROUP

ENTRIES = sorted(catalog.TYPES.values(), key=lambda t: t.token)
VERDICTS = (catalog.REFUSED, catalog.LIES, catalog.AT_RISK)
MOCKED_BY_FAMILY = ("random:", "pulumi:providers:", "kubernetes:")
"""Types the mocks answer for by their provider, not from an id in the catalog."""


def test_every_type_the_stacks_register_has_a_catalog_entry(dev: StackRun, prod: StackRun,
                                                            aks: StackRun,
                                                            everything: StackRun) -> None:
    for run in (dev, prod, aks, everything):
        for r in run.resources.values():
            if not r.custom:
                continue
            entry = catalog.get(r.type)  # KeyError naming the type when it has none
            assert entry.retired is None, f"{r.name}: {r.type} is retired: {entry.retired}"
            assert entry.kinds == () or entry.kind(r.inputs) is not None, \
                f"{r.name}: no kind of {r.type} for {entry.kind_input}"
            assert entry.creation(r.inputs).seconds >= 0


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda t: t.token)
def test_every_entry_is_complete(entry: catalog.ResourceType) -> None:
    assert entry.label and entry.label == entry.label.lower() != entry.token
    # the mocks make its id and the day-2 plan knows when the provider replaces it
    assert entry.id_template or entry.provider_id or entry.token.startswith(MOCKED_BY_FAMILY)
    assert entry.replaces
    if entry.name is not None:  # the name Azure knows it by names it in its id
        assert entry.name in (entry.path_parameters or entry.replaces)
    if entry.retired is None:  # the critical path knows how long it takes, for every kind
        assert entry.created_in or (entry.kinds and entry.kind_input)
        assert all(t.source for t in (entry.created_in, *(k.created_in for k in entry.kinds))
                   if t is not None)
    assert bool(entry.kinds) == bool(entry.kind_input)
    kinds: list[catalog.ResourceType | catalog.Kind] = [entry, *entry.kinds]
    for fact in (f for k in kinds for f in k.fixed):
        assert fact.source and fact.why and fact.verdict in VERDICTS
    assert all(fill.source for k in kinds for fill in k.fills)
    for k in kinds:  # each requirement names a type of the catalog, with its reason
        assert all(catalog.find(token) and why for token, why in k.requires.items()), k.requires


def test_labels_name_one_type_each() -> None:
    labels = [t.label for t in ENTRIES]
    assert len(set(labels)) == len(labels)


def test_a_type_is_registered_once_and_found_by_its_token() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        catalog.register(catalog.get(RESOURCE_GROUP))
    with pytest.raises(KeyError, match="azure-native:batch:Pool is not in the catalog"):
        catalog.get("azure-native:batch:Pool")


def test_the_policy_packs_copy_is_fresh() -> None:
    assert PATH.read_text() == render(), "run python -m offline.policy_catalog"
