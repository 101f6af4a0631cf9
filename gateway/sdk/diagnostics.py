"""Per-device diagnostics: recent exchanges with the device and error counts by reason.

A ring buffer, so an engineer can see what the gateway last asked and got without a packet
capture. Entries hold summaries only; credentials never reach them.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["Exchange", "Diagnostics"]


@dataclass(slots=True, frozen=True)
class Exchange:
    time: datetime
    operation: str
    request: str
    outcome: str  # "ok" or an error reason
    response: str
    latency_ms: float


class Diagnostics:
    __slots__ = ("_exchanges", "errors_by_reason", "last_error")

    def __init__(self, size: int = 20) -> None:
        self._exchanges: deque[Exchange] = deque(maxlen=size)
        self.errors_by_reason: Counter[str] = Counter()
        self.last_error: Exchange | None = None

    def record(
        self, operation: str, request: str, outcome: str, response: str, latency_ms: float,
        *, count: bool = False,
    ) -> None:
        """Keep one exchange. `count=True` (the poller's own entry per poll) also counts a
        failure in `errors_by_reason`, so a poll that made several exchanges counts once."""
        entry = Exchange(datetime.now(UTC), operation, request, outcome, response[:500],
                         round(latency_ms, 3))
        self._exchanges.append(entry)
        if outcome != "ok":
            self.last_error = entry
            if count:
                self.errors_by_reason[outcome] += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "exchanges": [_view(e) for e in reversed(self._exchanges)],
            "errors_by_reason": dict(self.errors_by_reason),
            "last_error": _view(self.last_error) if self.last_error else None,
        }


def _view(entry: Exchange) -> dict[str, Any]:
    view = asdict(entry)
    view["time"] = entry.time.isoformat()
    return view
