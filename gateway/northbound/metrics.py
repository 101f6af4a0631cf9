"""Prometheus metrics of the northbound servers, registered on the gateway's registry.

One set per CollectorRegistry (a second `start_northbound` on the same gateway reuses it, since
prometheus_client refuses duplicate names). Label values are never taken from a client as is:
callers pass fixed vocabularies (`kind` = PDU or operation, `reason` = error class).
"""

from __future__ import annotations

import weakref

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["NorthboundMetrics"]

_BY_REGISTRY: weakref.WeakKeyDictionary[CollectorRegistry, NorthboundMetrics] = \
    weakref.WeakKeyDictionary()


class NorthboundMetrics:
    __slots__ = ("sessions", "requests", "errors", "__weakref__")

    def __init__(self, registry: CollectorRegistry) -> None:
        self.sessions = Gauge(
            "junction_northbound_sessions",
            "Open northbound sessions (GA/T 1049 TCP connections; SNMP has none)",
            ["protocol"], registry=registry)
        self.requests = Counter(
            "junction_northbound_requests", "Northbound requests by protocol and kind",
            ["protocol", "kind"], registry=registry)
        self.errors = Counter(
            "junction_northbound_errors", "Northbound requests refused or failed, by reason",
            ["protocol", "reason"], registry=registry)
        self.sessions.labels("gat1049").set(0)

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> NorthboundMetrics:
        metrics = _BY_REGISTRY.get(registry)
        if metrics is None:
            metrics = _BY_REGISTRY[registry] = cls(registry)
        return metrics

    def request(self, protocol: str, kind: str) -> None:
        self.requests.labels(protocol, kind).inc()

    def error(self, protocol: str, reason: str) -> None:
        self.errors.labels(protocol, reason).inc()
