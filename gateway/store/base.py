"""The store interface the rest of the gateway codes against (so PostgreSQL can come later)."""

from __future__ import annotations

from typing import Protocol

from gateway.model import CommandOutcome, Event

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
