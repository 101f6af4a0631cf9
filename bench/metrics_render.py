"""/metrics render time and memory for a large registry (no network, no simulators).

    python bench/metrics_render.py --devices 30000 --runs 7

Builds the config of N NTCIP controllers (validate_config, as the CLI does), a Registry (one
adapter instance per device) and GatewayMetrics; gives every device an identity (vendor/model
labels) and a successful poll (uptime, clock offset), so all six per-device families have a
series per device; then times GatewayMetrics.render() (the whole /metrics body) several times.
The first render also builds the cached label blocks, so it is reported apart. RSS is read
from /proc after the build and after the renders. With promtool on PATH (Debian `prometheus`)
the body is checked with `promtool check metrics`. Goals: render < 300 ms, RSS < 500 MB.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import emit, load, rss_mb

from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.metrics import GatewayMetrics, render_devices
from gateway.registry import Registry
from gateway.sdk import DeviceIdentity
from gateway.yamlsource import Located


def build(n: int, tmp: str) -> tuple[GatewayMetrics, dict[str, float]]:
    devices = [{"id": f"ctl-{i:05d}", "kind": "signal_controller", "adapter": "ntcip",
                "endpoint": {"host": "127.0.0.1", "port": 10000 + i % 50000}}
               for i in range(n)]
    catalog = AdapterCatalog.discover()
    t0 = time.perf_counter()
    loaded = validate_config(Located({"store": {"path": f"{tmp}/m.db"}, "devices": devices},
                                     {}, "<bench>"), catalog, Path(tmp))
    t1 = time.perf_counter()
    registry = Registry(loaded, catalog)
    t2 = time.perf_counter()
    for i, rt in enumerate(registry):
        rt.set_identity(DeviceIdentity(vendor="Econolite", model="Cobalt",
                                       firmware="32.64.10"))
        rt.health.success(latency_ms=3.2, uptime_s=86400.0 + i, clock_offset_s=-0.25)
    metrics = GatewayMetrics(registry)
    metrics.observe_poll("ntcip", 0.004)
    metrics.poll_errors.labels("ntcip", "timeout").inc()
    return metrics, {"validate_s": round(t1 - t0, 3), "registry_s": round(t2 - t1, 3)}


def promtool_check(body: bytes) -> dict[str, Any] | None:
    if shutil.which("promtool") is None:
        return None
    out = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                         timeout=60)
    text = (out.stdout + out.stderr).decode()
    return {"exit": out.returncode, "problems": [ln for ln in text.splitlines() if ln][:5]}


def bench(n: int, runs: int) -> dict[str, Any]:
    load_before = load()
    rss_start = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        metrics, timings = build(n, tmp)
        gc.collect()
        rss_built = rss_mb()
        t = time.perf_counter()
        body = metrics.render()
        first = time.perf_counter() - t
        full: list[float] = []
        devices_only: list[float] = []
        for _ in range(runs):
            t = time.perf_counter()
            body = metrics.render()
            full.append(time.perf_counter() - t)
            t = time.perf_counter()
            render_devices(metrics.devices)
            devices_only.append(time.perf_counter() - t)
        rss_after = rss_mb()
        check = promtool_check(body)
    lines = body.count(b"\n")
    samples = lines - body.count(b"\n#")

    def ms(values: list[float]) -> dict[str, float]:
        return {"min": round(min(values) * 1000, 1),
                "median": round(statistics.median(values) * 1000, 1),
                "max": round(max(values) * 1000, 1)}

    return {
        "bench": "metrics_render", "devices": n, "runs": runs,
        "render_ms": ms(full), "render_first_ms": round(first * 1000, 1),
        "render_devices_only_ms": ms(devices_only),
        "body_bytes": len(body), "samples": samples,
        "rss_mb_before_build": round(rss_start, 1), "rss_mb_after_build": round(rss_built, 1),
        "rss_mb_after_renders": round(rss_after, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **timings, "promtool": check,
        "goal_render_ms_max": 300, "goal_rss_mb_max": 500,
        "load_before": load_before, "load_after": load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=30000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    emit(bench(args.devices, args.runs))


if __name__ == "__main__":
    main()
