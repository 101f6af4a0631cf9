"""Events: history from the store, and the live SSE stream (with Last-Event-ID resume)."""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web

from gateway.api.keys import AUTH, CLOSING, GATEWAY
from gateway.api.params import int_param
from gateway.events.bus import Subscription
from gateway.model import Event

__all__ = ["routes", "HEARTBEAT_S"]

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
HEARTBEAT_S = 15.0


def _matches(event: Event, device: str | None, prefix: str | None) -> bool:
    return (device is None or event.device == device) and \
        (prefix is None or event.type.value.startswith(prefix))


@routes.get("/api/v1/events")
async def list_events(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    gw = request.app[GATEWAY]
    after = int_param(request, "after", 0, 0, 2**62)
    limit = int_param(request, "limit", 100, 1, 1000)
    await gw.store.flush()
    items = await gw.store.events(after_id=after, device=request.query.get("device"),
                                  type_prefix=request.query.get("type"), limit=limit)
    nxt = str(items[-1].id) if len(items) == limit else None
    return web.json_response({"items": [e.model_dump(mode="json") for e in items],
                              "next": nxt})


def _frame(event: Event) -> bytes:
    data = json.dumps(event.model_dump(mode="json"), separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.type.value}\ndata: {data}\n\n".encode()


MAX_STREAMS = 200
REPLAY_LIMIT = 10_000


@routes.get("/api/v1/events/stream")
async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events. Filters: ?device=ID&type=PREFIX (e.g. type=signal.).

    `Last-Event-ID` (or ?last_event_id=) resumes: missed events come first, from memory or
    the store, each sent once. A client that goes away is noticed within a second."""
    request.app[AUTH].require_read(request)
    gw = request.app[GATEWAY]
    if gw.bus.subscriber_count >= MAX_STREAMS:
        raise web.HTTPServiceUnavailable(text=f"at most {MAX_STREAMS} event streams")
    device = request.query.get("device")
    prefix = request.query.get("type")
    raw_last = request.headers.get("Last-Event-ID") or request.query.get("last_event_id") or ""
    last_id = int(raw_last) if raw_last.isascii() and raw_last.isdigit() else None
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})
    async with gw.bus.subscribe(lambda e: _matches(e, device, prefix)) as sub:
        try:
            await response.prepare(request)
            await response.write(b": junction event stream\nretry: 2000\n\n")
            sent = last_id if last_id is not None else 0
            if last_id is not None:
                missed = gw.bus.recent_after(last_id)
                if missed is None:
                    await gw.store.flush()
                    missed = await gw.store.events(after_id=last_id, device=device,
                                                   type_prefix=prefix, limit=REPLAY_LIMIT)
                    if len(missed) == REPLAY_LIMIT:
                        await response.write(b": replay truncated; use /api/v1/events\n\n")
                for event in missed:
                    if _matches(event, device, prefix) and event.id is not None:
                        await response.write(_frame(event))
                        sent = max(sent, event.id)
            await _pump(request, response, sub, sent)
        except ConnectionError:
            pass  # the client went away: nothing to answer
        except Exception:  # headers are out, so no JSON error can follow: log and end
            if not response.prepared:
                raise
            log.exception("event=sse_stream_error")
    return response


async def _pump(request: web.Request, response: web.StreamResponse, sub: Subscription,
                sent: int) -> None:
    reported = 0
    idle = 0.0
    closing = request.app[CLOSING]
    while not closing.is_set():
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        try:
            event = await asyncio.wait_for(sub.get(), 1.0)
        except TimeoutError:
            idle += 1.0
            if idle >= HEARTBEAT_S:
                await response.write(b": keepalive\n\n")
                idle = 0.0
            continue
        idle = 0.0
        if event.id is not None and event.id <= sent:
            continue  # already sent in the replay
        if sub.dropped != reported:
            await response.write(f": {sub.dropped - reported} events dropped (slow "
                                 f"client)\n\n".encode())
            reported = sub.dropped
        await response.write(_frame(event))
