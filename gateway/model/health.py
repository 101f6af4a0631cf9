"""Per-device health as the API and metrics show it (the state machine is gateway.health)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

__all__ = ["HealthStatus", "Health"]


class HealthStatus(StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


class Health(BaseModel):
    status: HealthStatus = HealthStatus.UNKNOWN
    reason: str = "ok"
    level: str | None = None  # protocol-specific progress, e.g. camera "authenticated"
    message: str | None = None
    last_seen: datetime | None = None
    last_change: datetime | None = None
    consecutive_failures: int = 0
    uptime_s: float | None = None
    reboots_detected: int = 0
    clock_offset_s: float | None = None
    last_poll_latency_ms: float | None = None
