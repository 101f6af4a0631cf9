"""Run simulated GB/T 20999 controllers standalone (for benchmarks and manual poking).

    python -m simulators.gbt20999 --count 5               # TCP and UDP on each port
    python -m simulators.gbt20999 --count 2 --crc ccitt   # the CCITT CRC variant

Prints one JSON line {"host": ..., "devices": [{"id", "port"}]} once listening, then serves
until SIGINT/SIGTERM or until standard input closes (so a parent process can own it).
"""

from __future__ import annotations

import asyncio
from typing import Literal, cast

from simulators import standalone
from simulators.engine.fleet import fleet_of
from simulators.gbt20999.controller import Gbt20999SimOptions, SimulatedGbt20999Controller

Transport = Literal["tcp", "udp", "both"]


def main() -> None:
    p = standalone.parser("python -m simulators.gbt20999", __doc__)
    p.add_argument("--count", type=int, default=2)
    p.add_argument("--seed", type=int, default=20999)
    p.add_argument("--crc", choices=("standard", "ccitt"), default="standard")
    p.add_argument("--transport", choices=("tcp", "udp", "both"), default="both")
    args = standalone.checked(p)
    options = Gbt20999SimOptions(crc_poly=0x1021, crc_init=0xFFFF) if args.crc == "ccitt" \
        else Gbt20999SimOptions()
    sims = [SimulatedGbt20999Controller(c, seed=args.seed + i, options=options,
                                        transport=cast(Transport, args.transport))
            for i, c in enumerate(fleet_of(args.count, args.seed))]
    asyncio.run(standalone.serve(sims, args, lambda s, port: {"id": s.config.id, "port": port}))


if __name__ == "__main__":
    main()
