"""Reading a device's never-ending multipart event stream, with a silence watchdog.

The field's worst event-stream failure is not an error but silence: the TCP connection stays
open and nothing comes (pyHik #12/#14, rroller/dahua #596). Devices send heartbeats for this
reason, so a stream that delivers no complete part within `idle_timeout_s` is declared stalled
(`DeviceTimeout`) and the adapter reconnects, with `Backoff` spacing the attempts so a fleet
of cameras does not reconnect in lock-step (reconnect bursts hit Dahua's connection cap).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import aiohttp

from gateway.sdk.errors import DecodeError, DeviceRefused, DeviceTimeout, ProtocolError
from gateway.sdk.http.multipart import (
    MultipartSplitter,
    Part,
    PartError,
    boundary_from_content_type,
)

__all__ = ["iter_parts", "Backoff"]


async def iter_parts(response: aiohttp.ClientResponse, *, idle_timeout_s: float,
                     max_part_bytes: int = 1024 * 1024,
                     default_boundary: str | None = None) -> AsyncIterator[Part | PartError]:
    """Every part (or framing error) of a multipart response, as it arrives. Returns when the
    device ends the stream. Raises DeviceTimeout when no complete part arrives within
    `idle_timeout_s`, ProtocolError when the response is not multipart, DeviceRefused when
    the connection drops."""
    content_type = response.headers.get("Content-Type", "")
    boundary = boundary_from_content_type(content_type) or default_boundary
    if not content_type.lower().startswith("multipart/") or boundary is None:
        raise ProtocolError(f"event stream is {content_type or 'untyped'!r}, not multipart "
                            "with a boundary")
    try:
        splitter = MultipartSplitter(boundary, max_part_bytes=max_part_bytes)
    except ValueError as err:
        raise DecodeError(str(err)) from None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + idle_timeout_s
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                chunk = await response.content.readany()
        except TimeoutError:
            raise DeviceTimeout(f"event stream stalled: no complete part (event or heartbeat) "
                                f"for {idle_timeout_s} s") from None
        except aiohttp.ClientPayloadError as err:
            raise DeviceRefused(f"event stream broke off: {err}") from err
        except (aiohttp.ClientError, OSError) as err:
            raise DeviceRefused(f"event stream dropped: {err}") from err
        if not chunk:
            return
        items = splitter.feed(chunk)
        if any(isinstance(item, Part) for item in items):
            deadline = loop.time() + idle_timeout_s
        for item in items:
            yield item


class Backoff:
    """Jittered exponential delays: initial, 2x, 4x ... capped at `max_s`, each scaled by a
    random factor in [0.5, 1] so devices that failed together retry apart."""

    __slots__ = ("initial_s", "max_s", "_attempt", "_rng")

    def __init__(self, initial_s: float, max_s: float, rng: random.Random | None = None) -> None:
        if initial_s <= 0 or max_s < initial_s:
            raise ValueError("need 0 < initial_s <= max_s")
        self.initial_s = initial_s
        self.max_s = max_s
        self._attempt = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        base = min(self.max_s, self.initial_s * 2.0 ** min(self._attempt, 30))
        self._attempt += 1
        return base * self._rng.uniform(0.5, 1.0)

    def reset(self) -> None:
        self._attempt = 0
