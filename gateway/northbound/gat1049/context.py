"""What every GA/T 1049 session shares: gateway, config, directory, feed, metrics, Seq numbers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata

from gateway.northbound.config import Gat1049Config
from gateway.northbound.gat1049.ids import CrossDirectory
from gateway.northbound.gat1049.tracker import Feed
from gateway.northbound.metrics import NorthboundMetrics
from gateway.service import Gateway

__all__ = ["PROTOCOL", "Context", "gateway_version"]

PROTOCOL = "gat1049"


def gateway_version() -> str:
    try:
        return metadata.version("junction")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(slots=True)
class Context:
    gateway: Gateway
    config: Gat1049Config
    metrics: NorthboundMetrics
    directory: CrossDirectory
    feed: Feed
    version: str = field(default_factory=gateway_version)
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def seq(self) -> str:
        """A new Seq: 14-digit local timestamp + 6-digit counter (1049.1, reference §4.1)."""
        return datetime.now().strftime("%Y%m%d%H%M%S") + f"{next(self._counter) % 1_000_000:06d}"
