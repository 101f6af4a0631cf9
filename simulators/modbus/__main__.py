"""Run simulated Modbus TCP controllers standalone (for benchmarks and for poking with mbpoll).

    python -m simulators.modbus --count 5                        # TSC-Modbus map
    python -m simulators.modbus --count 4 --profile modbus/vendor-quirks
    mbpoll -m tcp -a 1 -r 1 -c 20 -t 3 -1 -p PORT 127.0.0.1     # input registers 0-19

Prints one JSON line {"host": ..., "devices": [{"id", "port", "profile", "unit_id",
"plans"}]} once listening, then serves until SIGINT/SIGTERM or until standard input closes
(so a parent process can own it).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from simulators import standalone
from simulators.engine.fleet import fleet_of
from simulators.modbus.controller import SimulatedModbusController
from simulators.modbus.demo import plans_of


def main() -> None:
    p = standalone.parser("python -m simulators.modbus", __doc__)
    p.add_argument("--count", type=int, default=2)
    p.add_argument("--profile", default="modbus/tsc-modbus")
    p.add_argument("--seed", type=int, default=0)
    args = standalone.checked(p)
    configs = [dataclasses.replace(c, id=f"mb-{i:05d}")
               for i, c in enumerate(fleet_of(args.count, args.seed))]
    sims = [SimulatedModbusController(c, profile=args.profile, seed=args.seed + i)
            for i, c in enumerate(configs)]

    def describe(sim: SimulatedModbusController, port: int) -> dict[str, Any]:
        return {"id": sim.config.id, "port": port, "profile": args.profile,
                "unit_id": sim.map.unit_id, "plans": plans_of(sim.config)}

    asyncio.run(standalone.serve(sims, args, describe))


if __name__ == "__main__":
    main()
