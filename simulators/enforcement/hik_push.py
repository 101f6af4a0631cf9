"""The HTTP-host side of a simulated Hikvision ITC camera: POST each alert, note what was acked.

A real camera answers a failed push by retrying or (one production report) not at all; both
are options here (`retry`). Retries resend the same bytes, so the same UUID, which is what the
gateway deduplicates on. The pusher keeps a ledger: every alert it was answered 200 for
(`acked`, with the sha256 of each image it sent), those refused for good (`refused`), and the
ack latency of each success, which is what the durability test and the bench read.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from simulators.enforcement.traffic import Crossing

__all__ = ["PushJob", "Pusher"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PushJob:
    crossing: Crossing
    body: bytes
    content_type: str
    image_sha256: tuple[str, ...]
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)  # 0 = no HTTP answer

    @classmethod
    def build(cls, crossing: Crossing, body: bytes, content_type: str,
              images: tuple[bytes, ...]) -> PushJob:
        return cls(crossing, body, content_type,
                   tuple(hashlib.sha256(i).hexdigest() for i in images))


class Pusher:
    __slots__ = ("url", "retry", "retry_4xx", "_timeout", "_queue", "_workers", "_session",
                 "_in_flight", "_max_in_flight", "_delay_s", "_max_delay_s", "acked", "refused",
                 "latencies_ms", "statuses", "submitted")

    def __init__(self, url: str, *, retry: bool = True, retry_4xx: int = 1,
                 max_in_flight: int = 8, timeout_s: float = 5.0, retry_delay_s: float = 0.05,
                 max_retry_delay_s: float = 1.0) -> None:
        self.url = url
        self.retry = retry
        self.retry_4xx = retry_4xx
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._queue: asyncio.Queue[PushJob] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._in_flight = 0
        self._max_in_flight = max_in_flight
        self._delay_s, self._max_delay_s = retry_delay_s, max_retry_delay_s
        self.acked: dict[str, PushJob] = {}
        self.refused: dict[str, PushJob] = {}
        self.latencies_ms: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.submitted = 0

    async def start(self) -> None:
        if self._session is not None:
            raise RuntimeError("Pusher.start() called twice")
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._max_in_flight, force_close=False))
        self._workers = [asyncio.create_task(self._work(), name=f"itc-push-{n}")
                         for n in range(self._max_in_flight)]

    async def close(self) -> None:
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers = []
        if self._session is not None:
            await self._session.close()
            self._session = None

    def submit(self, job: PushJob) -> None:
        self.submitted += 1
        self._queue.put_nowait(job)

    @property
    def pending(self) -> int:
        return self._queue.qsize() + self._in_flight

    async def drain(self, timeout_s: float) -> bool:
        """Wait until every submitted job was acked or refused for good; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while self.pending:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            self._in_flight += 1
            try:
                again = await self._attempt(job)
            finally:
                self._in_flight -= 1
            if again:
                delay = min(self._max_delay_s, self._delay_s * 2 ** min(job.attempts - 1, 6))
                self._in_flight += 1  # still ours while it waits to be retried
                try:
                    await asyncio.sleep(delay)
                finally:
                    self._in_flight -= 1
                self._queue.put_nowait(job)

    async def post_once(self, body: bytes, content_type: str) -> int:
        """One POST outside the ledger (heartbeats); the HTTP status, 0 when unanswered."""
        assert self._session is not None, "call start() first"
        try:
            async with self._session.post(self.url, data=body, timeout=self._timeout,
                                          headers={"Content-Type": content_type}) as resp:
                await resp.read()
                return resp.status
        except (aiohttp.ClientError, OSError, TimeoutError):
            return 0

    async def _attempt(self, job: PushJob) -> bool:
        """One POST; True if the job should be tried again."""
        assert self._session is not None
        job.attempts += 1
        started = time.perf_counter()
        status = 0
        try:
            async with self._session.post(self.url, data=job.body, timeout=self._timeout,
                                          headers={"Content-Type": job.content_type}) as resp:
                await resp.read()
                status = resp.status
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            if job.attempts == 1 or job.attempts % 50 == 0:
                log.debug("event=push_failed uuid=%s attempt=%d error=%s", job.crossing.uuid,
                          job.attempts, err)
        job.statuses.append(status)
        self.statuses[status] += 1
        if status == 200:
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
            self.acked[job.crossing.uuid] = job
            return False
        if not self.retry or (400 <= status < 500 and job.attempts > self.retry_4xx):
            self.refused[job.crossing.uuid] = job
            return False
        return True
