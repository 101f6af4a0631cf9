"""The per-device health state machine, with hysteresis so one lost packet is not an outage.

unknown -> up on the first good poll (degraded if the data was partial), -> down on the first
failure (a device down at startup is just down, never a crash). From up, a lost answer only
counts (`consecutive_failures`, no event: 1 % packet loss must not flap a fleet);
`failures_to_down` in a row make it down; from down, `successes_to_up` good polls in a row
bring it back. Degraded means the device answers but lacks objects we need. A reboot is
device-reported uptime going backwards, or less than it must be after an outage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from gateway.model import EventType, Health, HealthStatus

__all__ = ["HealthRecord", "Transition", "HealthMachine", "UPTIME_WRAP_S"]

# sysUpTime is TimeTicks (hundredths, 32 bits): it wraps after ~497 days.
UPTIME_WRAP_S = 2**32 / 100


@dataclass(slots=True)
class HealthRecord:
    """The live health of one device. A plain slotted record, written on every poll (a
    pydantic model costs ~1 us per attribute write there); `HealthMachine.view()` gives the
    API's `Health` model."""

    status: HealthStatus = HealthStatus.UNKNOWN
    reason: str = "ok"
    level: str | None = None
    message: str | None = None
    last_seen: datetime | None = None
    last_change: datetime | None = None
    consecutive_failures: int = 0
    uptime_s: float | None = None
    reboots_detected: int = 0
    clock_offset_s: float | None = None
    last_poll_latency_ms: float | None = None


@dataclass(slots=True, frozen=True)
class Transition:
    event: EventType
    data: dict[str, object]


class HealthMachine:
    __slots__ = ("health", "_failures_to_down", "_successes_to_up", "_successes",
                 "_down_since", "_uptime_at")

    def __init__(self, *, failures_to_down: int, successes_to_up: int) -> None:
        self.health = HealthRecord()
        self._failures_to_down = failures_to_down
        self._successes_to_up = successes_to_up
        self._successes = 0
        self._down_since: datetime | None = None
        self._uptime_at: datetime | None = None

    @property
    def status(self) -> HealthStatus:
        return self.health.status

    def view(self) -> Health:
        """The API/JSON shape of the current health."""
        return Health.model_validate(asdict(self.health))

    def _move(self, status: HealthStatus, reason: str, message: str | None,
              now: datetime) -> list[Transition]:
        h = self.health
        previous = h.status
        h.reason, h.message = reason, message
        if status == previous:
            return []
        h.status, h.last_change = status, now
        data: dict[str, object] = {"from": previous.value, "reason": reason}
        if message:
            data["message"] = message
        if status == HealthStatus.DOWN:
            self._down_since = now
            return [Transition(EventType.DEVICE_DOWN, data)]
        if status == HealthStatus.UP:
            if self._down_since is not None:
                data["outage_s"] = round((now - self._down_since).total_seconds(), 3)
                self._down_since = None
            return [Transition(EventType.DEVICE_UP, data)]
        if status == HealthStatus.DEGRADED:
            return [Transition(EventType.DEVICE_DEGRADED, data)]
        return []

    def success(self, *, latency_ms: float, uptime_s: float | None = None,
                clock_offset_s: float | None = None, problems: tuple[str, ...] = (),
                problem_reason: str = "protocol_error",
                now: datetime | None = None) -> list[Transition]:
        now = now or datetime.now(UTC)
        h = self.health
        h.last_seen, h.last_poll_latency_ms = now, round(latency_ms, 3)
        h.consecutive_failures = 0
        self._successes += 1
        if clock_offset_s is not None:
            h.clock_offset_s = round(clock_offset_s, 3)
        out: list[Transition] = []
        if uptime_s is not None:
            previous, previous_at = h.uptime_s, self._uptime_at
            h.uptime_s, self._uptime_at = uptime_s, now
            if previous is not None and previous_at is not None:
                elapsed = (now - previous_at).total_seconds()
                expected = previous + elapsed  # what the uptime must at least be by now
                slack = 2.0 + 0.01 * elapsed  # clock rates differ; polls take time
                wrapped = expected > UPTIME_WRAP_S - 3600 and uptime_s < 3600
                if uptime_s + slack < expected and not wrapped:
                    h.reboots_detected += 1
                    out.append(Transition(EventType.DEVICE_REBOOTED,
                                          {"uptime_s": uptime_s, "previous_uptime_s": previous,
                                           "seconds_since_previous": round(elapsed, 3)}))
        if h.status == HealthStatus.DOWN and self._successes < self._successes_to_up:
            return out
        if problems:
            message = "missing: " + ", ".join(problems[:10])
            return self._move(HealthStatus.DEGRADED, problem_reason, message, now) + out
        return self._move(HealthStatus.UP, "ok", None, now) + out

    def failure(self, reason: str, message: str, *, latency_ms: float | None = None,
                now: datetime | None = None) -> list[Transition]:
        now = now or datetime.now(UTC)
        h = self.health
        self._successes = 0
        h.consecutive_failures += 1
        if latency_ms is not None:
            h.last_poll_latency_ms = round(latency_ms, 3)
        if h.status in (HealthStatus.UNKNOWN, HealthStatus.DOWN) or \
                h.consecutive_failures >= self._failures_to_down:
            return self._move(HealthStatus.DOWN, reason, message, now)
        h.message = f"{reason}: {message} ({h.consecutive_failures} in a row)"
        return []
