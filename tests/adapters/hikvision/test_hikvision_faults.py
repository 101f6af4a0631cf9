"""ISAPI field faults against the gateway: stalls, bad parts, bombs, auth, firmware variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.camera import AlarmKind
from simulators.hikvision import IsapiQuirks, isapi
from tests.adapters.hikvision.hik_harness import (
    camera,
    entry,
    events,
    health,
    set_alarm,
    until_up,
)
from tests.harness import Harness, run_gateway, wait_for

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<DeviceStatus><currentDeviceTime>&lol3;</currentDeviceTime></DeviceStatus>"""


async def motion_events(h: Harness, cam: str, active: bool) -> int:
    return sum(1 for e in await events(h, cam)
               if e["type"] == "camera.motion" and e["data"]["active"] is active)


async def test_stalled_alert_stream_is_reopened_and_events_flow_again(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        await wait_for(lambda: sim.alert_connections == 1, 5.0, "the alert stream")
        sim.stall_streams()  # TCP stays open, heartbeats stop
        await wait_for(lambda: sim.alert_connections >= 2, 8.0, "a reconnect after the stall")
        _, diag = await h.get(f"/api/v1/devices/{cam}/diagnostics")
        assert any(x["operation"] == "events" and x["outcome"] == "timeout"
                   for x in diag["exchanges"]), diag["exchanges"]
        set_alarm(sim, AlarmKind.MOTION, True)
        await wait_for(lambda: motion_events(h, cam, True), 5.0, "motion after the reconnect")


async def test_malformed_parts_are_isolated(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        await wait_for(lambda: sim.alert_connections == 1, 5.0, "the alert stream")
        sim.inject_malformed()  # a lying Content-Length, then cut-off XML
        set_alarm(sim, AlarmKind.MOTION, True)
        await wait_for(lambda: motion_events(h, cam, True), 5.0, "motion after bad parts")
        assert sim.alert_connections == 1  # the stream survived them
        _, diag = await h.get(f"/api/v1/devices/{cam}/diagnostics")
        skipped = [x for x in diag["exchanges"] if x["operation"] == "events"
                   and x["outcome"] == "decode_error"]
        assert len(skipped) >= 2, diag["exchanges"]


async def test_events_that_never_say_inactive_expire(tmp_path: Path) -> None:
    quirks = IsapiQuirks(heartbeat_s=0.5, send_inactive=False, empty_post_count=True,
                         jpeg_parts=True)
    async with camera(quirks=quirks) as sim, \
            run_gateway([entry(sim, options={"stale_event_s": 1.5})], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        await wait_for(lambda: sim.alert_connections == 1, 5.0, "the alert stream")
        set_alarm(sim, AlarmKind.MOTION, True)
        await wait_for(lambda: motion_events(h, cam, True), 5.0, "motion (empty post count)")
        set_alarm(sim, AlarmKind.MOTION, False)  # no 'inactive' part is sent
        await wait_for(lambda: motion_events(h, cam, False), 5.0, "motion expired as stale")
        ended = [e for e in await events(h, cam) if e["type"] == "camera.motion"
                 and not e["data"]["active"]]
        assert ended[0]["data"]["ended_by"] == "stale"


@pytest.mark.parametrize("html_401", [False, True])
async def test_wrong_password_is_auth_failed(tmp_path: Path, html_401: bool) -> None:
    async with camera(quirks=IsapiQuirks(html_401=html_401)) as sim, \
            run_gateway([entry(sim, password="wrong-password")], tmp_path) as h:
        cam = sim.config.id

        async def failed() -> bool:
            return str((await health(h, cam))["reason"]) == "auth_failed"
        await wait_for(failed, 5.0, "auth_failed")
        hl = await health(h, cam)
        assert hl["status"] == "down" and "admin" in hl["message"]
        assert "wrong-password" not in hl["message"]


async def test_xml_bomb_is_a_decode_error(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        sim.faults.overrides["/ISAPI/System/status"] = (200, "application/xml", BOMB)

        async def decode_error() -> bool:
            return str((await health(h, cam))["reason"]) == "decode_error"
        await wait_for(decode_error, 5.0, "decode_error")
        assert "DTD" in (await health(h, cam))["message"]


async def test_silent_camera_is_a_timeout(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim, timeout_s=0.3)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        sim.faults.silent = True

        async def timed_out() -> bool:
            return str((await health(h, cam))["reason"]) == "timeout"
        await wait_for(timed_out, 5.0, "timeout")


@pytest.mark.parametrize("quirks", [
    IsapiQuirks(namespace=isapi.NS_VER10, heartbeat_s=0.5),
    IsapiQuirks(namespace=isapi.NS_ISAPI, heartbeat_s=0.5, utc_offset_min=480),
    IsapiQuirks(auth="basic", legacy_paths=True, heartbeat_s=0.5),
], ids=["ver10", "isapi.org+0800", "basic-legacy-paths"])
async def test_firmware_variants_normalize_the_same(tmp_path: Path, quirks: IsapiQuirks) -> None:
    async with camera(quirks=quirks) as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        body = await until_up(h, cam)
        assert body["streams"][0]["codec"] == "H265"
        assert body["ptz"]["presets"] == ["home", "intersection", "crosswalk"]
        hl = await health(h, cam)
        assert abs(hl["clock_offset_s"]) < 2.0  # +08:00 local time is the same instant
        await wait_for(lambda: sim.alert_connections == 1, 5.0, "the alert stream")
        set_alarm(sim, AlarmKind.TAMPER, True)

        async def tamper() -> bool:
            return any(e["type"] == "camera.tamper" for e in await events(h, cam))
        await wait_for(tamper, 5.0, "tamper through this firmware's stream")
        status, out = await h.command(cam, "goto_preset", {"preset": "home"})
        assert status == 200, out


async def test_camera_reboot_is_detected(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        sim.model.boot_time -= 3600  # it has been up an hour
        await wait_for(lambda: (h.gateway.registry.get(cam).health.health.uptime_s or 0) > 3000,
                       5.0, "an hour of uptime")
        sim.reboot()

        async def rebooted() -> bool:
            return any(e["type"] == "device.rebooted"
                       for e in await events(h, cam, "device."))
        await wait_for(rebooted, 5.0, "device.rebooted")


async def test_firmware_without_system_status_uses_system_time(tmp_path: Path) -> None:
    async with camera() as sim:
        refused = isapi.response_status("/ISAPI/System/status", 4, "notSupport", isapi.NS_VER20)
        sim.faults.overrides["/ISAPI/System/status"] = (403, "application/xml", refused)
        async with run_gateway([entry(sim)], tmp_path) as h:
            body = await until_up(h, sim.config.id)
            assert body["device_time"] is not None
            hl = await health(h, sim.config.id)
            assert hl["uptime_s"] is None and abs(hl["clock_offset_s"]) < 2.0
