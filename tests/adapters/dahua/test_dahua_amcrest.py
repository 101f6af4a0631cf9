"""The Dahua simulator is the real CGI API: python-amcrest (tchellomello/python-amcrest, used
by Home Assistant) and `curl --digest` talk to it without knowing it is a simulator."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import threading
from typing import Any

import pytest

from simulators.camera import AlarmKind
from simulators.dahua import CgiQuirks
from tests.adapters.dahua.dahua_harness import PASSWORD, camera, set_alarm
from tests.harness import wait_for

amcrest = pytest.importorskip("amcrest")


def _api(port: int, password: str = PASSWORD) -> Any:
    return amcrest.AmcrestCamera("127.0.0.1", port, "admin", password,
                                 retries_connection=0, timeout_protocol=5.0).camera


@pytest.mark.parametrize("quirks", [CgiQuirks(), CgiQuirks(firmware="legacy", auth="both")],
                         ids=["2024-digest-only", "legacy-basic"])
async def test_amcrest_reads_and_commands_the_camera(quirks: CgiQuirks) -> None:
    async with camera(quirks=quirks) as sim:
        api = await asyncio.to_thread(_api, sim.port)
        assert await asyncio.to_thread(lambda: api.device_type) == "SD49425XB-HNR"
        version, build = await asyncio.to_thread(lambda: api.software_information)
        assert (version, build.strip()) == ("2.840.0000000.9.R", "2024-03-15")  # amcrest keeps CRLF
        now = await asyncio.to_thread(lambda: api.current_time)
        assert abs(now.timestamp() - sim.model.device_time()) < 5  # the sim runs in UTC
        image = await asyncio.to_thread(api.snapshot, channel=1, stream=False)
        assert image.startswith(b"\xff\xd8")
        presets = await asyncio.to_thread(api.ptz_presets_list)
        assert "presets[2].Name=crosswalk" in presets
        assert await asyncio.to_thread(api.go_to_preset, preset_point_number=3) is True
        assert sim.model.ptz.pan == sim.model.presets["crosswalk"].pan
        assert await asyncio.to_thread(api.move_right, True, horizontal_speed=4) is True
        assert sim.model.moving
        assert await asyncio.to_thread(api.move_right, False) is True
        assert not sim.model.moving
        set_alarm(sim, AlarmKind.MOTION, True)
        assert await asyncio.to_thread(lambda: api.is_motion_detected) == [0]


async def test_amcrest_event_stream_sees_motion() -> None:
    async with camera() as sim:
        api = await asyncio.to_thread(_api, sim.port)
        seen: list[tuple[str, dict[str, Any]]] = []
        done = threading.Event()

        def listen() -> None:
            for code, payload in api.event_actions("VideoMotion"):
                seen.append((code, payload))
                if payload.get("action") == "Stop":
                    break
            done.set()

        listener = asyncio.create_task(asyncio.to_thread(listen))
        await wait_for(lambda: sim.attach_connections > 0, 5.0, "amcrest attached")
        set_alarm(sim, AlarmKind.MOTION, True)
        set_alarm(sim, AlarmKind.TAMPER, True)  # filtered out: only VideoMotion was asked
        await wait_for(lambda: len(seen) >= 1, 5.0, "the Start event")
        set_alarm(sim, AlarmKind.MOTION, False)
        await asyncio.wait_for(listener, 10.0)
        assert [(c, p["action"], p["index"]) for c, p in seen] == [
            ("VideoMotion", "Start", "0"), ("VideoMotion", "Stop", "0")]
        assert seen[0][1]["data"]["RegionName"] == ["Region1"]


async def test_amcrest_with_a_wrong_password_fails_to_log_in() -> None:
    async with camera() as sim:
        api = await asyncio.to_thread(_api, sim.port, "not-the-password")
        with pytest.raises(amcrest.AmcrestError):
            await asyncio.to_thread(lambda: api.device_type)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
async def test_curl_digest_and_error_bodies() -> None:
    async with camera(quirks=CgiQuirks(firmware="2024")) as sim:
        base = f"http://127.0.0.1:{sim.port}/cgi-bin"

        def curl(path: str) -> str:
            out = subprocess.run(["curl", "-s", "--digest", "-u", f"admin:{PASSWORD}", "-w",
                                  "|%{http_code}", base + path], capture_output=True,
                                 timeout=10, check=False)
            return out.stdout.decode()  # bytes: keep the device's CRLFs

        assert await asyncio.to_thread(curl, "/magicBox.cgi?action=getSystemInfo") == \
            ("deviceType=SD49425XB-HNR\r\nhardwareVersion=1.00\r\nprocessor=S3LM\r\n"
             "serialNumber=T0000001\r\nupdateSerial=SD49425XB-S3\r\n|200")
        assert await asyncio.to_thread(curl, "/magicBox.cgi?action=getNothing") == \
            "Error\r\nNot Implemented!\r\n|501"
        assert await asyncio.to_thread(curl, "/snapshot.cgi?channel=7") == \
            "Error\r\nBad Request!\r\n|400"


async def test_standalone_simulator_process_serves_amcrest() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulators.dahua", "--password", "standalone-pw",
        "--watch-stdin", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        listing = json.loads(await asyncio.wait_for(proc.stdout.readline(), 10.0))
        ports = {d["id"]: d["port"] for d in listing["devices"]}
        api = await asyncio.to_thread(_api, ports["dahua-depot"], "standalone-pw")
        assert await asyncio.to_thread(lambda: api.device_type) == "IPC-HFW4431R-Z"
        proc.stdin.close()
        assert await asyncio.wait_for(proc.wait(), 10.0) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
