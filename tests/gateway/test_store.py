"""SQLite store: batched events survive a restart; audit entries are durable."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.model import CommandOutcome, Event, EventType
from gateway.store import SqliteStore
from gateway.store import sqlite as sqlite_module


async def test_events_and_audit_round_trip(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "j.db")
    await store.open()
    now = datetime.now(UTC)
    for i in range(1, 6):
        store.enqueue_event(Event(id=i, type=EventType.SIGNAL_PHASE_CHANGED, device="d1",
                                  time=now, data={"phase": i}, hires_code=1))
    audit_id = await store.record_command(CommandOutcome(
        device="d1", command="set_pattern", args={"pattern": 2}, outcome="accepted",
        message="ok", actor="ops", at=now))
    await store.close()

    again = SqliteStore(tmp_path / "j.db")
    await again.open()
    assert await again.last_event_id() == 5
    events = await again.events(after_id=2, device="d1")
    assert [e.data["phase"] for e in events] == [3, 4, 5]
    assert await again.events(type_prefix="device.") == []
    audit = await again.audit(device="d1")
    assert audit[0].id == audit_id and audit[0].args == {"pattern": 2}
    await again.close()


async def test_events_waiting_for_a_failing_disk_are_bounded_oldest_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_module, "_PENDING_MAX", 100)
    store = SqliteStore(tmp_path / "j.db")
    now = datetime.now(UTC)
    for i in range(1, 151):  # not opened yet: nothing can be written, as when the disk fails
        store.enqueue_event(Event(id=i, type=EventType.SIGNAL_PHASE_CHANGED, device="d1",
                                  time=now, data={"phase": i}))
    await store.open()
    await store.close()
    again = SqliteStore(tmp_path / "j.db")
    await again.open()
    kept = [e.id for e in await again.events(limit=1000)]
    await again.close()
    assert kept == list(range(151 - len(kept), 151)) and 90 <= len(kept) <= 100
