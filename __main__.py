"""Azure Machine Learning, identity first: one stack per environment (Pulumi.<stack>.yaml).

The stack's settings are read from config and validated before any resource (stack/config/),
the library's components are wired into the environment (stack/program.py), and what other
systems need is exported (stack/outputs.py).
"""

import gc

from stack.config import load_settings
from stack.outputs import export
from stack.program import Platform

# The program runs once per preview or update and exits, and nearly every object it makes lives
# until the end; with Python's default thresholds the cycle collector rescans that growing graph
# again and again. Collecting the young generation every 50,000 allocations instead of 700 keeps
# the cost per workload flat from 1 to 50 endpoints (benchmarks/, docs/performance.md).
gc.set_threshold(50_000, 50, 100)

export(Platform(load_settings()))
