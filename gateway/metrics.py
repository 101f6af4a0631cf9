"""Prometheus metrics, scraped straight from the gateway (no exporter in between).

Per-device gauges are rendered at scrape time straight from the registry (no labelled Gauge
children updated on every poll, no per-scrape object churn); poll latency and errors are
ordinary Histogram/Counter objects updated by the poll sink. Names are the external contract.

The size of the violation store (`junction_store_violations`, `junction_store_evidence_bytes`)
is read at scrape time from running totals the store keeps (gateway.ingest.StoreSize): no
query per scrape.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.ingest import StoreSize
from gateway.model import HealthStatus
from gateway.registry import Registry

__all__ = ["GatewayMetrics", "render_devices"]

POLL_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


_FAMILIES = (
    ("junction_device_up", "1 if the device answered its last polls"),
    ("junction_device_health_status", "1 for the device's current health status"),
    ("junction_device_uptime_seconds", "Uptime reported by the device itself"),
    ("junction_device_last_seen_timestamp_seconds", "Unix time of the last good answer"),
    ("junction_device_reboots_detected", "Reboots detected since the gateway started"),
    ("junction_device_clock_offset_seconds", "Device clock minus gateway clock"),
)
_UP = (HealthStatus.UP, HealthStatus.DEGRADED)


def render_devices(registry: Registry) -> str:
    """Per-device gauges in the text exposition format, straight from the registry.

    Hand-rendered because prometheus_client's generic path (a Metric object and a sample
    tuple per series) takes ~0.7 s for 30,000 devices; this takes a fraction of that. Label
    blocks are built once per device and cached until its identity changes."""
    up: list[str] = []
    status: list[str] = []
    uptime: list[str] = []
    seen: list[str] = []
    reboots: list[str] = []
    offset: list[str] = []
    for rt in registry:
        labels = rt.metric_labels
        if labels is None:
            device = f'device="{_label(rt.id)}"'
            labels = rt.metric_labels = (
                f'{{{device},kind="{rt.config.kind.value}",vendor="{_label(rt.vendor)}",'
                f'model="{_label(rt.model)}"}} ', f"{{{device}}} ", f"{{{device},status=")
        full, short, with_status = labels
        h = rt.health.health
        up.append(f"junction_device_up{full}{1.0 if h.status in _UP else 0.0}")
        status.append(f'junction_device_health_status{with_status}"{h.status.value}"}} 1.0')
        if h.uptime_s is not None:
            uptime.append(f"junction_device_uptime_seconds{short}{float(h.uptime_s)!r}")
        if h.last_seen is not None:
            seen.append(f"junction_device_last_seen_timestamp_seconds{short}"
                        f"{h.last_seen.timestamp()!r}")
        reboots.append(f"junction_device_reboots_detected{short}{float(h.reboots_detected)!r}")
        if h.clock_offset_s is not None:
            offset.append(f"junction_device_clock_offset_seconds{short}"
                          f"{float(h.clock_offset_s)!r}")
    parts: list[str] = []
    for (name, help_text), lines in zip(_FAMILIES, (up, status, uptime, seen, reboots, offset),
                                        strict=True):
        parts.append(f"# HELP {name} {help_text}\n# TYPE {name} gauge")
        if lines:
            parts.append("\n".join(lines))
    return "\n".join(parts) + "\n"


class _StoreSizeCollector(Collector):
    """The store-size gauges, from the running totals (absent until an ingest feeds them)."""

    def __init__(self, size: StoreSize) -> None:
        self._size = size

    def collect(self) -> Iterator[Metric]:
        totals = self._size.totals()
        if totals is None:
            return
        records, evidence_bytes = totals
        yield GaugeMetricFamily("junction_store_violations",
                                "Violation records in the store", value=float(records))
        yield GaugeMetricFamily("junction_store_evidence_bytes",
                                "Bytes of the evidence images the stored records reference",
                                value=float(evidence_bytes))


class GatewayMetrics:
    __slots__ = ("devices", "registry", "poll_duration", "_poll_children", "poll_errors",
                 "commands", "violations", "violations_rejected", "violations_duplicate",
                 "store_size")

    def __init__(self, devices: Registry) -> None:
        self.devices = devices
        self._poll_children: dict[str, Histogram] = {}
        self.registry = CollectorRegistry(auto_describe=False)
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
        # fed by the ViolationIngest that gets `self.violations` (gateway.ingest)
        self.store_size = StoreSize()
        self.registry.register(_StoreSizeCollector(self.store_size))

    def observe_poll(self, adapter: str, seconds: float) -> None:
        child = self._poll_children.get(adapter)
        if child is None:
            child = self._poll_children[adapter] = self.poll_duration.labels(adapter)
        child.observe(seconds)

    def render(self) -> bytes:
        """The whole /metrics body: per-device gauges, then the library-managed metrics."""
        return render_devices(self.devices).encode() + generate_latest(self.registry)
