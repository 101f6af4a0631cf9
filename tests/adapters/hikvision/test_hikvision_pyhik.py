"""The ISAPI simulator is real ISAPI: pyHik (mezz64/pyHik, used by Home Assistant) and
`curl --digest` talk to it without knowing it is a simulator."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from typing import Any

import pytest

from simulators.camera import AlarmKind
from simulators.hikvision import IsapiQuirks, isapi
from tests.adapters.hikvision.hik_harness import PASSWORD, camera, set_alarm
from tests.harness import wait_for

pyhik = pytest.importorskip("pyhik.hikvision")


def _camera(port: int, password: str = PASSWORD) -> Any:
    return pyhik.HikCamera("http://127.0.0.1", port, "admin", password)


@pytest.mark.parametrize("quirks", [IsapiQuirks(heartbeat_s=0.5),
                                    IsapiQuirks(namespace=isapi.NS_VER10, heartbeat_s=0.5)],
                         ids=["ver20-digest-only", "ver10"])
async def test_pyhik_reads_the_camera_and_its_alert_stream(quirks: IsapiQuirks) -> None:
    async with camera(quirks=quirks) as sim:
        cam = await asyncio.to_thread(_camera, sim.port)  # Basic first, then digest on 401
        try:
            assert cam.get_name == "Test dome"
            assert cam.get_type == "CAM"
            assert "Motion" in cam.current_event_states
            assert cam.current_motion_detection_state is True
            image = await asyncio.to_thread(cam.get_snapshot)
            assert image is not None and image.startswith(b"\xff\xd8")
            cam.start_stream()
            await wait_for(lambda: cam.stream_connected, 5.0, "pyHik stream connected")
            set_alarm(sim, AlarmKind.MOTION, True)
            await wait_for(lambda: cam.current_event_states["Motion"][0][0] is True, 5.0,
                           "pyHik to see motion")
            set_alarm(sim, AlarmKind.MOTION, False)
            await wait_for(lambda: cam.current_event_states["Motion"][0][0] is False, 8.0,
                           "pyHik to see motion end")
        finally:
            if cam.thrd.is_alive():
                await asyncio.to_thread(cam.disconnect)


async def test_pyhik_with_a_wrong_password_gets_nothing() -> None:
    async with camera() as sim:
        cam = await asyncio.to_thread(_camera, sim.port, "not-the-password")
        assert cam.get_name is None


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
async def test_curl_digest_and_ptz_put() -> None:
    async with camera() as sim:
        base = f"http://127.0.0.1:{sim.port}/ISAPI"

        def curl(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(["curl", "-s", "--digest", "-u", f"admin:{PASSWORD}",
                                   "-w", "\n%{http_code}", *args], capture_output=True,
                                  text=True, timeout=10, check=False)

        out = await asyncio.to_thread(curl, f"{base}/System/deviceInfo")
        assert out.stdout.endswith("\n200") and "<model>DS-2DE4425IW-DE</model>" in out.stdout
        body = "<PTZData><pan>60</pan><tilt>0</tilt><zoom>0</zoom></PTZData>"
        out = await asyncio.to_thread(curl, "-X", "PUT", "-d", body,
                                      f"{base}/PTZCtrl/channels/1/continuous")
        assert out.stdout.endswith("\n200") and "<statusCode>1</statusCode>" in out.stdout
        assert sim.model.moving
        await asyncio.sleep(0.3)
        out = await asyncio.to_thread(curl, f"{base}/PTZCtrl/channels/1/status")
        azimuth = int(out.stdout.split("<azimuth>")[1].split("<")[0])
        assert azimuth > 1800  # panned right of centre (1800 = pan 0)
        basic = await asyncio.to_thread(
            subprocess.run, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-u",
                             f"admin:{PASSWORD}", f"{base}/System/deviceInfo"],
            capture_output=True, text=True, timeout=10, check=False)
        assert basic.stdout == "401"  # digest-only firmware refuses Basic


async def test_standalone_simulator_process_serves_pyhik() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulators.hikvision", "--password", "standalone-pw",
        "--watch-stdin", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 10.0)
        listing = json.loads(line)
        first = listing["devices"][0]
        assert first["id"] == "hik-main-1st" and first["password"] == "standalone-pw"
        cam = await asyncio.to_thread(pyhik.HikCamera, "http://127.0.0.1", first["port"],
                                      "admin", "standalone-pw")
        assert cam.get_name == "Main St & 1st Ave dome"
        proc.stdin.close()
        assert await asyncio.wait_for(proc.wait(), 10.0) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
