"""Run the simulated ONVIF cameras standalone (to poke with an ONVIF client or curl).

    python -m simulators.onvif                 # the demo cameras
    python -m simulators.onvif --auth wsse --clock-offset 7 --internal-ip-uris
    python -m simulators.onvif --lpr --lpr-rate 6 --lpr-topic tnsaxis:CameraApplicationPlatform/LPR

Prints one JSON line {"host": ..., "devices": [{"id", "port", "username", "password"}]} once
listening, then serves until SIGINT/SIGTERM or until standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from simulators.camera.model import demo_cameras
from simulators.onvif.camera import OnvifCamera
from simulators.onvif.context import OnvifQuirks
from simulators.onvif.demo import DEMO_PASSWORD, DEMO_QUIRKS, DEMO_USERNAME


async def serve(args: argparse.Namespace) -> None:
    cams = []
    for seed, config in enumerate(demo_cameras()):
        quirks = DEMO_QUIRKS.get(config.id, OnvifQuirks())
        if args.auth:
            quirks.auth = args.auth
        quirks.internal_ip_uris = quirks.internal_ip_uris or args.internal_ip_uris
        quirks.media1_only = quirks.media1_only or args.media1_only
        if args.lpr:  # Profile M: plate reads on the (possibly non-standard) topic
            quirks.lpr, quirks.lpr_rate_per_min = True, args.lpr_rate
            quirks.lpr_topic = args.lpr_topic or quirks.lpr_topic
        cam = OnvifCamera(config, username=DEMO_USERNAME, password=args.password,
                          quirks=quirks, seed=seed)
        if args.clock_offset is not None:
            cam.set_clock_offset(args.clock_offset)
        await cam.start(args.host, args.base_port + seed if args.base_port else 0)
        cams.append(cam)
    print(json.dumps({"host": args.host, "devices": [
        {"id": c.model.config.id, "port": c.port, "username": DEMO_USERNAME,
         "password": args.password, "auth": c.quirks.auth} for c in cams]}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = None
    if args.watch_stdin:
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

        async def watch() -> None:
            await reader.read()
            stop.set()

        watcher = asyncio.create_task(watch())
    await stop.wait()
    if watcher is not None:
        watcher.cancel()
    for cam in cams:
        await cam.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.onvif", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=0, help="0: any free ports")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--auth", choices=["digest", "wsse", "both", "none"], default=None,
                        help="override every camera's auth mode")
    parser.add_argument("--clock-offset", type=float, default=None, help="seconds")
    parser.add_argument("--internal-ip-uris", action="store_true")
    parser.add_argument("--media1-only", action="store_true")
    parser.add_argument("--lpr", action="store_true",
                        help="Profile M: every camera sends licence-plate reads")
    parser.add_argument("--lpr-rate", type=float, default=6.0, help="plate reads per minute")
    parser.add_argument("--lpr-topic", default=None,
                        help="topic of the reads (default tns1:RuleEngine/Recognition/"
                        "LicensePlate; e.g. tnsaxis:CameraApplicationPlatform/LPR)")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes")
    args = parser.parse_args()
    if not args.host.startswith("127."):
        parser.error("simulators listen on loopback only (127.0.0.0/8)")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
