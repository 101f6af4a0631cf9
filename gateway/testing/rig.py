"""An in-process gateway around one simulated device, polled step by step by the kit.

The real `Gateway` (registry, scheduler's `poll_once`, health, events, SQLite store, audit)
and the real REST API on 127.0.0.1 port 0, but no poll loop: each check decides when a poll
happens, so faults land between two known polls and no check waits out a poll interval. Every
log line is captured, to look for leaked credentials and to name the adapter method behind an
`internal` failure (an unimplemented method, an exception that is not a JunctionError).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import time
import traceback
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import pytest

from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.model import Event, EventType
from gateway.registry import DeviceRuntime
from gateway.runner import start_api
from gateway.scheduler import PollOutcome
from gateway.sdk.adapter import Adapter
from gateway.service import Gateway
from gateway.yamlsource import Located, YamlFileError

__all__ = ["OPERATOR", "OPERATOR_TOKEN", "VIEWER_TOKEN", "LogCapture", "Rig", "explain",
           "open_rig"]

OPERATOR = "conformance-operator"
OPERATOR_TOKEN = "conformance-operator-token-0123"
VIEWER_TOKEN = "conformance-viewer-token-01234"
_stores = itertools.count(1)


class LogCapture(logging.Handler):
    """Every record, formatted with its traceback, for the whole life of a rig."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(self.format(r) for r in self.records)

    def last_exception(self) -> BaseException | None:
        for record in reversed(self.records):
            if record.exc_info and record.exc_info[1] is not None:
                return record.exc_info[1]
        return None


def _frames(tb: TracebackType | None) -> list[tuple[Any, int]]:
    out = []
    while tb is not None:
        out.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    return out


def explain(exc: BaseException, adapter: type[Any]) -> str:
    """Name the adapter method an unexpected exception came from, and say what to do."""
    home = Path(inspect.getfile(adapter)).resolve().parent
    where = None
    for frame, line in _frames(exc.__traceback__):
        path = Path(frame.f_code.co_filename).resolve()
        if path.is_relative_to(home):
            where = (frame.f_code.co_qualname, path, line)
    method = f"{where[0]}()" if where else f"{adapter.__name__} (method unknown)"
    at = f" at {where[1]}:{where[2]}" if where else ""
    if isinstance(exc, NotImplementedError):
        return f"{method} is not implemented yet{at}: {exc}"
    trace = "".join(traceback.format_exception(exc))
    return (f"{method} raised {type(exc).__name__}: {exc}{at}. Adapters raise gateway.sdk "
            "errors (DeviceTimeout, AuthFailed, DecodeError, ProtocolError ...) so the poller "
            f"can tell health reasons apart; anything else is reported as 'internal'.\n{trace}")


@dataclass
class Rig:
    gateway: Gateway
    rt: DeviceRuntime
    http: aiohttp.ClientSession
    base: str
    logs: LogCapture
    adapter: type[Any]
    events: list[Event] = field(default_factory=list)

    @property
    def device_id(self) -> str:
        return self.rt.id

    def _fail_on_internal(self, what: str) -> None:
        exc = self.logs.last_exception()
        if exc is not None:
            pytest.fail(f"{what}: {explain(exc, self.adapter)}", pytrace=False)
        pytest.fail(f"{what}: the adapter failed with reason 'internal' (see the log)",
                    pytrace=False)

    async def poll(self) -> PollOutcome:
        """One poll, exactly as the scheduler does it. Fails the test on reason `internal`."""
        outcome = await self.gateway.scheduler.poll_once(self.rt)
        if outcome.reason == "internal":
            self._fail_on_internal(f"poll of {self.device_id}")
        return outcome

    async def poll_until(self, predicate: Callable[[PollOutcome], bool], what: str, *,
                         timeout_s: float = 8.0, pause_s: float = 0.05) -> PollOutcome:
        deadline = time.monotonic() + timeout_s
        outcomes: list[str] = []
        while True:
            outcome = await self.poll()
            outcomes.append(outcome.reason if not outcome.message
                            else f"{outcome.reason} ({outcome.message[:120]})")
            if predicate(outcome):
                return outcome
            if time.monotonic() > deadline:
                seen = "; ".join(dict.fromkeys(outcomes))
                pytest.fail(f"{self.device_id}: no {what} within {timeout_s} s of polling "
                            f"(outcomes: {seen})", pytrace=False)
            await asyncio.sleep(pause_s)

    async def until_up(self, timeout_s: float = 8.0) -> PollOutcome:
        return await self.poll_until(
            lambda o: o.reading is not None and self.rt.health.status.value == "up",
            "good reading with health up", timeout_s=timeout_s)

    async def get(self, path: str, token: str | None = OPERATOR_TOKEN) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.get(self.base + path, headers=headers) as resp:
            if resp.content_type == "application/json":
                return resp.status, await resp.json()
            return resp.status, await resp.text(errors="replace")

    async def command(self, name: str, args: dict[str, Any] | None = None,
                      token: str | None = OPERATOR_TOKEN) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.post(f"{self.base}/api/v1/devices/{self.device_id}/commands",
                                  json={"command": name, "args": args or {}},
                                  headers=headers) as resp:
            body = await resp.json()
        if resp.status == 500:
            self._fail_on_internal(f"command {name}")
        return resp.status, body

    def events_of(self, type: EventType) -> list[Event]:
        return [e for e in self.events if e.type == type and e.device == self.device_id]

    async def everything_said(self) -> str:
        """Every output a user or another system can see about the device, as text."""
        await self.gateway.store.flush()
        dev = f"/api/v1/devices/{self.device_id}"
        parts = []
        for path in ("/api/v1/devices", dev, f"{dev}/state", f"{dev}/health",
                     f"{dev}/diagnostics", f"/api/v1/events?device={self.device_id}&limit=1000",
                     f"/api/v1/audit?device={self.device_id}", "/metrics", "/api/v1/adapters"):
            status, body = await self.get(path)
            parts.append(f"GET {path} -> {status} {body}")
        parts.append(self.logs.text())
        parts.extend(repr(e) for e in self.events)
        parts.append(repr(self.rt.config))
        parts.append(repr(self.rt.diagnostics.snapshot()))
        return "\n".join(parts)


def catalog_with(adapter: type[Any]) -> AdapterCatalog:
    """The installed adapters plus this one (registered or not yet)."""
    found = AdapterCatalog.discover()
    return AdapterCatalog({**dict(found.items()), adapter.info.name: adapter}, found.broken)


@asynccontextmanager
async def open_rig(adapter: type[Adapter], device: dict[str, Any], tmp_path: Path, *,
                   profile_dirs: tuple[Path, ...] = ()) -> AsyncIterator[Rig]:
    """A started gateway (no poll loop) and its API, with `device` as its only device."""
    raw = {"api": {"host": "127.0.0.1", "port": 0},
           "auth": {"anonymous_read": False, "tokens": [
               {"name": OPERATOR, "token": OPERATOR_TOKEN, "role": "operator"},
               {"name": "conformance-viewer", "token": VIEWER_TOKEN, "role": "viewer"}]},
           "store": {"path": str(tmp_path / f"conformance-{next(_stores)}.db")},
           "profile_dirs": [str(d) for d in profile_dirs], "devices": [device]}
    catalog = catalog_with(adapter)
    try:
        loaded = validate_config(Located(raw, {}, "<conformance device>"), catalog, tmp_path)
    except YamlFileError as err:
        pytest.fail("the device entry from the simulator handle does not validate:\n"
                    + "\n".join(str(e) for e in err.errors), pytrace=False)
    logs = LogCapture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(logs)
    root.setLevel(logging.DEBUG)
    gateway = Gateway(loaded, catalog, seed=1)
    try:
        await gateway.start(poll=False)
        runner, port = await start_api(gateway, "127.0.0.1", 0)
        try:
            async with aiohttp.ClientSession() as http:
                rig = Rig(gateway, gateway.registry.get(device["id"]), http,
                          f"http://127.0.0.1:{port}", logs, adapter)
                gateway.bus.add_sink(rig.events.append)
                yield rig
        finally:
            await runner.cleanup()
    finally:
        await gateway.stop()
        root.removeHandler(logs)
        root.setLevel(level)
