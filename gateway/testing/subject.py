"""The adapter under test, its simulator, and the calls into them that name what failed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.model import CommandName
from gateway.sdk.adapter import Adapter, Capability
from gateway.testing.handle import NotApplicable, SimulatorHandle

__all__ = ["Subject", "call", "simulated", "sample_command", "skip_unless"]

# A command every device of a kind should accept, most harmless first.
_SAMPLES: tuple[tuple[CommandName, dict[str, Any]], ...] = (
    (CommandName.RELEASE, {}),
    (CommandName.PTZ_STOP, {}),
    (CommandName.SET_MODE, {"mode": "free"}),
    (CommandName.SET_PATTERN, {"pattern": 1}),
    (CommandName.GOTO_PRESET, {"preset": "1"}),
)


@dataclass(frozen=True, slots=True)
class Subject:
    """What the kit checks: an adapter class, a factory of simulator handles, and the profile
    the device uses (None: the handle's entry decides)."""

    adapter: type[Adapter]
    simulator: Callable[[], SimulatorHandle]
    profile: str | None = None
    profile_dirs: tuple[Path, ...] = ()

    @property
    def name(self) -> str:
        return self.adapter.info.name

    def has(self, capability: Capability) -> bool:
        return capability in self.adapter.info.capabilities


def _refuse(owner: object, method: str, err: NotImplementedError) -> None:
    pytest.fail(f"{type(owner).__name__}.{method}() is not implemented yet: {err}",
                pytrace=False)


def call(handle: SimulatorHandle, method: str, *args: Any) -> Any:
    """A handle hook: NotImplementedError fails naming it, NotApplicable skips with its
    reason."""
    try:
        return getattr(handle, method)(*args)
    except NotImplementedError as err:
        _refuse(handle, method, err)
    except NotApplicable as err:
        pytest.skip(f"{type(handle).__name__}.{method}(): {err}")


async def call_async(handle: SimulatorHandle, method: str) -> Any:
    try:
        awaitable: Awaitable[Any] = getattr(handle, method)()
        return await awaitable
    except NotImplementedError as err:
        _refuse(handle, method, err)


def skip_unless(subject: Subject, handle: SimulatorHandle, check: str) -> None:
    reason = call(handle, "not_applicable", check)
    if reason:
        pytest.skip(f"{type(handle).__name__}: {reason}")


@asynccontextmanager
async def simulated(subject: Subject, check: str
                    ) -> AsyncIterator[tuple[SimulatorHandle, dict[str, Any]]]:
    """A started simulator and its device entry (with the subject's profile), closed after."""
    handle = subject.simulator()
    if not isinstance(handle, SimulatorHandle):
        missing = [m for m in ("start", "close", "silent", "malformed", "wrong_credentials",
                               "reboot", "trigger_event", "not_applicable")
                   if not callable(getattr(handle, m, None))]
        pytest.fail(f"{type(handle).__name__} is not a SimulatorHandle: it lacks "
                    f"{', '.join(missing)}", pytrace=False)
    skip_unless(subject, handle, check)
    device = dict(await call_async(handle, "start"))
    try:
        if subject.profile is not None:
            device["profile"] = subject.profile
        yield handle, device
    finally:
        await handle.close()


def sample_command(subject: Subject, handle: SimulatorHandle) -> tuple[str, dict[str, Any]]:
    """The handle's `sample_command`, else the first harmless one the adapter declares."""
    chosen = getattr(handle, "sample_command", None)
    if chosen is not None:
        name, args = chosen
        return str(name), dict(args)
    for name, args in _SAMPLES:
        if name in subject.adapter.info.commands:
            return name.value, dict(args)
    pytest.skip("no harmless sample command among the adapter's commands; set "
                "`sample_command` on the simulator handle")
