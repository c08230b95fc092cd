"""Test a Pulumi program that uses these components, offline, with no Azure account and no CLI.

:class:`AzureMocks` answers like Azure Resource Manager (resource ids, principal and client ids of
identities, endpoint URIs, the invokes the components make), and :func:`run_stack` runs a
project's real program with a stack's real config files under those mocks, recording every
resource registration (:class:`StackRun`, :class:`Registration`)::

    from components.testing import run_stack

    def test_the_endpoint_runs_as_its_own_identity():
        run = run_stack("dev", project="path/to/project")
        endpoint = run.one("azure-native:machinelearningservices:OnlineEndpoint")
        assert endpoint.inputs["identity"]["type"] == "UserAssigned"

:func:`run_program` runs a function as the program instead (a program written inside a test).
"""

from ..stackfile import StackFileError
from .mocks import AFTER_DEPLOY, FROM_LOGIN, AzureMocks
from .runner import (
                     Registration,
                     StackRun,
                     run_main,
                     run_program,
                     run_stack,
                     stack_config,
)

__all__ = ["AFTER_DEPLOY", "FROM_LOGIN", "AzureMocks", "Registration", "StackFileError",
           "StackRun", "run_main", "run_program", "run_stack", "stack_config"]
