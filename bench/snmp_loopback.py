"""Loopback throughput of SnmpClient against SnmpAgent, one JSON line per in-flight level.

Why: capacity planning needs req/s and CPU per poll on each side. The agents run in a child
process so the two CPU costs can be told apart (client: this process's CPU time; agent: the
child's, from /proc). Both share the same cores, as in the toolchain-notes baselines.
Run: python bench/snmp_loopback.py [--agents 50] [--varbinds 30] [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.sdk.snmp import SnmpClient, Tag
from simulators.snmp.agent import DictMibView, SnmpAgent

__all__ = ["main"]

BASE = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 4, 1, 4)


async def serve(agents: int, varbinds: int) -> None:
    view = DictMibView({BASE + (i,): (Tag.INTEGER, i * 1000) for i in range(1, varbinds + 1)})
    running = [SnmpAgent(view) for _ in range(agents)]
    ports = [(await a.start())[1] for a in running]
    print(json.dumps(ports), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(ports: list[int], varbinds: int, in_flight: int, seconds: float,
                  child: int) -> dict[str, object]:
    oids = [BASE + (i,) for i in range(1, varbinds + 1)]
    done = 0
    stop = False
    async with SnmpClient() as client:
        async def worker(k: int) -> None:
            nonlocal done
            i = k
            while not stop:
                resp = await client.get("127.0.0.1", ports[i % len(ports)], b"public", oids)
                assert len(resp.varbinds) == varbinds
                done += 1
                i += in_flight

        for _ in range(50):  # warm-up: caches, templates
            await client.get("127.0.0.1", ports[0], b"public", oids)
        c0, a0, t0 = time.process_time(), cpu_seconds(child), time.perf_counter()
        tasks = [asyncio.create_task(worker(k)) for k in range(in_flight)]
        await asyncio.sleep(seconds)
        stop = True
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
        client_cpu, agent_cpu = time.process_time() - c0, cpu_seconds(child) - a0
        timeouts = client.stats["timeouts"]
    return {
        "in_flight": in_flight, "varbinds": varbinds, "req_per_s": round(done / wall),
        "client_cpu_us_per_req": round(client_cpu / done * 1e6, 1),
        "agent_cpu_us_per_req": round(agent_cpu / done * 1e6, 1), "timeouts": timeouts,
    }


async def run(args: argparse.Namespace) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", "--agents", str(args.agents),
        "--varbinds", str(args.varbinds),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        ports = json.loads(await child.stdout.readline())
        for n in args.in_flight:
            print(json.dumps(await measure(ports, args.varbinds, n, args.seconds, child.pid)),
                  flush=True)
    finally:
        child.stdin.close()
        await asyncio.wait_for(child.wait(), 5)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--agents", type=int, default=50)
    ap.add_argument("--varbinds", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--in-flight", type=int, nargs="+", default=[1, 16, 64, 256])
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.agents, args.varbinds))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
