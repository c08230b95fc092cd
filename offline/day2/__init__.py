"""The day-2 plan: the steps ``pulumi up`` or ``pulumi destroy`` would take from one state of a
stack to another, in the engine's order, each checked against what Azure and Pulumi do.

The modules, each importing only those before it:

* :mod:`~offline.day2.model`: steps, plans, findings and their verdicts;
* :mod:`~offline.day2.inputs`: input paths, and what the engine sends for them;
* :mod:`~offline.day2.engine`: the engine's steps from a state to a program;
* :mod:`~offline.day2.azure`: what exists in Azure while the steps run, and what a refresh reads;
* :mod:`~offline.day2.rules`: what Azure and Pulumi do with each step, each with its source;
* :mod:`~offline.day2.check`: the engine's steps replayed against Azure, checked by every rule;
* :mod:`~offline.day2.render`: a plan as text, Markdown and JSON;
* :mod:`~offline.day2.cli`: the sides of a plan and ``python -m offline.plan``.
"""
