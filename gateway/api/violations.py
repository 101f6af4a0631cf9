"""Violation records: filtered, keyset-paginated listing, one record, its evidence images."""

from __future__ import annotations

import base64
from datetime import datetime

from aiohttp import web

from gateway.api.keys import AUTH, GATEWAY
from gateway.api.params import int_param
from gateway.sdk.errors import InvalidArguments, NotFound

__all__ = ["routes"]

routes = web.RouteTableDef()


def _time_param(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArguments(f"{name!r} must be an ISO 8601 time, got {raw!r}") from None
    if value.tzinfo is None:
        raise InvalidArguments(f"{name!r} needs a UTC offset (e.g. 2026-11-29T08:00:00Z)")
    return value


def _encode_cursor(time_text: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{time_text}|{seq}".encode()).decode().rstrip("=")


def _decode_cursor(raw: str | None) -> tuple[str, int] | None:
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        time_text, seq = text.rsplit("|", 1)
        return time_text, int(seq)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArguments("invalid cursor; use the 'next' value of a previous page") \
            from None


@routes.get("/api/v1/violations")
async def list_violations(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    gw = request.app[GATEWAY]
    limit = int_param(request, "limit", 100, 1, 1000)
    q = request.query
    rows = await gw.store.violations(
        device=q.get("device") or None, plate=q.get("plate") or None,
        code=q.get("code") or None, since=_time_param(request, "since"),
        until=_time_param(request, "until"), after=_decode_cursor(q.get("cursor")),
        limit=limit + 1)
    page = rows[:limit]
    nxt = _encode_cursor(page[-1][1], page[-1][2]) if len(rows) > limit else None
    return web.json_response({"items": [r.model_dump(mode="json") for r, _, _ in page],
                              "next": nxt})


@routes.get("/api/v1/violations/{id}")
async def get_violation(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    record = await request.app[GATEWAY].store.violation(request.match_info["id"])
    if record is None:
        raise NotFound(f"no violation record {request.match_info['id']!r}")
    return web.json_response(record.model_dump(mode="json"))


@routes.get("/api/v1/violations/{id}/images/{n}")
async def get_image(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    gw = request.app[GATEWAY]
    record = await gw.store.violation(request.match_info["id"])
    if record is None:
        raise NotFound(f"no violation record {request.match_info['id']!r}")
    raw_n = request.match_info["n"]
    if not raw_n.isdigit() or int(raw_n) >= len(record.images):
        raise NotFound(f"record {record.id} has {len(record.images)} images (0-based)")
    image = record.images[int(raw_n)]
    try:
        content = gw.evidence.get(image.sha256)
    except FileNotFoundError:
        raise NotFound(f"evidence file {image.sha256} is missing from the store") from None
    return web.Response(body=content, content_type=image.content_type,
                        headers={"ETag": f'"{image.sha256}"',
                                 "Cache-Control": "private, max-age=31536000, immutable"})
