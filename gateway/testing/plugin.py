"""The conformance kit's pytest plugin: a per-adapter summary of the checks at the end.

Load it from a test module with `pytest_plugins = ("gateway.testing.plugin",)` (or `-p
gateway.testing.plugin`). It reads the (adapter, check) user property that each
`AdapterConformance` test sets, and prints what passed, and why anything was skipped or failed.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.testing.conformance import PROPERTY
from gateway.testing.handle import CHECKS

__all__ = ["pytest_configure", "pytest_runtest_logreport", "pytest_terminal_summary"]

# adapter -> check -> ("passed" | "failed" | "skipped", reason)
_RESULTS: dict[str, dict[str, tuple[str, str]]] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: Junction adapter conformance checks")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    found = [value for key, value in report.user_properties if key == PROPERTY]
    if not found or (report.when != "call" and not report.failed):
        return
    value = found[0]
    assert isinstance(value, tuple)
    adapter, check = str(value[0]), str(value[1])
    outcome: str = report.outcome
    reason = ""
    if hasattr(report, "wasxfail"):  # a known defect, marked xfail by the adapter's tests
        outcome, reason = "xfailed", str(report.wasxfail)
    elif report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    elif report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        reason = str(getattr(crash, "message", "")).splitlines()[0][:200] if crash else ""
    _RESULTS.setdefault(adapter, {})[check] = (outcome, reason)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RESULTS:
        return
    terminalreporter.section("Junction adapter conformance")
    for adapter in sorted(_RESULTS):
        results = _RESULTS[adapter]
        counts = {o: sum(1 for r in results.values() if r[0] == o)
                  for o in ("passed", "skipped", "xfailed", "failed")}
        terminalreporter.write_line(f"{adapter}: " + ", ".join(
            f"{n} {o}" for o, n in counts.items() if n))
        for check in CHECKS:
            outcome, reason = results.get(check, ("not run", ""))
            if outcome != "passed":
                terminalreporter.write_line(f"    {check}: {outcome}"
                                            + (f" - {reason}" if reason else ""))
