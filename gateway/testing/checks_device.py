"""Checks of how an adapter talks to its device: identity, state, lifecycle and faults.

Each check takes the `Subject` and a scratch directory, starts its own simulator and gateway,
and fails with a message that says what the adapter did and what it should do instead.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import BaseModel

from gateway.adapters import AdapterCatalog
from gateway.model import CameraState, DeviceKind, EventType, SignalControllerState
from gateway.profiles import ProfileLibrary
from gateway.sdk.adapter import AdapterInfo, Capability, DeviceIdentity
from gateway.testing.rig import open_rig
from gateway.testing.subject import Subject, call, simulated
from gateway.yamlsource import YamlFileError

__all__ = ["check_adapter_info", "check_identity_and_health", "check_state_shape",
           "check_close", "check_silence", "check_malformed", "check_reboot"]

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MALFORMED_REASONS = frozenset({"decode_error", "protocol_error"})
_METHODS = {Capability.COMMANDS: "execute", Capability.EVENTS: "stream_events",
            Capability.SNAPSHOT: "snapshot"}


async def check_adapter_info(subject: Subject, tmp_path: Path) -> None:
    cls = subject.adapter
    info = getattr(cls, "info", None)
    assert isinstance(info, AdapterInfo), f"{cls.__name__}.info must be an AdapterInfo"
    assert SLUG.match(info.name), f"AdapterInfo.name {info.name!r} is not a slug"
    assert info.kinds, "AdapterInfo.kinds is empty"
    assert Capability.READ_STATE in info.capabilities, "every adapter reads state"
    for method in ("open", "read", "close"):
        assert callable(getattr(cls, method, None)), f"{cls.__name__} lacks {method}()"
    for capability, method in _METHODS.items():
        has = callable(getattr(cls, method, None))
        declared = capability in info.capabilities
        assert has == declared, (f"{cls.__name__}: capability {capability.value} is "
                                 f"{'' if declared else 'not '}declared but {method}() is "
                                 f"{'present' if has else 'missing'}")
    assert bool(info.commands) == (Capability.COMMANDS in info.capabilities), \
        "AdapterInfo.commands must be non-empty exactly when COMMANDS is declared"
    if info.options_model is not None:
        assert issubclass(info.options_model, BaseModel), "options_model must be pydantic"
    if subject.profile is not None:
        catalog = AdapterCatalog({info.name: cls})
        try:
            profile = ProfileLibrary(list(subject.profile_dirs), catalog).get(subject.profile)
        except YamlFileError as err:
            pytest.fail(f"profile {subject.profile} does not load:\n{err}", pytrace=False)
        assert profile.adapter == info.name and profile.kind in info.kinds


async def check_identity_and_health(subject: Subject, tmp_path: Path) -> None:
    async with simulated(subject, "identity_and_health") as (_, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        await rig.until_up()
        assert isinstance(rig.rt.identity, DeviceIdentity), \
            "open() must return a DeviceIdentity"
        assert rig.events_of(EventType.DEVICE_UP), "no device.up event after the first polls"
        status, body = await rig.get("/api/v1/devices")
        assert status == 200, body
        (item,) = [i for i in body["items"] if i["id"] == rig.device_id]
        assert item["adapter"] == subject.name and item["kind"] == device["kind"]
        assert item["vendor"] and item["model"], item
        assert item["health"]["status"] == "up", item
        status, health = await rig.get(f"/api/v1/devices/{rig.device_id}/health")
        assert status == 200 and health["last_seen"] and health["reason"] == "ok", health
        assert health["last_poll_latency_ms"] is not None, health


def _utc(value: datetime | None, what: str) -> None:
    if value is not None:
        assert value.utcoffset() is not None, f"{what} must be timezone-aware (UTC)"


async def check_state_shape(subject: Subject, tmp_path: Path) -> None:
    async with simulated(subject, "state_shape") as (_, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        first = await rig.until_up()
        assert first.reading is not None
        second = await rig.poll_until(lambda o: o.reading is not None, "second reading")
        assert second.reading is not None
        for reading in (first.reading, second.reading):
            state = reading.state
            _utc(state.received_at, "state.received_at")
            _utc(state.device_time, "state.device_time")
            _utc(reading.device_time, "Reading.device_time")
            assert type(state).model_validate_json(state.model_dump_json()) == state, \
                "the state does not survive a JSON round trip"
            if reading.uptime_s is not None:
                assert reading.uptime_s >= 0, f"uptime_s {reading.uptime_s} < 0"
            if device["kind"] == DeviceKind.SIGNAL_CONTROLLER:
                assert isinstance(state, SignalControllerState), \
                    f"a signal controller's state must be SignalControllerState, not " \
                    f"{type(state).__name__}"
                numbers = [p.number for p in state.phases]
                assert numbers, "a signal controller's state lists its phases"
                assert len(set(numbers)) == len(numbers) and min(numbers) >= 1, numbers
            else:
                assert isinstance(state, CameraState), \
                    f"a {device['kind']}'s state must be CameraState, not {type(state).__name__}"
                for stream in state.streams:
                    if stream.rtsp_uri:
                        parts = urlsplit(stream.rtsp_uri)
                        assert parts.username is None and parts.password is None, \
                            f"stream URI carries credentials: {stream.rtsp_uri}"
        assert second.reading.state.received_at >= first.reading.state.received_at
        status, body = await rig.get(f"/api/v1/devices/{rig.device_id}/state")
        assert status == 200 and body["kind"] == second.reading.state.kind, body


async def check_close(subject: Subject, tmp_path: Path) -> None:
    """close() before open(), twice in a row, and leaves no task of its own running."""
    async with simulated(subject, "close") as (_, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        await rig.until_up()
        gw = rig.gateway
        fresh = gw.registry.build(rig.rt.config, gw.loaded, gw.catalog)
        await fresh.adapter.close()  # never opened
        before = asyncio.all_tasks()
        timeout_s = max(rig.rt.config.poll.timeout_s * 3, 2.0)
        async with asyncio.timeout(timeout_s):
            await fresh.adapter.open()
        async with asyncio.timeout(rig.rt.config.poll.timeout_s):
            await fresh.adapter.read()
        await fresh.adapter.close()
        await fresh.adapter.close()
        home = _home(subject.adapter)
        deadline = time.monotonic() + 2.0
        while left := [t for t in asyncio.all_tasks() - before
                       if not t.done() and _runs_code_in(t, home)]:
            if time.monotonic() > deadline:
                pytest.fail("tasks the adapter started are still running after close(): "
                            + ", ".join(t.get_name() for t in left), pytrace=False)
            await asyncio.sleep(0.05)


def _home(adapter: type[object]) -> Path:
    return Path(inspect.getfile(adapter)).resolve().parent


def _runs_code_in(task: asyncio.Task[object], home: Path) -> bool:
    """Whether the task's coroutine is the adapter's own (the simulator shares the loop)."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and Path(code.co_filename).resolve().is_relative_to(home)


async def check_silence(subject: Subject, tmp_path: Path) -> None:
    async with simulated(subject, "silence") as (handle, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        await rig.until_up()
        poll = rig.rt.config.poll
        call(handle, "silent", True)
        outcome = await rig.poll()
        assert outcome.reason == "timeout", \
            f"a silent device must be reason 'timeout', got {outcome.reason!r} " \
            f"({outcome.message})"
        assert outcome.latency_s <= poll.timeout_s + 0.5, \
            f"the poll took {outcome.latency_s:.2f} s, past timeout_s={poll.timeout_s}"
        await rig.poll_until(lambda o: rig.rt.health.status.value == "down", "health down")
        assert rig.rt.health.health.reason == "timeout", rig.rt.health.health
        assert rig.events_of(EventType.DEVICE_DOWN), "no device.down event"
        call(handle, "silent", False)
        await rig.until_up(timeout_s=10.0)
        assert rig.events_of(EventType.DEVICE_UP)[-1].data.get("from") == "down"


async def check_malformed(subject: Subject, tmp_path: Path) -> None:
    async with simulated(subject, "malformed") as (handle, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        await rig.until_up()
        call(handle, "malformed", True)
        outcome = await rig.poll()
        partial = outcome.reading is not None and bool(outcome.reading.problems)
        assert outcome.reason in MALFORMED_REASONS or partial, \
            f"an undecodable answer must be reason decode_error or protocol_error (or a " \
            f"reading with problems), got {outcome.reason!r} ({outcome.message})"
        call(handle, "malformed", False)
        await rig.until_up(timeout_s=10.0)


async def check_reboot(subject: Subject, tmp_path: Path) -> None:
    async with simulated(subject, "reboot") as (handle, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        first = await rig.until_up()
        assert first.reading is not None
        if first.reading.uptime_s is None:
            pytest.skip("the adapter reports no device uptime (Reading.uptime_s), so the "
                        "gateway cannot detect reboots")
        assert first.reading.uptime_s >= 30, \
            f"{type(handle).__name__}.start() must give the device >= 60 s of uptime (it " \
            f"has {first.reading.uptime_s} s), or a reboot cannot be told from a restart"
        call(handle, "reboot")
        await rig.poll_until(lambda o: rig.rt.health.health.reboots_detected >= 1,
                             "reboot detected (uptime going back)")
        assert rig.events_of(EventType.DEVICE_REBOOTED), "no device.rebooted event"
        await rig.until_up(timeout_s=10.0)
