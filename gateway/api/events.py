"""Events: history from the store, and the live SSE stream (with Last-Event-ID resume)."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from gateway.api.keys import AUTH, GATEWAY
from gateway.api.params import int_param
from gateway.model import Event

__all__ = ["routes", "HEARTBEAT_S"]

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


@routes.get("/api/v1/events/stream")
async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events. Filters: ?device=ID&type=PREFIX (e.g. type=signal.)."""
    request.app[AUTH].require_read(request)
    gw = request.app[GATEWAY]
    device = request.query.get("device")
    prefix = request.query.get("type")
    last_id_raw = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})
    async with gw.bus.subscribe(lambda e: _matches(e, device, prefix)) as sub:
        await response.prepare(request)
        await response.write(b": junction event stream\nretry: 2000\n\n")
        if last_id_raw and last_id_raw.isdigit():
            missed = gw.bus.recent_after(int(last_id_raw))
            if missed is None:
                await gw.store.flush()
                missed = await gw.store.events(after_id=int(last_id_raw), device=device,
                                               type_prefix=prefix, limit=10_000)
            for event in missed:
                if _matches(event, device, prefix):
                    await response.write(_frame(event))
        reported = 0
        while True:
            try:
                event = await asyncio.wait_for(sub.get(), HEARTBEAT_S)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            if sub.dropped != reported:
                await response.write(f": {sub.dropped - reported} events dropped (slow "
                                     f"client)\n\n".encode())
                reported = sub.dropped
            await response.write(_frame(event))
