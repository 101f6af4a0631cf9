"""The poll loop. Every device has its own task and its own deadline, so one dead or slow
device never delays another (the field's most common gateway failure, see
field-pain-points §3.1). A semaphore per adapter bounds concurrent requests; a device that is
down is polled less and less often (exponential backoff up to `max_backoff_s`).

Adapters raise JunctionError; anything else is a bug in an adapter, logged once with its
traceback and reported as reason `internal`. Nothing escapes a device's task.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Protocol

from gateway.model import HealthStatus
from gateway.registry import DeviceRuntime, Registry
from gateway.sdk.adapter import EventAdapter, Reading
from gateway.sdk.errors import JunctionError

__all__ = ["PollOutcome", "PollSink", "Scheduler"]

log = logging.getLogger(__name__)

# Failures after which the adapter is opened again (tables re-read) on the next poll.
REOPEN_REASONS = frozenset({"protocol_error", "config_error", "decode_error"})


@dataclass(slots=True, frozen=True)
class PollOutcome:
    reading: Reading | None
    reason: str  # "ok" or the failure reason
    message: str
    latency_s: float


class PollSink(Protocol):
    def on_poll(self, rt: DeviceRuntime, outcome: PollOutcome) -> None: ...


class Scheduler:
    __slots__ = ("_registry", "_sink", "_semaphores", "_max_backoff_s", "_rng", "_tasks",
                 "_max_concurrency", "_event_tasks", "polls", "overruns")

    def __init__(self, registry: Registry, sink: PollSink, *, max_concurrency: int = 1000,
                 max_backoff_s: float = 60.0, seed: int | None = None) -> None:
        self._registry = registry
        self._sink = sink
        self._max_concurrency = max_concurrency
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._max_backoff_s = max_backoff_s
        self._rng = random.Random(seed)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._event_tasks: dict[str, asyncio.Task[None]] = {}
        self.polls = 0
        self.overruns = 0

    def start(self) -> None:
        if self._tasks:
            raise RuntimeError("Scheduler.start() called twice; call stop() first")
        for rt in self._registry:
            self.start_device(rt)

    def start_device(self, rt: DeviceRuntime) -> None:
        """Start polling one device (at start, or one added by a live reload)."""
        if rt.id in self._tasks:
            raise RuntimeError(f"device {rt.id!r} is already polled; call stop_device() first")
        self._tasks[rt.id] = asyncio.create_task(self._run(rt), name=f"poll:{rt.id}")

    async def stop_device(self, device_id: str) -> None:
        """Cancel and await one device's poll and event tasks (a live reload removed or
        changed it); the others run on undisturbed. Unknown ids are ignored."""
        tasks = [t for t in (self._tasks.pop(device_id, None),
                             self._event_tasks.pop(device_id, None)) if t is not None]
        await _cancel(tasks)

    async def stop(self) -> None:
        tasks = list(self._tasks.values()) + list(self._event_tasks.values())
        self._tasks.clear()
        self._event_tasks.clear()
        await _cancel(tasks)

    def _semaphore(self, adapter: str) -> asyncio.Semaphore:
        sem = self._semaphores.get(adapter)
        if sem is None:
            sem = self._semaphores[adapter] = asyncio.Semaphore(self._max_concurrency)
        return sem

    def _delay(self, rt: DeviceRuntime) -> float:
        interval = rt.config.poll.interval_s
        if rt.health.status != HealthStatus.DOWN:
            return interval
        excess = max(0, rt.health.health.consecutive_failures - rt.config.poll.failures_to_down)
        return float(min(interval * 2.0 ** min(excess, 16), max(self._max_backoff_s, interval)))

    async def _run(self, rt: DeviceRuntime) -> None:
        loop = asyncio.get_running_loop()
        interval = rt.config.poll.interval_s
        due = loop.time() + self._rng.uniform(0, interval)  # spread the fleet over one interval
        while True:
            now = loop.time()
            if due > now:
                await asyncio.sleep(due - now)
            await self.poll_once(rt)
            due += self._delay(rt)
            now = loop.time()
            if due < now:  # overran a whole slot: skip it rather than burst to catch up
                self.overruns += 1
                due = now + self._rng.uniform(0, interval * 0.1)

    def _is_current(self, rt: DeviceRuntime) -> bool:
        return rt.id in self._registry and self._registry.get(rt.id) is rt

    def _start_events(self, rt: DeviceRuntime) -> None:
        if isinstance(rt.adapter, EventAdapter) and rt.id not in self._event_tasks \
                and self._is_current(rt):  # not for a device a reload has just removed
            self._event_tasks[rt.id] = asyncio.create_task(self._run_events(rt, rt.adapter),
                                                           name=f"events:{rt.id}")

    async def _run_events(self, rt: DeviceRuntime, adapter: EventAdapter) -> None:
        """Keep the device's event stream running; restart it with jittered backoff."""
        delay = 1.0
        while True:
            started = time.monotonic()
            try:
                await adapter.stream_events()
                reason, message = "closed", "event stream ended"
            except JunctionError as err:
                reason, message = err.reason, err.message
            except Exception as err:  # an adapter bug: log once, keep the gateway running
                log.exception("device=%s event=event_stream_error", rt.id)
                reason, message = "internal", f"adapter error: {type(err).__name__}"
            rt.diagnostics.record("events", "stream", reason, message,
                                  (time.monotonic() - started) * 1000)
            delay = 1.0 if time.monotonic() - started > 60 else min(delay * 2, 60.0)
            await asyncio.sleep(delay * self._rng.uniform(0.5, 1.0))

    async def poll_once(self, rt: DeviceRuntime) -> PollOutcome:
        """Poll one device now, under its deadline; never raises (except cancellation).

        A poll due while a command talks to the device is skipped (reason `busy`), not queued:
        the command's read-back is fresher than the poll would be."""
        poll = rt.config.poll
        if rt.io_lock.locked():
            return PollOutcome(None, "busy", "a command is in progress", 0.0)
        async with self._semaphore(rt.config.adapter), rt.io_lock:
            started = time.perf_counter()
            reading: Reading | None = None
            reason, message = "ok", ""
            try:
                if not rt.is_open:
                    async with asyncio.timeout(max(poll.timeout_s * 3, 2.0)):
                        rt.set_identity(await rt.adapter.open())
                    rt.is_open = True
                    self._start_events(rt)
                async with asyncio.timeout(poll.timeout_s):
                    reading = await rt.adapter.read()
            except JunctionError as err:
                reason, message = err.reason, err.message
                if reason in REOPEN_REASONS:  # the device changed under us: read it afresh
                    rt.is_open = False
            except TimeoutError:
                reason, message = "timeout", f"no complete answer within {poll.timeout_s} s"
            except Exception as err:  # an adapter bug: report it, keep polling everyone
                if rt.last_reason != "internal":
                    log.exception("device=%s event=adapter_error", rt.id)
                reason, message = "internal", f"adapter error: {type(err).__name__}"
            latency = time.perf_counter() - started
            rt.last_reason = reason
        self.polls += 1
        outcome = PollOutcome(reading, reason, message, latency)
        try:
            self._sink.on_poll(rt, outcome)
        except Exception:
            log.exception("device=%s event=poll_sink_error", rt.id)
        return outcome


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with suppress(asyncio.CancelledError):
            await task
