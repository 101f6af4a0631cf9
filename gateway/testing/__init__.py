"""The adapter conformance kit: a pytest plugin and the `SimulatorHandle` it drives.

Use: `pytest_plugins = ("gateway.testing.plugin",)` in an adapter's test module, then
subclass `AdapterConformance` (see gateway.testing.conformance for a worked example).
"""

from gateway.testing.conformance import AdapterConformance, run_check
from gateway.testing.handle import CHECKS, NotApplicable, SimulatorHandle
from gateway.testing.subject import Subject

__all__ = ["AdapterConformance", "CHECKS", "NotApplicable", "SimulatorHandle", "Subject",
           "run_check"]
