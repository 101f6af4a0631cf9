"""Run simulated Dahua CGI cameras standalone (for poking with curl or python-amcrest).

    python -m simulators.dahua
    curl --digest -u admin:PASSWORD 'http://127.0.0.1:PORT/cgi-bin/magicBox.cgi?action=getDeviceType'

Prints one JSON line {"host": ..., "devices": [{"id", "port", "username", "password"}]} once
listening, then serves until SIGINT/SIGTERM or until standard input closes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from simulators import standalone
from simulators.dahua.camera import SimulatedDahua
from simulators.dahua.demo import demo_dahua


def main() -> None:
    p = standalone.parser("python -m simulators.dahua", __doc__)
    p.add_argument("--password", default="dahua-sim-12345")
    args = standalone.checked(p)
    sims = [SimulatedDahua(config, password=args.password, quirks=quirks, seed=i)
            for i, (config, quirks, _) in enumerate(demo_dahua())]

    def describe(sim: SimulatedDahua, port: int) -> dict[str, Any]:
        return {"id": sim.config.id, "port": port, "username": "admin",
                "password": args.password}

    asyncio.run(standalone.serve(sims, args, describe))


if __name__ == "__main__":
    main()
