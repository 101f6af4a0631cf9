"""The store interface the rest of the gateway codes against (so PostgreSQL can come later)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from gateway.model import CommandOutcome, Event, ViolationRecord

__all__ = ["Store"]


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None:
        """Flush pending writes, then close."""
        ...

    def enqueue_event(self, event: Event) -> None:
        """Queue an event for the next batched write; never blocks."""
        ...

    async def flush(self) -> None: ...

    async def last_event_id(self) -> int: ...

    async def events(self, *, after_id: int = 0, device: str | None = None,
                     type_prefix: str | None = None, limit: int = 100) -> list[Event]: ...

    async def record_command(self, outcome: CommandOutcome) -> int:
        """Write one audit entry durably before returning its id."""
        ...

    async def audit(self, *, device: str | None = None, after_id: int = 0,
                    limit: int = 100) -> list[CommandOutcome]: ...

    async def add_violation(self, record: ViolationRecord) -> bool:
        """Commit one record durably; False if its id is already stored."""
        ...

    async def violation(self, record_id: str) -> ViolationRecord | None: ...

    async def violations(self, *, device: str | None = None, since: datetime | None = None,
                         until: datetime | None = None, plate: str | None = None,
                         code: str | None = None, after: tuple[str, int] | None = None,
                         limit: int = 100) -> list[tuple[ViolationRecord, str, int]]: ...

    async def violation_count(self) -> int: ...
