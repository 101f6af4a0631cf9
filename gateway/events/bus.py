"""In-process event fan-out: the store and every SSE client see the same ordered stream.

Publishing never blocks the poller: each subscriber has a bounded queue, and a subscriber that
falls behind loses its oldest events (counted, and told so) instead of slowing everyone.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

from gateway.model import Event

__all__ = ["EventBus", "Subscription"]

EventFilter = Callable[[Event], bool]


class Subscription:
    __slots__ = ("_queue", "_filter", "dropped")

    def __init__(self, event_filter: EventFilter | None, size: int) -> None:
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=size)
        self._filter = event_filter
        self.dropped = 0

    def offer(self, event: Event) -> None:
        if self._filter is not None and not self._filter(event):
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def get(self) -> Event:
        return await self._queue.get()


class EventBus:
    __slots__ = ("_first_id", "_next_id", "_recent", "_subscribers", "_sinks")

    def __init__(self, *, first_id: int = 1, recent: int = 10_000) -> None:
        self._first_id = first_id
        self._next_id = first_id
        self._recent: deque[Event] = deque(maxlen=recent)
        self._subscribers: set[Subscription] = set()
        self._sinks: list[Callable[[Event], None]] = []

    def add_sink(self, sink: Callable[[Event], None]) -> None:
        """A synchronous consumer that sees every event (the store's batch writer)."""
        self._sinks.append(sink)

    def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            event.id = self._next_id
            self._next_id += 1
            self._recent.append(event)
            for sink in self._sinks:
                sink(event)
            for sub in self._subscribers:
                sub.offer(event)

    def recent_after(self, last_id: int) -> list[Event] | None:
        """Events after `last_id` from memory, or None when memory cannot tell (they were
        evicted, or published by an earlier run of the gateway): then ask the store."""
        first = self._recent[0].id if self._recent else self._next_id
        assert first is not None
        if last_id + 1 < max(first, self._first_id):
            return None
        return [e for e in self._recent if e.id is not None and e.id > last_id]

    @asynccontextmanager
    async def subscribe(self, event_filter: EventFilter | None = None,
                        size: int = 1000) -> AsyncIterator[Subscription]:
        sub = Subscription(event_filter, size)
        self._subscribers.add(sub)
        try:
            yield sub
        finally:
            self._subscribers.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @property
    def last_id(self) -> int:
        return self._next_id - 1
