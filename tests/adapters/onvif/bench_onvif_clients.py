"""Measure the two ONVIF client options against the simulator (run by hand; prints JSON lines).

    python tests/adapters/onvif/bench_onvif_clients.py

The simulator runs in a child process, so the CPU time measured here is the client's alone.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import tracemalloc
from typing import Any

N = 200


def _cpu() -> float:
    return time.process_time()


async def _zeep(port: int, user: str, password: str) -> dict[str, Any]:
    import onvif  # onvif-zeep-async

    tracemalloc.start()
    wall, cpu = time.perf_counter(), _cpu()
    cam = onvif.ONVIFCamera("127.0.0.1", port, user, password, no_cache=True, adjust_time=True)
    await cam.update_xaddrs()
    media = await cam.create_media_service()
    ptz = await cam.create_ptz_service()
    await media.GetProfiles()
    setup = {"setup_wall_ms": (time.perf_counter() - wall) * 1000,
             "setup_cpu_ms": (_cpu() - cpu) * 1000,
             "setup_peak_mib": tracemalloc.get_traced_memory()[1] / 2**20}
    tracemalloc.stop()
    cpu = _cpu()
    for _ in range(N):
        await media.GetProfiles()
        await ptz.GetStatus({"ProfileToken": "sub"})
    per_call = (_cpu() - cpu) * 1000 / (2 * N)
    await cam.close()
    return {"client": "onvif-zeep-async 4.3.0 (zeep 4.3)", **setup, "cpu_ms_per_call": per_call}


async def _ours(port: int, user: str, password: str) -> dict[str, Any]:
    from adapters.onvif.codec import el
    from adapters.onvif.const import NS
    from adapters.onvif.soap import SoapClient, new_session
    from gateway.sdk import Diagnostics

    tracemalloc.start()
    wall, cpu = time.perf_counter(), _cpu()
    session = await new_session()
    soap = SoapClient(session, "127.0.0.1", port, user, password, timeout_s=5, mode=None,
                      diagnostics=Diagnostics())
    await soap.sync_clock()
    await soap.call("/onvif/device_service", NS["tds"], el("tds:GetServices",
                                                           el("tds:IncludeCapability", "false")))
    await soap.call("/onvif/media_service", NS["trt"], el("trt:GetProfiles"))
    setup = {"setup_wall_ms": (time.perf_counter() - wall) * 1000,
             "setup_cpu_ms": (_cpu() - cpu) * 1000,
             "setup_peak_mib": tracemalloc.get_traced_memory()[1] / 2**20}
    tracemalloc.stop()
    cpu = _cpu()
    for _ in range(N):
        await soap.call("/onvif/media_service", NS["trt"], el("trt:GetProfiles"))
        await soap.call("/onvif/ptz_service", NS["tptz"], el(
            "tptz:GetStatus", el("tptz:ProfileToken", "sub")))
    per_call = (_cpu() - cpu) * 1000 / (2 * N)
    await session.close()
    return {"client": "adapters.onvif (lxml + aiohttp)", **setup, "cpu_ms_per_call": per_call}


async def main() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "simulators.onvif", "--auth", "wsse",
                             "--watch-stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        dev = info["devices"][0]
        for label, fn in (("first", _zeep), ("second", _zeep), ("first", _ours),
                          ("second", _ours)):
            result = {"camera_in_process": label,
                      **await fn(dev["port"], dev["username"], dev["password"])}
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                              for k, v in result.items()}), flush=True)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
