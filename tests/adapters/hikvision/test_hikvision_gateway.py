"""Gateway <-> ISAPI simulator over real sockets: state, PTZ commands, snapshot, events."""

from __future__ import annotations

from pathlib import Path

from simulators.camera import AlarmKind
from simulators.hikvision.demo import HikvisionDemo
from tests.adapters.hikvision.hik_harness import (
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
        body = await until_up(h, sim.config.id)
        assert body["kind"] == "camera" and body["snapshot_supported"] is True
        main = body["streams"][0]
        assert main["codec"] == "H265" and (main["width"], main["height"]) == (2560, 1440)
        assert main["fps"] == 25.0
        assert main["rtsp_uri"] == "rtsp://127.0.0.1:554/Streaming/Channels/101"
        assert all("@" not in s["rtsp_uri"] and "admin" not in s["rtsp_uri"]
                   for s in body["streams"])
        assert [s["profile"] for s in body["streams"]] == ["101-main", "102-sub"]
        assert body["ptz"]["supported"] is True
        assert body["ptz"]["presets"] == ["home", "intersection", "crosswalk"]
        _, device = await h.get(f"/api/v1/devices/{sim.config.id}")
        assert device["identity"]["vendor"] == "Hikvision"
        assert device["identity"]["model"] == "DS-2DE4425IW-DE"
        assert device["identity"]["firmware"].startswith("V5.7.13")
        hl = await health(h, sim.config.id)
        assert hl["level"] == "stream_uri_obtained"
        assert hl["uptime_s"] is not None and abs(hl["clock_offset_s"]) < 2.0


async def test_ptz_commands_move_the_camera(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        status, out = await h.command(cam, "ptz_move", {"pan": 0.5, "tilt": -0.25, "zoom": 0})
        assert status == 200, out
        assert out["outcome"] == "accepted"
        assert sim.model.moving
        await wait_for(lambda: sim.model.ptz.pan > 0.05, 5.0, "pan to increase")
        status, out = await h.command(cam, "ptz_stop")
        assert status == 200, out
        assert not sim.model.moving
        status, out = await h.command(cam, "goto_preset", {"preset": "crosswalk"})
        assert status == 200, out
        target = sim.model.presets["crosswalk"]
        assert (sim.model.ptz.pan, sim.model.ptz.tilt) == (target.pan, target.tilt)

        async def polled_at_preset() -> bool:
            body = await state(h, cam)
            return body is not None and body["ptz"]["pan"] == round(target.pan, 4)
        await wait_for(polled_at_preset, 5.0, "the state to show the preset position")
        status, out = await h.command(cam, "goto_preset", {"preset": "2"})  # by ISAPI id
        assert status == 200, out
        assert sim.model.ptz.pan == sim.model.presets["intersection"].pan
        status, out = await h.command(cam, "goto_preset", {"preset": "no-such-preset"})
        assert status == 422, out
        assert out["outcome"] == "invalid" and "crosswalk" in out["message"]


async def test_fixed_camera_has_no_ptz(tmp_path: Path) -> None:
    async with camera(fixed_camera()) as sim, run_gateway([entry(sim)], tmp_path) as h:
        body = await until_up(h, sim.config.id)
        assert body["ptz"]["supported"] is False
        status, out = await h.command(sim.config.id, "ptz_move", {"pan": 0.1, "tilt": 0})
        assert status == 501, out


async def test_snapshot_is_the_cameras_jpeg(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        await until_up(h, sim.config.id)
        async with h.http.get(f"{h.base}/api/v1/devices/{sim.config.id}/snapshot") as resp:
            assert resp.status == 200
            assert resp.content_type == "image/jpeg"
            image = await resp.read()
        assert image.startswith(b"\xff\xd8") and image.endswith(b"\xff\xd9")
        assert sim.config.id.encode() in image  # the simulator's COM segment


async def test_motion_tamper_and_video_loss_reach_the_event_api(tmp_path: Path) -> None:
    async with camera() as sim, run_gateway([entry(sim)], tmp_path) as h:
        cam = sim.config.id
        await until_up(h, cam)
        await wait_for(lambda: sim.alert_connections > 0, 5.0, "the alert stream")
        set_alarm(sim, AlarmKind.MOTION, True)
        set_alarm(sim, AlarmKind.TAMPER, True)
        set_alarm(sim, AlarmKind.VIDEO_LOSS, True)

        async def got(type_: str, active: bool) -> bool:
            return any(e["type"] == type_ and e["data"]["active"] is active
                       for e in await events(h, cam))
        for kind in ("camera.motion", "camera.tamper", "camera.video_loss"):
            await wait_for(lambda k=kind: got(k, True), 5.0, f"{kind} active")  # type: ignore[misc]
        motion = next(e for e in await events(h, cam) if e["type"] == "camera.motion")
        assert motion["data"]["channel"] == 1 and motion["data"]["event_type"] == "VMD"

        async def alarms_in_state() -> bool:
            body = await state(h, cam)
            return body is not None and body["alarms"] == {"motion": True, "tamper": True,
                                                           "video_loss": True}
        await wait_for(alarms_in_state, 5.0, "alarms in /state")
        set_alarm(sim, AlarmKind.MOTION, False)
        await wait_for(lambda: got("camera.motion", False), 5.0, "motion inactive")
        actives = [e for e in await events(h, cam)
                   if e["type"] == "camera.motion" and e["data"]["active"]]
        assert len(actives) == 1  # repeated 'active' posts are one event, not many


async def test_demo_fleet_comes_up_with_its_profile(tmp_path: Path) -> None:
    demo = HikvisionDemo()
    devices = await demo.start()
    try:
        assert [d["id"] for d in devices] == ["hik-main-1st", "hik-oak-elm"]
        assert all(d["kind"] == "camera" and d["adapter"] == "hikvision" for d in devices)
        async with run_gateway(devices, tmp_path) as h:
            for d in devices:
                await until_up(h, d["id"])
    finally:
        await demo.close()
