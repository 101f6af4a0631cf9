"""Prometheus metrics, scraped straight from the gateway (no exporter in between).

Per-device gauges are produced at scrape time from the registry by a custom collector (cheaper
than thousands of labelled Gauge children updated on every poll); poll latency and errors are
ordinary Histogram/Counter objects updated by the poll sink. Names are the external contract.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.model import HealthStatus
from gateway.registry import Registry

__all__ = ["GatewayMetrics"]

POLL_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class _DeviceCollector(Collector):
    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("junction_device_up", "1 if the device answered its last polls",
                               labels=["device", "kind", "vendor", "model"])
        status = GaugeMetricFamily("junction_device_health_status",
                                   "1 for the device's current health status",
                                   labels=["device", "status"])
        uptime = GaugeMetricFamily("junction_device_uptime_seconds",
                                   "Uptime reported by the device itself", labels=["device"])
        seen = GaugeMetricFamily("junction_device_last_seen_timestamp_seconds",
                                 "Unix time of the last good answer", labels=["device"])
        reboots = GaugeMetricFamily("junction_device_reboots_detected",
                                    "Reboots detected since the gateway started",
                                    labels=["device"])
        offset = GaugeMetricFamily("junction_device_clock_offset_seconds",
                                   "Device clock minus gateway clock", labels=["device"])
        for rt in self._registry:
            h = rt.health.health
            up.add_metric(list(rt.labels),
                          1.0 if h.status in (HealthStatus.UP, HealthStatus.DEGRADED) else 0.0)
            status.add_metric([rt.id, h.status.value], 1.0)
            if h.uptime_s is not None:
                uptime.add_metric([rt.id], h.uptime_s)
            if h.last_seen is not None:
                seen.add_metric([rt.id], h.last_seen.timestamp())
            reboots.add_metric([rt.id], float(h.reboots_detected))
            if h.clock_offset_s is not None:
                offset.add_metric([rt.id], h.clock_offset_s)
        yield from (up, status, uptime, seen, reboots, offset)


class GatewayMetrics:
    __slots__ = ("registry", "poll_duration", "poll_errors", "commands", "started",
                 "violations", "violations_rejected", "violations_duplicate")

    def __init__(self, devices: Registry) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_DeviceCollector(devices))
        self.poll_duration = Histogram(
            "junction_device_poll_duration_seconds", "Time for one poll of one device",
            ["adapter"], buckets=POLL_BUCKETS, registry=self.registry)
        self.poll_errors = Counter(
            "junction_device_poll_errors", "Failed polls by adapter and reason",
            ["adapter", "reason"], registry=self.registry)
        self.commands = Counter(
            "junction_commands", "Commands by outcome", ["command", "outcome"],
            registry=self.registry)
        self.violations = Counter(
            "junction_violations_ingested", "Violation records stored", ["device"],
            registry=self.registry)
        self.violations_rejected = Counter(
            "junction_violations_rejected", "Violation records refused, by reason", ["reason"],
            registry=self.registry)
        self.violations_duplicate = Counter(
            "junction_violations_duplicate", "Retried violation records already stored",
            registry=self.registry)
        self.started = time.time()
