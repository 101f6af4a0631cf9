"""Gateway <-> Dahua CGI simulator over real sockets: state, PTZ commands, snapshot, events."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.camera import AlarmKind
from simulators.dahua import CgiQuirks
from simulators.dahua.demo import DahuaDemo
from tests.adapters.dahua.dahua_harness import (
    camera,
    entry,
    events,
    fixed_camera,
    health,
    set_alarm,
    state,
    until_up,
)
from tests.harness import run_gateway, wait_for


async def test_state_identity_streams_and_level(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        body = await until_up(h, cam)
        assert [s["profile"] for s in body["streams"]] == ["1-main", "1-sub1"]
        main = body["streams"][0]
        assert (main["codec"], main["width"], main["height"], main["fps"]) == \
            ("H265", 2560, 1440, 25.0)
        assert main["rtsp_uri"] == "rtsp://127.0.0.1:554/cam/realmonitor?channel=1&subtype=0"
        assert all("admin" not in s["rtsp_uri"] for s in body["streams"])
        assert body["ptz"]["presets"] == ["home", "intersection", "crosswalk"]
        _, device = await h.get(f"/api/v1/devices/{cam}")
        assert device["identity"] == {"vendor": "Dahua", "model": "SD49425XB-HNR",
                                      "firmware": "2.840.0000000.9.R (build 2024-03-15)",
                                      "serial": "T0000001"}
        hl = await health(h, cam)
        assert hl["level"] == "stream_uri_obtained" and hl["uptime_s"] is not None
        assert abs(hl["clock_offset_s"]) < 2.0


async def test_local_clock_with_configured_zone(tmp_path: Path) -> None:
    """getCurrentTime has no zone on the wire: a UTC+8 camera with utc_offset_h 8 is on time,
    the same camera configured as UTC shows the 8 h it is off."""
    quirks = CgiQuirks(utc_offset_min=480)
    async with camera(quirks=quirks) as right, camera(fixed_camera(), quirks=quirks) as wrong, \
            run_gateway([entry(right, options={"utc_offset_h": 8}), entry(wrong)],
                        tmp_path) as h:
        await until_up(h, right.config.id)
        await until_up(h, wrong.config.id)
        assert abs((await health(h, right.config.id))["clock_offset_s"]) < 2.0
        assert abs((await health(h, wrong.config.id))["clock_offset_s"] - 8 * 3600) < 2.0


async def test_ptz_commands_move_the_camera(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        status, out = await h.command(cam, "ptz_move", {"pan": -0.5, "tilt": 0.5, "zoom": 0.25})
        assert status == 200, out
        assert out["detail"]["codes"] == ["LeftUp(4,4)", "ZoomTele(0,2)"]
        assert sim.model.moving
        await wait_for(lambda: sim.model.ptz.pan < -0.05, 5.0, "pan left")
        assert sim.model.ptz.tilt > 0

        async def moving_in_state() -> bool:
            body = await state(h, cam)
            return body is not None and body["ptz"]["moving"] is True
        await wait_for(moving_in_state, 5.0, "MoveStatus=Moving in /state")
        status, out = await h.command(cam, "ptz_move", {"pan": 0.3, "tilt": 0})
        assert status == 200, out  # LeftUp and ZoomTele stopped, Right started
        status, out = await h.command(cam, "ptz_stop")
        assert status == 200, out
        assert not sim.model.moving
        status, out = await h.command(cam, "goto_preset", {"preset": "Intersection"})
        assert status == 200, out
        assert sim.model.ptz.pan == sim.model.presets["intersection"].pan
        status, out = await h.command(cam, "goto_preset", {"preset": "42"})
        assert status == 422, out


async def test_fixed_camera_refuses_ptz(tmp_path: Path) -> None:
    async with camera(fixed_camera()) as sim, run_gateway([entry(sim)], tmp_path) as h:
        body = await until_up(h, sim.config.id)
        assert body["ptz"]["supported"] is False
        status, out = await h.command(sim.config.id, "ptz_stop")
        assert status == 501, out


@pytest.mark.parametrize("base", [1, 0], ids=["1-based", "old-firmware-0-based"])
async def test_snapshot_whatever_the_channel_base(tmp_path: Path, base: int) -> None:
    quirks = CgiQuirks(snapshot_channel_base=base)  # type: ignore[arg-type]
    async with camera(quirks=quirks) as sim, run_gateway([entry(sim)], tmp_path) as h:
        await until_up(h, sim.config.id)
        for _ in range(2):  # the second one goes straight to the base that worked
            async with h.http.get(f"{h.base}/api/v1/devices/{sim.config.id}/snapshot") as r:
                assert r.status == 200 and r.content_type == "image/jpeg"
                assert (await r.read()).startswith(b"\xff\xd8")


async def test_events_reach_the_event_api(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        await wait_for(lambda: sim.attach_connections > 0, 5.0, "the event stream")
        for kind in (AlarmKind.MOTION, AlarmKind.TAMPER, AlarmKind.VIDEO_LOSS):
            set_alarm(sim, kind, True)

        async def got(type_: str, active: bool) -> bool:
            return any(e["type"] == type_ and e["data"]["active"] is active
                       for e in await events(h, cam))
        for name in ("camera.motion", "camera.tamper", "camera.video_loss"):
            await wait_for(lambda n=name: got(n, True), 5.0, f"{name}")  # type: ignore[misc]
        motion = next(e for e in await events(h, cam) if e["type"] == "camera.motion")
        assert motion["data"]["code"] == "VideoMotion" and motion["data"]["channel"] == 1
        assert motion["data"]["data"]["RegionName"] == ["Region1"]  # multi-line JSON data
        set_alarm(sim, AlarmKind.MOTION, False)
        await wait_for(lambda: got("camera.motion", False), 5.0, "motion stop")

        async def alarms() -> bool:
            body = await state(h, cam)
            return body is not None and body["alarms"] == {
                "motion": False, "tamper": True, "video_loss": True}
        await wait_for(alarms, 5.0, "alarms in /state")


async def test_demo_fleet_comes_up_with_its_profiles(tmp_path: Path) -> None:
    demo = DahuaDemo()
    devices = await demo.start()
    try:
        assert [d["id"] for d in devices] == ["dahua-river-rd", "dahua-depot"]
        async with run_gateway(devices, tmp_path) as h:
            for d in devices:
                await until_up(h, d["id"])
            async with h.http.get(f"{h.base}/api/v1/devices/dahua-depot/snapshot") as r:
                assert r.status == 200  # legacy firmware: snapshot channels from 0
    finally:
        await demo.close()
