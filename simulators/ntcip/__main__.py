"""Run simulated NTCIP controllers standalone (for benchmarks and for poking with snmpwalk).

    python -m simulators.ntcip --count 5            # demo fleet first, then generated ones
    snmpwalk -v1 -c public 127.0.0.1:PORT 1.3.6.1.4.1.1206.4.2.1

Prints one JSON line {"host": ..., "devices": [{"id", "port"}]} once listening, then serves
until SIGINT/SIGTERM or until standard input closes (so a parent process can own it).
"""

from __future__ import annotations

import asyncio

from simulators import standalone
from simulators.engine.fleet import demo_fleet, fleet_of
from simulators.ntcip.controller import SimulatedController


def main() -> None:
    p = standalone.parser("python -m simulators.ntcip", __doc__)
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--community", default="public")
    p.add_argument("--seed", type=int, default=0)
    args = standalone.checked(p)
    demo = demo_fleet()
    configs = demo[:args.count] if args.count <= len(demo) else fleet_of(args.count, args.seed)
    sims = [SimulatedController(c, community=args.community, seed=args.seed + i)
            for i, c in enumerate(configs)]
    asyncio.run(standalone.serve(sims, args, lambda s, port: {"id": s.config.id, "port": port}))


if __name__ == "__main__":
    main()
