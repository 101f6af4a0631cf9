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

from simulators import standalone
from simulators.camera.model import demo_cameras
from simulators.onvif.camera import OnvifCamera
from simulators.onvif.context import OnvifQuirks
from simulators.onvif.demo import DEMO_PASSWORD, DEMO_QUIRKS, DEMO_USERNAME


def cameras(args: argparse.Namespace) -> list[OnvifCamera]:
    """The demo cameras with the command line's overrides."""
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
        cams.append(cam)
    return cams


def main() -> None:
    parser = standalone.parser("python -m simulators.onvif", __doc__)
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
    args = standalone.checked(parser)
    asyncio.run(standalone.serve(cameras(args), args, lambda c, port: {
        "id": c.model.config.id, "port": port, "username": DEMO_USERNAME,
        "password": args.password, "auth": c.quirks.auth}))


if __name__ == "__main__":
    main()
