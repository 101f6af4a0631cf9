"""Checks of what the gateway makes of an adapter: credentials, commands, events, secrecy."""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path
from typing import Any

import pytest

from gateway.model import COMMAND_ARGS, CommandName, EventType
from gateway.sdk.adapter import Capability
from gateway.testing.handle import NotApplicable
from gateway.testing.rig import OPERATOR, VIEWER_TOKEN, Rig, open_rig
from gateway.testing.subject import Subject, call, sample_command, simulated

__all__ = ["check_wrong_credentials", "check_command_authorization",
           "check_command_validation_and_audit", "check_events",
           "check_no_credentials_in_output"]

# Arguments the API must refuse (422) for each command that takes any.
_BAD_ARGS: dict[CommandName, dict[str, Any]] = {
    CommandName.SET_PATTERN: {"pattern": 0},
    CommandName.SET_MODE: {"mode": "disco"},
    CommandName.PTZ_MOVE: {"pan": 5, "tilt": 0},
    CommandName.GOTO_PRESET: {"preset": ""},
}


def _password(device: dict[str, Any]) -> str | None:
    creds = device.get("credentials") or {}
    secret = creds.get("password")
    return str(secret) if secret else None


def _assert_unsaid(secret: str, said: str, what: str) -> None:
    if secret in said:
        at = said.index(secret)
        pytest.fail(f"the {what} appears in the gateway's output: "
                    f"...{said[max(0, at - 200):at].strip()}<SECRET>...", pytrace=False)


async def check_wrong_credentials(subject: Subject, tmp_path: Path) -> None:
    async with simulated(subject, "wrong_credentials") as (handle, device):
        bad = call(handle, "wrong_credentials", dict(device))
        reasons = frozenset(getattr(handle, "auth_failure_reasons", {"auth_failed"}))
        async with open_rig(subject.adapter, bad, tmp_path,
                            profile_dirs=subject.profile_dirs) as rig:
            outcome = await rig.poll()
            assert outcome.reason in reasons, \
                f"wrong credentials must show as {'/'.join(sorted(reasons))}, got " \
                f"{outcome.reason!r} ({outcome.message})"
            health = rig.rt.health.health
            assert health.status.value == "down" and health.reason in reasons, health
            secret = _password(bad)
            if secret:
                _assert_unsaid(secret, await rig.everything_said(), "wrong password")


async def _ready_for_commands(subject: Subject, rig: Rig) -> None:
    if Capability.COMMANDS not in subject.adapter.info.capabilities:
        pytest.skip("the adapter declares no commands")
    await rig.until_up()


async def _audit(rig: Rig) -> list[dict[str, Any]]:
    status, body = await rig.get(f"/api/v1/audit?device={rig.device_id}&limit=1000")
    assert status == 200, body
    return list(body["items"])


async def check_command_authorization(subject: Subject, tmp_path: Path) -> None:
    async with simulated(subject, "command_authorization") as (handle, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        await _ready_for_commands(subject, rig)
        name, args = sample_command(subject, handle)
        status, body = await rig.command(name, args, token=None)
        assert status == 401, (status, body)
        status, body = await rig.command(name, args, token=secrets.token_urlsafe(24))
        assert status == 401, (status, body)
        status, body = await rig.command(name, args, token=VIEWER_TOKEN)
        assert status == 403, (status, body)
        outcomes = [(a["command"], a["outcome"]) for a in await _audit(rig)]
        assert outcomes.count((name, "unauthorized")) == 2, outcomes
        assert (name, "forbidden") in outcomes, outcomes
        assert not rig.events_of(EventType.COMMAND_EXECUTED), "a refused command was executed"


async def check_command_validation_and_audit(subject: Subject, tmp_path: Path) -> None:
    info = subject.adapter.info
    async with simulated(subject, "command_validation_and_audit") as (handle, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        await _ready_for_commands(subject, rig)
        expected: list[tuple[str, str]] = []
        status, body = await rig.command("warp_speed", {})
        assert status == 422, (status, body)
        expected.append(("warp_speed", "invalid"))
        lacking = [c for c in CommandName if c not in info.commands]
        if lacking:
            status, body = await rig.command(lacking[0].value, {})
            assert status == 501, (lacking[0].value, status, body)
            expected.append((lacking[0].value, "rejected"))
        with_args = [c for c in sorted(info.commands) if COMMAND_ARGS[c].model_fields]
        if with_args:
            bad = _BAD_ARGS[with_args[0]]
            status, body = await rig.command(with_args[0].value, bad)
            assert status == 422, (with_args[0].value, bad, status, body)
            expected.append((with_args[0].value, "invalid"))
        name, args = sample_command(subject, handle)
        status, body = await rig.command(name, args)
        assert status == 200, f"{name} {args} -> {status} {body}"
        assert body["outcome"] == "accepted" and body["actor"] == OPERATOR, body
        expected.append((name, "accepted"))
        audit = await _audit(rig)
        assert [(a["command"], a["outcome"]) for a in audit] == expected, audit
        assert all(a["actor"] == OPERATOR for a in audit), audit
        (executed,) = rig.events_of(EventType.COMMAND_EXECUTED)
        assert executed.data["audit_id"] == body["id"], executed
        await rig.until_up()  # the device is still fine after the command


async def check_events(subject: Subject, tmp_path: Path) -> None:
    async with simulated(subject, "events") as (handle, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        await rig.until_up()
        expected = EventType(call(handle, "trigger_event"))
        deadline = time.monotonic() + 10.0
        triggered = time.monotonic()
        while not rig.events_of(expected):
            if time.monotonic() > deadline:
                seen = sorted({e.type.value for e in rig.events})
                pytest.fail(f"no {expected.value} event within 10 s of "
                            f"{type(handle).__name__}.trigger_event() (saw: {seen})",
                            pytrace=False)
            if time.monotonic() - triggered > 1.0:
                call(handle, "trigger_event")
                triggered = time.monotonic()
            await rig.poll()  # polled state differences become events too
            await asyncio.sleep(0.1)
        event = rig.events_of(expected)[0]
        assert event.time.utcoffset() is not None, "event times must be timezone-aware"
        assert isinstance(event.data, dict)


async def check_no_credentials_in_output(subject: Subject, tmp_path: Path) -> None:
    async with simulated(subject, "no_credentials_in_output") as (handle, device), \
            open_rig(subject.adapter, device, tmp_path,
                     profile_dirs=subject.profile_dirs) as rig:
        secret = _password(device)
        if not secret:
            pytest.skip("the device entry carries no password: nothing to leak")
        await rig.until_up()
        if Capability.COMMANDS in subject.adapter.info.capabilities:
            await rig.command(*sample_command(subject, handle))
        if Capability.SNAPSHOT in subject.adapter.info.capabilities:
            await rig.get(f"/api/v1/devices/{rig.device_id}/snapshot")
        for fault in ("malformed", "silent"):  # error messages are where secrets leak
            try:
                getattr(handle, fault)(True)
            except (NotApplicable, NotImplementedError):
                continue
            await rig.poll()
            getattr(handle, fault)(False)
        _assert_unsaid(secret, await rig.everything_said(), "device password")
