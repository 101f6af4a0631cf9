"""Run simulated Hikvision ISAPI cameras standalone (for poking with curl or pyHik).

    python -m simulators.hikvision
    curl --digest -u admin:PASSWORD http://127.0.0.1:PORT/ISAPI/System/deviceInfo

Prints one JSON line {"host": ..., "devices": [{"id", "port", "username", "password"}]} once
listening, then serves until SIGINT/SIGTERM or until standard input closes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from simulators import standalone
from simulators.hikvision.camera import SimulatedHikvision
from simulators.hikvision.demo import demo_hikvision


def main() -> None:
    p = standalone.parser("python -m simulators.hikvision", __doc__)
    p.add_argument("--password", default="hik-sim-12345")
    args = standalone.checked(p)
    sims = [SimulatedHikvision(config, password=args.password, quirks=quirks, seed=i)
            for i, (config, quirks) in enumerate(demo_hikvision())]

    def describe(sim: SimulatedHikvision, port: int) -> dict[str, Any]:
        return {"id": sim.config.id, "port": port, "username": "admin",
                "password": args.password}

    asyncio.run(standalone.serve(sims, args, describe))


if __name__ == "__main__":
    main()
