"""SQLite (WAL) store: events in batches, the audit log and violation records durably.

sqlite3 is synchronous, so every call runs on one dedicated worker thread and the event loop
never blocks. Two connections with different promises: events are written in batches every
`flush_interval_s` with synchronous=NORMAL (safe against a process crash; a power cut may lose
the last batch), while audit entries and violation records go through a synchronous=FULL
connection and are on disk before the API or the device is answered.

The size of the violation store (records, evidence bytes they reference) is summed once at open
and then kept by each commit, so /metrics reads it without a query.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from gateway.model import CommandOutcome, Event, ViolationRecord

__all__ = ["SqliteStore"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_EventRow = tuple[int | None, str, str, str, int | None, str]
# Events kept while the disk fails (a few minutes of a large fleet); beyond, the oldest go.
_PENDING_MAX = 500_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    device TEXT NOT NULL,
    time TEXT NOT NULL,
    hires_code INTEGER,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_device ON events (device, id);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT,
    device TEXT NOT NULL,
    command TEXT NOT NULL,
    args TEXT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_device ON audit (device, id);
CREATE TABLE IF NOT EXISTS violations (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    device TEXT NOT NULL,
    time TEXT NOT NULL,
    plate TEXT,
    code TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS violations_time ON violations (time, seq);
CREATE INDEX IF NOT EXISTS violations_device ON violations (device, time);
CREATE INDEX IF NOT EXISTS violations_plate ON violations (plate, time);
"""


class SqliteStore:
    __slots__ = ("_path", "_conn", "_durable", "_executor", "_pending", "_flusher", "_retention",
                 "_flush_interval_s", "_writes", "_records", "_evidence_bytes", "_dropped")

    def __init__(self, path: str | Path, *, retention: int = 1_000_000,
                 flush_interval_s: float = 0.25) -> None:
        self._path = str(path)
        self._conn: sqlite3.Connection | None = None
        self._durable: sqlite3.Connection | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="junction-store")
        self._pending: list[_EventRow] = []  # rows built as events come: no burst at flush
        self._flusher: asyncio.Task[None] | None = None
        self._retention = retention
        self._flush_interval_s = flush_interval_s
        self._writes = 0
        self._records = 0
        self._evidence_bytes = 0
        self._dropped = 0

    async def _run(self, fn: Callable[[sqlite3.Connection], T], *, durable: bool = False) -> T:
        conn = self._durable if durable else self._conn
        if conn is None:
            raise RuntimeError("SqliteStore.open() must be awaited before use")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, conn)

    async def open(self) -> None:
        def connect(synchronous: str) -> sqlite3.Connection:
            if self._path != ":memory:":
                Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous}")
            conn.executescript(SCHEMA)
            return conn

        loop = asyncio.get_running_loop()
        self._conn = await loop.run_in_executor(self._executor, connect, "NORMAL")
        self._durable = await loop.run_in_executor(self._executor, connect, "FULL")
        self._records, self._evidence_bytes = await self._run(_violation_totals)
        self._flusher = asyncio.create_task(self._flush_loop(), name="junction-store-flush")

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        if self._conn is not None:
            await self.flush()
            await self._run(lambda c: c.close())
            await self._run(lambda c: c.close(), durable=True)
            self._conn = self._durable = None
        self._executor.shutdown(wait=True)

    def enqueue_event(self, event: Event) -> None:
        if len(self._pending) >= _PENDING_MAX:  # the disk has been failing for a long while
            del self._pending[:_PENDING_MAX // 10]
            self._dropped += _PENDING_MAX // 10
            log.error("event=store_events_dropped dropped_total=%d", self._dropped)
        self._pending.append((event.id, event.type.value, event.device, event.time.isoformat(),
                              event.hires_code,
                              json.dumps(event.data, separators=(",", ":"), default=str)))

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval_s)
            try:
                await self.flush()
            except sqlite3.Error as err:  # disk full, locked: keep the events, retry later
                log.error("event=store_flush_failed error=%s pending=%d", err,
                          len(self._pending))

    async def flush(self) -> None:
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        self._writes += 1
        trim = self._writes % 100 == 0
        retention = self._retention

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.executemany("INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?)", rows)
                if trim:
                    conn.execute("DELETE FROM events WHERE id <= "
                                 "(SELECT MAX(id) FROM events) - ?", (retention,))

        try:
            await self._run(write)
        except sqlite3.Error:
            self._pending[:0] = rows
            raise

    async def last_event_id(self) -> int:
        row = await self._run(lambda c: c.execute("SELECT MAX(id) FROM events").fetchone())
        return int(row[0] or 0)

    async def events(self, *, after_id: int = 0, device: str | None = None,
                     type_prefix: str | None = None, limit: int = 100) -> list[Event]:
        sql = "SELECT id, type, device, time, hires_code, data FROM events WHERE id > ?"
        params: list[Any] = [after_id]
        if device is not None:
            sql += " AND device = ?"
            params.append(device)
        if type_prefix is not None:
            sql += " AND type LIKE ? ESCAPE '\\'"
            params.append(type_prefix.replace("%", "\\%").replace("_", "\\_") + "%")
        sql += " ORDER BY id LIMIT ?"
        params.append(limit)
        rows = await self._run(lambda c: c.execute(sql, params).fetchall())
        return [Event(id=r[0], type=r[1], device=r[2], time=datetime.fromisoformat(r[3]),
                      hires_code=r[4], data=json.loads(r[5])) for r in rows]

    async def record_command(self, outcome: CommandOutcome) -> int:
        row = (outcome.at.isoformat(), outcome.actor, outcome.device, outcome.command,
               json.dumps(outcome.args, default=str), outcome.outcome, outcome.message,
               json.dumps(outcome.detail, default=str))

        def write(conn: sqlite3.Connection) -> int:
            with conn:
                cur = conn.execute("INSERT INTO audit (at, actor, device, command, args, "
                                   "outcome, message, detail) VALUES (?,?,?,?,?,?,?,?)", row)
                return int(cur.lastrowid or 0)

        return await self._run(write, durable=True)

    async def audit(self, *, device: str | None = None, after_id: int = 0,
                    limit: int = 100) -> list[CommandOutcome]:
        sql = ("SELECT id, at, actor, device, command, args, outcome, message, detail "
               "FROM audit WHERE id > ?")
        params: list[Any] = [after_id]
        if device is not None:
            sql += " AND device = ?"
            params.append(device)
        sql += " ORDER BY id LIMIT ?"
        params.append(limit)
        rows = await self._run(lambda c: c.execute(sql, params).fetchall())
        return [CommandOutcome(id=r[0], at=datetime.fromisoformat(r[1]), actor=r[2], device=r[3],
                               command=r[4], args=json.loads(r[5]), outcome=r[6], message=r[7],
                               detail=json.loads(r[8])) for r in rows]

    # -- violations ---------------------------------------------------------------------------

    async def add_violation(self, record: ViolationRecord) -> bool:
        """Commit one record; False if its id was already stored (a retried push)."""
        row = (record.id, record.device, _utc_text(record.time), record.plate.number,
               record.violation.code, record.model_dump_json())

        def write(conn: sqlite3.Connection) -> bool:
            with conn:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO violations (id, seq, device, time, plate, code, body) "
                    "VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM violations), ?,?,?,?,?)",
                    row)
                return cur.rowcount == 1

        created = await self._run(write, durable=True)
        if created:
            self._records += 1
            self._evidence_bytes += sum(image.size for image in record.images)
        return created

    def size_totals(self) -> tuple[int, int]:
        """(violation records, bytes of the evidence images they reference), kept up to date
        by `add_violation` since `open` summed them; no query. An image shared by two records
        counts twice (it is one file on disk)."""
        return self._records, self._evidence_bytes

    async def violation(self, record_id: str) -> ViolationRecord | None:
        row = await self._run(lambda c: c.execute(
            "SELECT body FROM violations WHERE id = ?", (record_id,)).fetchone())
        return ViolationRecord.model_validate_json(row[0]) if row else None

    async def violations(self, *, device: str | None = None, since: datetime | None = None,
                         until: datetime | None = None, plate: str | None = None,
                         code: str | None = None, after: tuple[str, int] | None = None,
                         limit: int = 100) -> list[tuple[ViolationRecord, str, int]]:
        """Records in time order with their (time, seq) keyset cursor, oldest first."""
        sql = "SELECT body, time, seq FROM violations WHERE 1=1"
        params: list[Any] = []
        for column, value in (("device", device), ("plate", plate), ("code", code)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if since is not None:
            sql += " AND time >= ?"
            params.append(_utc_text(since))
        if until is not None:
            sql += " AND time < ?"
            params.append(_utc_text(until))
        if after is not None:
            sql += " AND (time > ? OR (time = ? AND seq > ?))"
            params += [after[0], after[0], after[1]]
        sql += " ORDER BY time, seq LIMIT ?"
        params.append(limit)
        rows = await self._run(lambda c: c.execute(sql, params).fetchall())
        return [(ViolationRecord.model_validate_json(r[0]), r[1], r[2]) for r in rows]

    async def violation_count(self) -> int:
        row = await self._run(lambda c: c.execute("SELECT COUNT(*) FROM violations").fetchone())
        return int(row[0])


def _violation_totals(conn: sqlite3.Connection) -> tuple[int, int]:
    """Count the records and sum their image sizes, once, at open."""
    records = conn.execute("SELECT COUNT(*) FROM violations").fetchone()[0]
    try:
        size = conn.execute("SELECT COALESCE(SUM(json_extract(i.value, '$.size')), 0) "
                            "FROM violations AS v, json_each(v.body, '$.images') AS i"
                            ).fetchone()[0]
    except sqlite3.OperationalError:  # an SQLite without JSON functions
        size = sum(sum(int(image.get("size", 0)) for image in json.loads(row[0])["images"])
                   for row in conn.execute("SELECT body FROM violations"))
    return int(records), int(size)


def _utc_text(moment: datetime) -> str:
    """Sortable UTC text (microseconds, 'Z'), so SQL string order is time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: Junction stores UTC-aware times only")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
