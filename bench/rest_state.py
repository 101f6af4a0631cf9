"""REST state queries while the gateway polls N controllers at 1 Hz.

    apt-get install -y wrk
    python bench/rest_state.py --controllers 5000 --rate 2000 --seconds 20

Simulators (child process), then an in-process Gateway with its API (gateway.runner.start_api
on 127.0.0.1, anonymous reads) polling them. Once the fleet has state, two load phases of wrk
query GET /api/v1/devices/<id>/state, cycling over every device id (a Lua script):
  1. paced: --connections keep-alive connections, each waiting `delay()` after each answer,
     the delay set from a 3 s calibration run's mean latency so that together they send about
     --rate req/s (plain wrk has no rate option and wrk2 is not in Debian; the achieved rate is
     reported and must reach 98% of --rate).
  2. max throughput: wrk -t2 -c50 without delay, so its p99 is at saturation.
wrk is C and costs the shared 2-core machine little; its latency is from send to whole body.
During each phase, poll rate, state staleness (as poll_ntcip.py) and gateway CPU are measured
too. Goal: p99 < 5 ms at 2,000 req/s while 5,000 controllers are polled. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import (
    child,
    emit,
    load,
    make_gateway,
    note,
    percentile,
    run,
    sample_staleness,
    simulators,
)

from gateway.runner import start_api
from gateway.service import Gateway

LUA = """ids = {%s}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/devices/" .. ids[(i %% #ids) + 1] .. "/state")
end
"""
PACE = """
delay = function()
  return %.3f
end
"""


def seconds_of(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def parse_wrk(out: str) -> dict[str, Any]:
    latency = {f"p{m[1]}": round(seconds_of(m[2]) * 1000, 3)
               for m in re.finditer(r"^\s+(\d+)%\s+(\S+)$", out, re.M)}
    avg = re.search(r"^\s+Latency\s+(\S+)", out, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {"requests_per_s": float(rps[1]) if rps else None,
            "latency_avg_ms": round(seconds_of(avg[1]) * 1000, 3) if avg else 0.0,
            "requests": int(total[1]) if total else None, "latency_ms": latency,
            "non_2xx": int(bad[1]) if bad else 0,
            "socket_errors": errors[1] if errors else None}


async def loop_lag(seconds: float, tick: float = 0.01) -> list[float]:
    """How late a 10 ms timer fires, in ms: how long the loop was busy when it came due."""
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    end = loop.time() + seconds
    while loop.time() < end:
        due = loop.time() + tick
        await asyncio.sleep(tick)
        lags.append((loop.time() - due) * 1000)
    return lags


async def during(gw: Gateway, seconds: float, work: asyncio.Future[Any]) -> dict[str, Any]:
    """Poll rate, staleness, loop lag and gateway CPU while `work` (a load phase) runs."""
    polls0, cpu0, t0 = gw.scheduler.polls, time.process_time(), time.monotonic()
    lags = asyncio.ensure_future(loop_lag(seconds))
    ages, never = await sample_staleness(gw, seconds)
    elapsed = time.monotonic() - t0
    polls, cpu = gw.scheduler.polls - polls0, time.process_time() - cpu0
    result: dict[str, Any] = await work
    lag = await lags
    return result | {"gateway": {
        "polls_per_s": round(polls / elapsed, 1), "cpu_cores": round(cpu / elapsed, 3),
        "staleness_p50_s": round(percentile(ages, 0.5), 3),
        "staleness_p99_s": round(percentile(ages, 0.99), 3),
        "samples_without_state": never,
        "loop_lag_ms": {q: round(percentile(lag, v), 2) for q, v in
                        (("p50", 0.5), ("p99", 0.99), ("max", 1.0))}}}


async def wait_for_state(gw: Gateway, limit: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        have = sum(1 for rt in gw.registry if rt.state is not None)
        if have >= 0.99 * len(gw.registry):
            break
        await asyncio.sleep(1)
    return round(time.monotonic() - t0, 1)


async def bench(a: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    load_before = load()
    with simulators(a.controllers) as (_sim, fleet), tempfile.TemporaryDirectory() as tmp:
        gw = make_gateway(fleet, a.controllers, a.interval, tmp,
                          {"auth": {"anonymous_read": True}})
        await gw.start()
        runner = None
        try:
            runner, port = await start_api(gw, "127.0.0.1", 0)
            base = f"http://127.0.0.1:{port}"
            ready_s = await wait_for_state(gw, a.max_warmup)
            await asyncio.sleep(a.warmup)
            ids = [rt.id for rt in gw.registry]
            script = Path(tmp, "cycle.lua")
            script.write_text(LUA % ", ".join(f'"{i}"' for i in ids))
            # A connection's period is delay + latency: a short calibration run measures the
            # latency at about the target rate, and the delay is the period minus that.
            period_ms = a.connections / a.rate * 1000
            paced = Path(tmp, "paced.lua")
            paced.write_text(script.read_text() + PACE % (period_ms * 0.9))
            with child(wrk_command(a, a.connections, paced, base, seconds=3),
                       stdout=subprocess.PIPE) as proc:
                calibration = await asyncio.to_thread(wrk_result, proc, 30)
            delay_ms = max(0.0, period_ms - calibration["latency_avg_ms"])
            paced.write_text(script.read_text() + PACE % delay_ms)
            fixed_cmd = wrk_command(a, a.connections, paced, base)
            note(f"paced: delay {delay_ms:.2f} ms: " + " ".join(fixed_cmd))
            with child(fixed_cmd, stdout=subprocess.PIPE) as proc:
                work = asyncio.ensure_future(asyncio.to_thread(wrk_result, proc, a.seconds + 30))
                fixed = await during(gw, a.seconds, work)
            fixed["delay_ms"] = round(delay_ms, 3)
            wrk_cmd = wrk_command(a, a.wrk_connections, script, base)
            note("max throughput: " + " ".join(wrk_cmd))
            with child(wrk_cmd, stdout=subprocess.PIPE) as proc:
                work = asyncio.ensure_future(asyncio.to_thread(wrk_result, proc, a.seconds + 30))
                saturated = await during(gw, a.seconds, work)
        finally:
            if runner is not None:
                await runner.cleanup()
            await gw.stop()
    latency = fixed["latency_ms"]
    rate = fixed["requests_per_s"] or 0.0
    return {
        "bench": "rest_state", "controllers": a.controllers, "interval_s": a.interval,
        "seconds_to_state": ready_s,
        "paced": {"target_req_per_s": a.rate, "connections": a.connections,
                  **{k: v for k, v in fixed.items() if k != "raw"}},
        "wrk_max_throughput": {"threads": a.wrk_threads, "connections": a.wrk_connections,
                               **{k: v for k, v in saturated.items() if k != "raw"}},
        "goal": {"rate": 2000, "p99_ms_max": 5.0,
                 "met": latency.get("p99", 1e9) < 5.0 and rate >= 0.98 * a.rate
                 and fixed["non_2xx"] == 0 and fixed["gateway"]["polls_per_s"]
                 >= 0.98 * a.controllers / a.interval},
        "load_before": load_before, "load_after": load(),
    }


def wrk_command(a: argparse.Namespace, connections: int, script: Path, base: str,
                seconds: float | None = None) -> list[str]:
    return ["wrk", f"-t{a.wrk_threads}", f"-c{connections}", f"-d{int(seconds or a.seconds)}s",
            "--timeout", "2s", "--latency", "-s", str(script), base + "/"]


def wrk_result(proc: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    out, _ = proc.communicate(timeout=timeout)
    text = out.decode()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk exited {proc.returncode}: {text[-500:]}")
    note(text)
    return parse_wrk(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--controllers", type=int, default=5000)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=2000, help="paced phase, req/s")
    parser.add_argument("--connections", type=int, default=20,
                        help="paced phase: connections sharing the rate")
    parser.add_argument("--seconds", type=float, default=20, help="each load phase")
    parser.add_argument("--warmup", type=float, default=5, help="after the fleet has state")
    parser.add_argument("--max-warmup", type=float, default=120,
                        help="longest wait for 99%% of devices to have state")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--wrk-connections", type=int, default=50)
    a = parser.parse_args()
    emit(run(lambda: bench(a)))


if __name__ == "__main__":
    main()
