"""Dahua field faults against the gateway: error bodies, stalls, drops, bad parts, auth."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.camera import AlarmKind
from simulators.dahua import CgiQuirks
from tests.adapters.dahua.dahua_harness import (
    camera,
    entry,
    events,
    fixed_camera,
    health,
    set_alarm,
    until_up,
)
from tests.harness import Harness, run_gateway, wait_for


async def motion_starts(h: Harness, cam: str) -> int:
    return sum(1 for e in await events(h, cam)
               if e["type"] == "camera.motion" and e["data"]["active"] is True)


async def reason_is(h: Harness, cam: str, reason: str) -> bool:
    return str((await health(h, cam))["reason"]) == reason


@pytest.mark.parametrize("quirks,text", [
    (CgiQuirks(firmware="legacy"), "Bad Request!"),
    (CgiQuirks(firmware="2024"), "Not Implemented!"),
    (CgiQuirks(firmware="legacy", errors_with_200=True), "Bad Request!"),
], ids=["legacy-400", "2024-501", "error-body-with-200"])
async def test_error_body_on_a_read_is_a_protocol_error(tmp_path: Path, quirks: CgiQuirks,
                                                        text: str) -> None:
    async with camera(quirks=quirks) as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        sim.faults.broken.add("getCurrentTime")
        await wait_for(lambda: reason_is(h, cam, "protocol_error"), 5.0, "protocol_error")
        assert text in (await health(h, cam))["message"]
        sim.faults.broken.clear()
        await until_up(h, cam)


@pytest.mark.parametrize("quirks,status,outcome", [
    (CgiQuirks(firmware="legacy"), 409, "rejected"),
    (CgiQuirks(firmware="legacy", errors_with_200=True), 409, "rejected"),
    (CgiQuirks(firmware="2024"), 501, "rejected"),
], ids=["bad-request-400", "bad-request-with-200", "not-implemented-501"])
async def test_error_body_on_a_command(tmp_path: Path, quirks: CgiQuirks, status: int,
                                       outcome: str) -> None:
    async with camera(quirks=quirks) as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        sim.faults.broken.add("start")
        code, out = await h.command(cam, "ptz_move", {"pan": 0.5, "tilt": 0})
        assert code == status, out
        assert out["outcome"] == outcome and "PTZ start Right" in out["message"]
        assert not sim.model.moving


async def test_ok_is_required_even_with_http_200(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        sim.faults.overrides["ptz.cgi?start"] = b"Fail\r\n"
        code, out = await h.command(cam, "goto_preset", {"preset": "home"})
        assert code == 409 and "not OK" in out["message"], out


async def test_stalled_stream_is_reattached(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        await wait_for(lambda: sim.attach_connections == 1, 5.0, "the event stream")
        sim.stall_streams()  # heartbeats stop, TCP stays open
        await wait_for(lambda: sim.attach_connections >= 2, 8.0, "re-attach after a stall")
        set_alarm(sim, AlarmKind.MOTION, True)
        await wait_for(lambda: motion_starts(h, cam), 5.0, "motion after re-attach")
        _, diag = await h.get(f"/api/v1/devices/{cam}/diagnostics")
        assert any(x["operation"] == "events" and x["outcome"] == "timeout"
                   for x in diag["exchanges"])


async def test_dropped_stream_ends_alarms_and_is_reattached(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        await wait_for(lambda: sim.attach_connections == 1, 5.0, "the event stream")
        set_alarm(sim, AlarmKind.TAMPER, True)

        async def tamper(active: bool) -> bool:
            return any(e["type"] == "camera.tamper" and e["data"]["active"] is active
                       for e in await events(h, cam))
        await wait_for(lambda: tamper(True), 5.0, "tamper")
        sim.drop_streams()
        await wait_for(lambda: tamper(False), 5.0, "tamper ended by the lost stream")
        ended = [e for e in await events(h, cam) if e["type"] == "camera.tamper"][-1]
        assert ended["data"]["ended_by"] == "stream_lost"
        await wait_for(lambda: sim.attach_connections >= 2, 5.0, "re-attach after a drop")


async def test_malformed_parts_are_isolated(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        await wait_for(lambda: sim.attach_connections == 1, 5.0, "the event stream")
        sim.inject_malformed()
        set_alarm(sim, AlarmKind.MOTION, True)
        await wait_for(lambda: motion_starts(h, cam), 5.0, "motion after bad parts")
        assert sim.attach_connections == 1
        _, diag = await h.get(f"/api/v1/devices/{cam}/diagnostics")
        assert sum(1 for x in diag["exchanges"] if x["outcome"] == "decode_error") >= 2


@pytest.mark.parametrize("auth", ["digest", "both"])
async def test_wrong_password_is_auth_failed(tmp_path: Path, auth: str) -> None:
    quirks = CgiQuirks(auth=auth)  # type: ignore[arg-type]
    async with camera(quirks=quirks) as sim, \
            run_gateway([entry(sim, password="wrong-password")], tmp_path) as h:
        cam = sim.config.id
        await wait_for(lambda: reason_is(h, cam, "auth_failed"), 5.0, "auth_failed")
        assert "wrong-password" not in (await health(h, cam))["message"]


async def test_legacy_firmware_without_uptime_or_ptz(tmp_path: Path) -> None:
    quirks = CgiQuirks(firmware="legacy", auth="basic", uptime_cgi=False,
                       snapshot_channel_base=0)
    async with camera(fixed_camera(), quirks=quirks) as sim, \
            run_gateway([entry(sim, options={"snapshot_channel_base": 0})], tmp_path) as h:
        cam = sim.config.id
        body = await until_up(h, cam)
        assert body["ptz"]["supported"] is False
        hl = await health(h, cam)
        assert hl["uptime_s"] is None and hl["level"] == "stream_uri_obtained"
        async with h.http.get(f"{h.base}/api/v1/devices/{cam}/snapshot") as r:
            assert r.status == 200


async def test_reboot_is_detected(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        sim.model.boot_time -= 3600
        await wait_for(lambda: (h.gateway.registry.get(cam).health.health.uptime_s or 0) > 3000,
                       5.0, "an hour of uptime")
        sim.reboot()

        async def rebooted() -> bool:
            return any(e["type"] == "device.rebooted" for e in await events(h, cam, "device."))
        await wait_for(rebooted, 5.0, "device.rebooted")


async def test_latency_beyond_the_deadline_is_a_timeout_then_recovers(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim, timeout_s=0.3)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        sim.faults.latency_s = 0.5
        await wait_for(lambda: reason_is(h, cam, "timeout"), 5.0, "timeout")
        sim.faults.latency_s = 0.05
        await until_up(h, cam)
