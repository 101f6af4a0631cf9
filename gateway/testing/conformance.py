"""The adapter conformance kit, as a pytest plugin: the checks every adapter must pass.

An adapter's tests subclass `AdapterConformance` in `tests/adapters/<name>/
test_<name>_conformance.py`, naming the adapter class, a factory of `SimulatorHandle`s (see
gateway.testing.handle) and the profile, and load the kit's plugin (gateway.testing.plugin):

    pytest_plugins = ("gateway.testing.plugin",)

    class TestAcmeConformance(AdapterConformance):
        adapter = AcmeAdapter
        simulator = AcmeHandle          # a class, or staticmethod(factory)
        profile = "acme/generic"

Each check is one test (`test_<check>`), run on its own event loop against a fresh simulator
and an in-process gateway, so a failure names one behaviour. A check the device cannot do is
skipped with the reason; the end of the run prints, per adapter, what passed and why anything
was skipped. The checks run synchronously (asyncio.run), so they need no pytest-asyncio.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from gateway.testing.checks_api import (
    check_command_authorization,
    check_command_validation_and_audit,
    check_events,
    check_no_credentials_in_output,
    check_wrong_credentials,
)
from gateway.testing.checks_device import (
    check_adapter_info,
    check_close,
    check_identity_and_health,
    check_malformed,
    check_reboot,
    check_silence,
    check_state_shape,
)
from gateway.testing.handle import CHECKS, SimulatorHandle
from gateway.testing.subject import Subject

__all__ = ["AdapterConformance", "run_check", "CHECK_TIMEOUT_S", "PROPERTY"]

CHECK_TIMEOUT_S = 60.0
Check = Callable[[Subject, Path], Awaitable[None]]
_CHECKS: dict[str, Check] = {
    "adapter_info": check_adapter_info,
    "identity_and_health": check_identity_and_health,
    "state_shape": check_state_shape,
    "close": check_close,
    "silence": check_silence,
    "malformed": check_malformed,
    "wrong_credentials": check_wrong_credentials,
    "reboot": check_reboot,
    "command_authorization": check_command_authorization,
    "command_validation_and_audit": check_command_validation_and_audit,
    "events": check_events,
    "no_credentials_in_output": check_no_credentials_in_output,
}
assert tuple(_CHECKS) == CHECKS

PROPERTY = "junction_conformance"  # user property: (adapter, check), read by the plugin


async def _bounded(check: Check, subject: Subject, tmp_path: Path) -> None:
    async with asyncio.timeout(CHECK_TIMEOUT_S):
        await check(subject, tmp_path)


def run_check(subject: Subject, check: str, tmp_path: Path) -> None:
    """Run one check to completion on a fresh event loop (raises pytest outcomes)."""
    asyncio.run(_bounded(_CHECKS[check], subject, tmp_path))


class AdapterConformance:
    """Subclass as `Test<Name>Conformance`; set `adapter`, `simulator` and `profile`."""

    adapter: ClassVar[type[Any]]
    simulator: ClassVar[Callable[[], SimulatorHandle]]
    profile: ClassVar[str | None] = None
    profile_dirs: ClassVar[tuple[Path, ...]] = ()

    @classmethod
    def subject(cls) -> Subject:
        for name in ("adapter", "simulator"):
            if not hasattr(cls, name):
                raise TypeError(f"{cls.__name__}: set `{name}` (see gateway.testing."
                                "conformance)")
        factory = inspect.getattr_static(cls, "simulator")
        if isinstance(factory, staticmethod):
            factory = factory.__func__
        return Subject(cls.adapter, factory, cls.profile, tuple(cls.profile_dirs))

    def _check(self, check: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        subject = self.subject()
        label = f"{subject.name} ({subject.profile})" if subject.profile else subject.name
        request.node.user_properties.append((PROPERTY, (label, check)))
        run_check(subject, check, tmp_path)

    def test_adapter_info(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self._check("adapter_info", tmp_path, request)

    def test_identity_and_health(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self._check("identity_and_health", tmp_path, request)

    def test_state_shape(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self._check("state_shape", tmp_path, request)

    def test_close(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self._check("close", tmp_path, request)

    def test_silence(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self._check("silence", tmp_path, request)

    def test_malformed(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self._check("malformed", tmp_path, request)

    def test_wrong_credentials(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self._check("wrong_credentials", tmp_path, request)

    def test_reboot(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self._check("reboot", tmp_path, request)

    def test_command_authorization(self, tmp_path: Path,
                                   request: pytest.FixtureRequest) -> None:
        self._check("command_authorization", tmp_path, request)

    def test_command_validation_and_audit(self, tmp_path: Path,
                                          request: pytest.FixtureRequest) -> None:
        self._check("command_validation_and_audit", tmp_path, request)

    def test_events(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self._check("events", tmp_path, request)

    def test_no_credentials_in_output(self, tmp_path: Path,
                                      request: pytest.FixtureRequest) -> None:
        self._check("no_credentials_in_output", tmp_path, request)
