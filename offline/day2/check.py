"""A checked day-2 plan: the engine's steps (:mod:`~offline.day2.engine`), replayed one by one
against what exists in Azure (:mod:`~offline.day2.azure`), each asked of every rule
(:mod:`~offline.day2.rules`)."""

from __future__ import annotations

from collections.abc import Iterable

from components.access import ROLE_ASSIGNMENT
from components.testing.runner import StackRun

from ..words import grant_words
from .azure import Azure, soft_deleted
from .engine import plan_steps
from .model import CREATE, DELETE, DELETE_REPLACED, REPLACE, Plan, Step
from .rules import RULES, Context, fixed_at_creation


def check(plan: Plan, base: StackRun | None, reserved: set[tuple[str, str]]) -> None:
    """Run every rule on every step of ``plan`` from deployed ``base``, in order, recording the
    findings on the steps and the names the plan leaves soft-deleted in ``plan.reserved``."""
    azure = Azure.deployed(base)
    fresh = {s.resource.urn for s in plan.steps
             if s.resource.type == ROLE_ASSIGNMENT and s.op in (CREATE, REPLACE)}
    deleting = {s.resource.urn for s in plan.steps if s.op in (DELETE, DELETE_REPLACED, REPLACE)}
    ctx = Context(plan, fresh, reserved, deleting)
    for step in plan.steps:
        if step.op == REPLACE and step.delete_first and step.old is not None:
            azure.apply(Step(DELETE_REPLACED, step.old))
        for rule in RULES:
            finding = rule.find(step, azure, ctx)
            if finding:
                step.findings.append(finding)
        azure.apply(step)
    plan.reserved = {(r.type, r.azure_name) for r in azure.deleted
                     if soft_deleted(r) and r.azure_name}


def day2_plan(base: StackRun | None, head: StackRun | None, *, unprotect: bool = False,
              reserved: Iterable[tuple[str, str]] = ()) -> Plan:
    """The checked plan from ``base`` to ``head`` (None for either: nothing deployed, or
    ``pulumi destroy``). ``reserved`` are names a previous plan left soft-deleted."""
    either = head or base
    stack = either.stack if either else "?"
    steps = plan_steps(base, head, unprotect=unprotect, fixed=fixed_at_creation)
    words = {urn: "{role} on {scope} for {principal}".format(**grant_words(run, r))
             for run in filter(None, (base, head)) for urn, r in run.resources.items()
             if r.type == ROLE_ASSIGNMENT}
    plan = Plan(stack=stack, destroy=head is None, steps=steps, words=words)
    check(plan, base, set(reserved))
    return plan
