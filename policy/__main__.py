"""The ml-platform guardrails policy pack: pulumi preview --policy-pack policy."""

import os
import sys

from pulumi_policy import EnforcementLevel, PolicyPack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from policies import POLICIES

PolicyPack(name="ml-platform-guardrails", policies=POLICIES,
           enforcement_level=EnforcementLevel.MANDATORY)
