"""Gateway <-> simulated ONVIF cameras over real sockets on 127.0.0.1: state, commands,
snapshots, events, authentication and the field faults of field-pain-points §1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulators.camera.model import AlarmKind, StreamProfile
from simulators.onvif.demo import OnvifDemo
from tests.adapters.onvif.sims import camera, device_entry, ptz_config, run_gateway
from tests.harness import Harness, wait_for


async def _health(h: Harness, device: str) -> dict[str, Any]:
    status, body = await h.get(f"/api/v1/devices/{device}")
    assert status == 200, body
    health: dict[str, Any] = body["health"]
    return health


async def _until_health(h: Harness, device: str, status: str, timeout_s: float = 8.0
                        ) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        health = await _health(h, device)
        return health if health["status"] == status else None
    result: dict[str, Any] = await wait_for(check, timeout_s, f"{device} {status}")
    return result


async def _events(h: Harness, device: str, type_: str) -> list[dict[str, Any]]:
    status, body = await h.get(f"/api/v1/events?device={device}&type={type_}")
    assert status == 200, body
    items: list[dict[str, Any]] = body["items"]
    return items


async def test_state_commands_and_snapshot(tmp_path: Path) -> None:
    async with camera(internal_ip_uris=True, credentials_in_uris=True) as cam, \
            run_gateway([device_entry(cam)], tmp_path) as h:
        dev = cam.model.config.id
        health = await _until_health(h, dev, "up")
        assert health["level"] == "stream_uri_obtained"
        status, state = await h.get(f"/api/v1/devices/{dev}/state")
        assert status == 200, state
        streams = {s["profile"]: s for s in state["streams"]}
        assert streams["main"]["codec"] == "H265"  # only Media2 can show it
        assert (streams["main"]["width"], streams["main"]["height"]) == (2560, 1440)
        for s in state["streams"]:
            uri = s["rtsp_uri"]
            assert uri.startswith("rtsp://127.0.0.1:554/"), uri
            assert "192.168" not in uri and "@" not in uri and "cam-secret" not in uri
        assert state["snapshot_supported"] is True
        assert state["ptz"]["presets"] == ["home", "intersection", "crosswalk"]
        assert cam.requests["media2.GetStreamUri"] >= 2

        status, out = await h.command(dev, "ptz_move", {"pan": 1.0, "tilt": 0.0})
        assert status == 200, out
        await wait_for(lambda: cam.model.ptz.pan > 0.05, 5, "pan to move")
        assert cam.model.moving
        status, out = await h.command(dev, "ptz_stop")
        assert status == 200 and not cam.model.moving, out
        status, out = await h.command(dev, "goto_preset", {"preset": "crosswalk"})
        assert status == 200, out
        assert cam.model.ptz.pan == cam.model.presets["crosswalk"].pan
        status, out = await h.command(dev, "goto_preset", {"preset": "no-such-preset"})
        assert status == 422, out
        assert out["detail"]["presets"] == ["home", "intersection", "crosswalk"]

        async with h.http.get(f"{h.base}/api/v1/devices/{dev}/snapshot") as resp:
            assert resp.status == 200
            assert resp.content_type == "image/jpeg"
            image = await resp.read()
        assert image.startswith(b"\xff\xd8") and dev.encode() in image
        assert cam.requests["snapshot.GET"] >= 1


async def test_fixed_camera_has_no_ptz_commands(tmp_path: Path) -> None:
    fixed = ptz_config(id="cam-fixed", has_ptz=False, presets=(), profiles=(
        StreamProfile("main", "MainStream", "H264", 1920, 1080, 25.0),))
    async with camera(fixed) as cam, run_gateway([device_entry(cam)], tmp_path) as h:
        await _until_health(h, "cam-fixed", "up")
        status, out = await h.command("cam-fixed", "ptz_move", {"pan": 0.5, "tilt": 0.0})
        assert status == 501, out
        _, state = await h.get("/api/v1/devices/cam-fixed/state")
        assert state["ptz"]["supported"] is False


async def test_motion_and_tamper_events_reach_the_api(tmp_path: Path) -> None:
    async with camera(topic_style="video_source", bool_style="1", malformed_events=True) as cam, \
            run_gateway([device_entry(cam)], tmp_path) as h:
        dev = cam.model.config.id
        await _until_health(h, dev, "up")
        await wait_for(lambda: cam.pullpoints.counts["pulled"] >= 1, 5, "a first pull")
        cam.model.set_alarm(AlarmKind.MOTION, True)
        cam.model.set_alarm(AlarmKind.TAMPER, True)

        async def motion() -> list[dict[str, Any]]:
            return await _events(h, dev, "camera.motion")
        events = await wait_for(motion, 8, "camera.motion event")
        assert events[0]["data"]["active"] is True and events[0]["data"]["channel"] == 1
        assert events[0]["data"]["topic"] == "tns1:VideoSource/MotionAlarm"

        async def tamper() -> list[dict[str, Any]]:
            return await _events(h, dev, "camera.tamper")
        await wait_for(tamper, 8, "camera.tamper event")

        async def alarms() -> bool:
            _, state = await h.get(f"/api/v1/devices/{dev}/state")
            return bool(state["alarms"].get("motion")) and bool(state["alarms"].get("tamper"))
        await wait_for(alarms, 5, "alarms in /state")


@pytest.mark.parametrize("offset_s", [7.0, -3600.0])
async def test_skewed_clock_with_username_token_only(tmp_path: Path, offset_s: float) -> None:
    async with camera(auth="wsse") as cam:
        cam.set_clock_offset(offset_s)
        async with run_gateway([device_entry(cam)], tmp_path) as h:
            health = await _until_health(h, cam.model.config.id, "up")
            assert health["level"] == "stream_uri_obtained"
            assert health["clock_offset_s"] == pytest.approx(offset_s, abs=1.0)
            status, _ = await h.command(cam.model.config.id, "ptz_stop")
            assert status == 200


async def test_clock_jump_after_open_is_followed(tmp_path: Path) -> None:
    async with camera(auth="wsse") as cam, run_gateway([device_entry(cam)], tmp_path) as h:
        dev = cam.model.config.id
        await _until_health(h, dev, "up")
        cam.set_clock_offset(-6 * 30 * 86400.0)  # reset to a date six months back
        status, out = await h.command(dev, "ptz_stop")
        assert status == 200, out  # the auth fault made the adapter re-measure and retry
        health = await _health(h, dev)
        assert health["status"] == "up"


async def test_digest_only_with_html_401(tmp_path: Path) -> None:
    async with camera(auth="digest", html_401=True) as cam, \
            run_gateway([device_entry(cam)], tmp_path) as h:
        health = await _until_health(h, cam.model.config.id, "up")
        assert health["level"] == "stream_uri_obtained"


async def test_wrong_password_is_auth_failed(tmp_path: Path) -> None:
    for mode in ("wsse", "digest", "both"):
        async with camera(auth=mode) as cam, \
                run_gateway([device_entry(cam, password="wrong")], tmp_path / mode) as h:
            health = await _until_health(h, cam.model.config.id, "down")
            assert health["reason"] == "auth_failed", (mode, health)


async def test_media1_only_device(tmp_path: Path) -> None:
    async with camera(media1_only=True) as cam, run_gateway([device_entry(cam)], tmp_path) as h:
        dev = cam.model.config.id
        await _until_health(h, dev, "up")
        _, state = await h.get(f"/api/v1/devices/{dev}/state")
        assert [(s["profile"], s["codec"]) for s in state["streams"]] == [("sub", "H264")]
        assert state["streams"][0]["rtsp_uri"].startswith("rtsp://127.0.0.1:554/")
        assert cam.requests["media.GetStreamUri"] >= 1 and cam.requests["media2.GetProfiles"] == 0


async def test_xml_bomb_from_the_device_is_decode_error(tmp_path: Path) -> None:
    async with camera() as cam:
        cam.faults.xml_bomb = True
        async with run_gateway([device_entry(cam)], tmp_path) as h:
            health = await _until_health(h, cam.model.config.id, "down")
            assert health["reason"] == "decode_error"


async def test_silence_is_timeout_and_closed_port_is_refused(tmp_path: Path) -> None:
    async with camera() as cam, camera(ptz_config(id="cam-gone")) as gone:
        cam.faults.silent = True
        port = gone.port
        await gone.close()
        entry = device_entry(gone, timeout_s=0.3)
        entry["endpoint"]["port"] = port
        async with run_gateway([device_entry(cam, timeout_s=0.3), entry], tmp_path) as h:
            health = await _until_health(h, cam.model.config.id, "down")
            assert health["reason"] == "timeout"
            health = await _until_health(h, "cam-gone", "down")
            assert health["reason"] == "refused"


async def test_subscription_renewed_recreated_and_unsubscribed(tmp_path: Path) -> None:
    """A 2 s pull point on a device whose PullMessages do not extend it: the adapter renews
    it in time, makes a new one after a reboot (ResourceUnknown) and unsubscribes at stop."""
    options = {"subscription_ttl_s": 2, "pull_timeout_s": 1.0}
    async with camera(pull_extends_ttl=False, ttl_cap_s=2.0) as cam:
        counts = cam.pullpoints.counts
        async with run_gateway([device_entry(cam, options=options)], tmp_path) as h:
            dev = cam.model.config.id
            await _until_health(h, dev, "up")
            await wait_for(lambda: counts["renewed"] >= 3, 10, "three renewals")
            assert counts["created"] == 1 and counts["expired"] == 0
            assert len(cam.active_subscriptions()) == 1

            cam.reboot()  # the device forgets every subscription
            await wait_for(lambda: counts["created"] == 2, 10, "a new subscription")
            cam.model.set_alarm(AlarmKind.VIDEO_LOSS, True)

            async def lost() -> list[dict[str, Any]]:
                return await _events(h, dev, "camera.video_loss")
            await wait_for(lost, 8, "camera.video_loss after resubscribing")
            assert len(cam.active_subscriptions()) == 1
        assert counts["unsubscribed"] == 1
        assert cam.active_subscriptions() == []
        assert counts["expired"] == 0


async def test_event_stall_does_not_leak_subscriptions(tmp_path: Path) -> None:
    async with camera() as cam:
        counts = cam.pullpoints.counts
        cam.faults.event_stall = True
        options = {"pull_timeout_s": 1.0}
        async with run_gateway([device_entry(cam, timeout_s=0.5, options=options)],
                               tmp_path) as h:
            await _until_health(h, cam.model.config.id, "up")
            await wait_for(lambda: counts["unsubscribed"] >= 1, 12, "a stalled pull point "
                           "given up and unsubscribed")
            assert len(cam.active_subscriptions()) <= 1
            cam.faults.event_stall = False
        assert cam.active_subscriptions() == []


async def test_demo_fleet_comes_up(tmp_path: Path) -> None:
    """The `junction demo` cameras: each shows one quirk (both / digest + LAN URIs / WSSE with
    a clock 7 s fast); all of them come up with stream URIs."""
    demo = OnvifDemo()
    try:
        devices = await demo.start()
        for device in devices:
            device["poll"] = {"interval_s": 0.3, "timeout_s": 1.0}
        async with run_gateway(devices, tmp_path) as h:
            for device in devices:
                health = await _until_health(h, device["id"], "up")
                assert health["level"] == "stream_uri_obtained", (device["id"], health)
    finally:
        await demo.close()


async def test_broken_relative_time_switches_to_absolute(tmp_path: Path) -> None:
    """A device that answers TerminationTime == CurrentTime to "PT4S" gets absolute times
    in its own (skewed) clock from then on, and events keep flowing."""
    options = {"subscription_ttl_s": 4}
    async with camera(broken_relative_time=True, pull_extends_ttl=False) as cam:
        cam.set_clock_offset(-3600.0)
        counts = cam.pullpoints.counts
        async with run_gateway([device_entry(cam, options=options)], tmp_path) as h:
            dev = cam.model.config.id
            await _until_health(h, dev, "up")
            await wait_for(lambda: counts["absolute_requests"] >= 2, 10, "absolute renewals")
            cam.model.set_alarm(AlarmKind.MOTION, True)

            async def motion() -> list[dict[str, Any]]:
                return await _events(h, dev, "camera.motion")
            await wait_for(motion, 8, "camera.motion")
            assert counts["created"] == 1 and counts["expired"] == 0
