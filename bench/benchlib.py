"""Helpers shared by the benches: child processes that are always cleaned up, simulators,
an in-process Gateway over a simulated fleet, CPU/RSS from /proc, percentiles.

Every bench prints JSON lines only on stdout; everything else goes to stderr (`note`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from gateway.service import Gateway

T = TypeVar("T")


def note(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result | {"event_loop": LOOP}), flush=True)


def load() -> list[float]:
    """1/5/15-minute load averages, noted with every measurement."""
    return [round(x, 2) for x in os.getloadavg()]


def cpu_of(pid: int | str) -> float:
    """utime + stime of a process, in seconds (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return -1.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: SIGTERM when the bench dies, even by SIGKILL (Linux prctl)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def child(cmd: list[str], **popen: Any) -> Iterator[subprocess.Popen[bytes]]:
    """A child process that is stopped (SIGTERM, then SIGKILL) however the block ends."""
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, preexec_fn=_die_with_parent,
                            **popen)
    try:
        yield proc
    finally:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@contextlib.contextmanager
def simulators(n: int, module: str = "simulators.ntcip", *options: str
               ) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, Any]]]:
    """N simulated devices (`python -m module`) in a child process; yields (process, the fleet
    JSON line it prints: host and each device's id and port)."""
    cmd = [sys.executable, "-m", module, "--count", str(n), *options, "--watch-stdin"]
    with child(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as sim:
        assert sim.stdout is not None
        line = sim.stdout.readline()
        if not line:
            raise RuntimeError(f"simulators exited with {sim.wait(timeout=5)}")
        yield sim, json.loads(line)


def read_json_line(proc: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    """The one JSON line a child bench prints on stdout (bounded wait)."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{proc.args!r} did not finish in {timeout:.0f} s") from None
    lines = [ln for ln in out.decode().splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{proc.args!r} exited {proc.returncode} without a result")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def make_gateway(fleet: dict[str, Any], n: int, interval: float, tmp: str,
                 extra: dict[str, Any] | None = None, adapter: str = "ntcip",
                 device: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Gateway:
    """A Gateway polling the first n devices of the fleet at `interval` (timeout 0.8 s at
    most); `device` adds adapter-specific fields to each device entry."""
    from gateway.adapters import AdapterCatalog
    from gateway.config import validate_config
    from gateway.service import Gateway
    from gateway.yamlsource import Located

    devices = [{"id": d["id"], "kind": "signal_controller", "adapter": adapter,
                "endpoint": {"host": fleet["host"], "port": d["port"]},
                "poll": {"interval_s": interval, "timeout_s": min(0.8, interval)},
                **(device(d) if device else {})}
               for d in fleet["devices"][:n]]
    raw = {"store": {"path": f"{tmp}/bench.db"}, "devices": devices, **(extra or {})}
    catalog = AdapterCatalog.discover()
    loaded = validate_config(Located(raw, {}, "<bench>"), catalog, Path(tmp))
    return Gateway(loaded, catalog, seed=0)


async def sample_staleness(gw: Gateway, seconds: float) -> tuple[list[float], int]:
    """Age of every device's cached state, sampled every 0.5 s; returns (ages, samples of
    devices that had no state yet). A sample walks the fleet in slices of 250 devices,
    yielding between them, so the measurement does not stall the loop it measures."""
    ages: list[float] = []
    never = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        await asyncio.sleep(0.5)
        runtimes = list(gw.registry)
        for start in range(0, len(runtimes), 250):
            now = time.time()
            for rt in runtimes[start:start + 250]:
                if rt.state is None:
                    never += 1
                else:
                    ages.append(now - rt.state.received_at.timestamp())
            await asyncio.sleep(0)
    return ages, never


LOOP = os.environ.get("JUNCTION_LOOP", "asyncio")  # the gateway's default; "uvloop" to compare


async def measure_polling(gw: Gateway, sim_pid: int, n: int, interval: float,
                          seconds: float) -> dict[str, Any]:
    """The poll benches' window: polls/s against the schedule, errors, staleness, gateway CPU
    (this process) per 1,000 polls, simulator CPU, RSS."""
    def errors() -> int:
        return sum(sum(rt.diagnostics.errors_by_reason.values()) for rt in gw.registry)

    ok_before = sum(1 for rt in gw.registry if rt.state is not None)
    polls0, cpu0, sim_cpu0, errors0 = (gw.scheduler.polls, time.process_time(),
                                       cpu_of(sim_pid), errors())
    t0 = time.monotonic()
    ages, never = await sample_staleness(gw, seconds)
    elapsed = time.monotonic() - t0
    polls = gw.scheduler.polls - polls0
    cpu = time.process_time() - cpu0
    sim_cpu = cpu_of(sim_pid) - sim_cpu0
    reasons: dict[str, int] = {}
    for rt in gw.registry:
        for reason, count in rt.diagnostics.errors_by_reason.items():
            reasons[reason] = reasons.get(reason, 0) + count
    return {
        "controllers": n, "interval_s": interval, "seconds": round(elapsed, 2),
        "polls_per_s": round(polls / elapsed, 1),
        "scheduled_polls_per_s": round(n / interval, 1),
        "errors_in_window": errors() - errors0, "errors_by_reason_total": reasons,
        "devices_up": sum(1 for rt in gw.registry if rt.health.status.value == "up"),
        "devices_with_state_after_warmup": ok_before, "samples_without_state": never,
        "staleness_p50_s": round(percentile(ages, 0.5), 3),
        "staleness_p99_s": round(percentile(ages, 0.99), 3),
        "gateway_cpu_s_per_1000_polls": round(cpu / max(polls, 1) * 1000, 3),
        "gateway_cpu_cores": round(cpu / elapsed, 3),
        "simulator_cpu_cores": round(sim_cpu / elapsed, 3),
        "gateway_rss_mb": round(rss_mb(), 1),
        "simulator_rss_mb": round(rss_mb(sim_pid), 1),
        "overruns": gw.scheduler.overruns,
        "load": load(),
    }


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run the bench on the gateway's event loop (JUNCTION_LOOP, default asyncio), with
    SIGTERM treated like Ctrl-C (the main task is cancelled, so every `finally` and context
    manager runs and child processes are stopped)."""
    from gateway import eventloop

    async def wrapper() -> T:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await main()
    try:
        return eventloop.run(wrapper(), LOOP)
    except (KeyboardInterrupt, asyncio.CancelledError):
        note("interrupted: child processes stopped")
        raise SystemExit(130) from None
