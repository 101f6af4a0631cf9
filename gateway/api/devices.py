"""Device resources: list, detail, state, health, diagnostics, probe and commands."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from gateway.api.auth import Forbidden, Unauthorized
from gateway.api.keys import AUTH, GATEWAY
from gateway.api.params import int_param
from gateway.api.views import device_view, state_json
from gateway.sdk.adapter import Capability, SnapshotAdapter
from gateway.sdk.errors import DeviceTimeout, InvalidArguments, JunctionError, Unsupported
from gateway.service import CommandFailure

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/api/v1/devices")
async def list_devices(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    gw = request.app[GATEWAY]
    limit = int_param(request, "limit", 500, 1, 5000)
    start = int_param(request, "cursor", 0, 0, 10**9)
    kind = request.query.get("kind")
    status = request.query.get("status")
    selected = [rt for rt in gw.registry
                if (kind is None or rt.config.kind.value == kind)
                and (status is None or rt.health.status.value == status)]
    page = selected[start:start + limit]
    nxt = str(start + limit) if start + limit < len(selected) else None
    return web.json_response({"items": [device_view(rt) for rt in page], "next": nxt})


@routes.get("/api/v1/devices/{id}")
async def get_device(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    rt = request.app[GATEWAY].registry.get(request.match_info["id"])
    return web.json_response(device_view(rt))


@routes.get("/api/v1/devices/{id}/state")
async def get_state(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    rt = request.app[GATEWAY].registry.get(request.match_info["id"])
    body = state_json(rt)
    if body is None:
        h = rt.health.health
        return web.json_response(
            {"error": "no_state", "message": f"no state read from {rt.id} yet",
             "health": h.status.value, "reason": h.reason}, status=503)
    return web.Response(body=body, content_type="application/json")


@routes.get("/api/v1/devices/{id}/health")
async def get_health(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    rt = request.app[GATEWAY].registry.get(request.match_info["id"])
    return web.json_response(rt.health.view().model_dump(mode="json"))


@routes.get("/api/v1/devices/{id}/diagnostics")
async def get_diagnostics(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    rt = request.app[GATEWAY].registry.get(request.match_info["id"])
    body = {"device": rt.id, "health": rt.health.view().model_dump(mode="json"),
            **rt.diagnostics.snapshot()}
    return web.json_response(body, dumps=lambda o: json.dumps(o, default=str))


SNAPSHOT_MAX_BYTES = 5 * 1024 * 1024


@routes.get("/api/v1/devices/{id}/snapshot")
async def get_snapshot(request: web.Request) -> web.Response:
    """The camera's current still image, fetched through its adapter (size-limited)."""
    request.app[AUTH].require_read(request)
    rt = request.app[GATEWAY].registry.get(request.match_info["id"])
    adapter = rt.adapter
    if Capability.SNAPSHOT not in rt.info.capabilities or \
            not isinstance(adapter, SnapshotAdapter):
        raise Unsupported(f"{rt.info.name} devices have no snapshots")
    if not rt.is_open:
        raise DeviceTimeout(f"{rt.id} has not answered yet", detail={"health":
                            rt.health.status.value})
    timeout = max(rt.config.poll.timeout_s * 5, 5.0)
    try:
        async with asyncio.timeout(timeout):
            image = await adapter.snapshot(SNAPSHOT_MAX_BYTES)
    except TimeoutError:
        raise DeviceTimeout(f"no snapshot from {rt.id} within {timeout} s") from None
    return web.Response(body=image.content, content_type=image.content_type,
                        headers={"Cache-Control": "no-store"})


@routes.post("/api/v1/devices/{id}/probe")
async def probe(request: web.Request) -> web.Response:
    """Poll now, exactly as the scheduler does, and answer what happened."""
    request.app[AUTH].require_operator(request)
    gw = request.app[GATEWAY]
    rt = gw.registry.get(request.match_info["id"])
    outcome = await gw.scheduler.poll_once(rt)
    return web.json_response({"device": rt.id, "outcome": outcome.reason,
                              "message": outcome.message,
                              "latency_ms": round(outcome.latency_s * 1000, 3),
                              "health": rt.health.view().model_dump(mode="json")})


@routes.post("/api/v1/devices/{id}/commands")
async def post_command(request: web.Request) -> web.Response:
    """Every attempt is audited, whatever stops it: token, body, arguments or the device."""
    gw = request.app[GATEWAY]
    auth = request.app[AUTH]
    device_id = request.match_info["id"]
    gw.registry.get(device_id)  # 404 before anything else for an unknown device
    body: dict[str, Any] = {}
    body_error: JunctionError | None = None
    try:
        body = await _json_body(request)
    except (InvalidArguments, PayloadTooLarge) as err:
        body_error = err
    raw_name = body.get("command")
    name = raw_name[:64] if isinstance(raw_name, str) else "?"
    args = body.get("args", {})
    try:
        principal = auth.identify(request)
        if principal is None:
            raise Unauthorized("commands need an operator token")
    except JunctionError as err:
        await gw.audit_denied(device_id, name, "unauthorized", err.message, args=args)
        raise
    if principal.role != "operator":
        await gw.audit_denied(device_id, name, "forbidden",
                              f"token {principal.name!r} may not send commands",
                              actor=principal.name, args=args)
        raise Forbidden(f"token {principal.name!r} may not send commands")
    if body_error is None and name == "?":
        body_error = InvalidArguments("body must have a 'command' string")
    if body_error is not None:
        await gw.audit_denied(device_id, name, "invalid", body_error.message,
                              actor=principal.name)
        raise body_error
    try:
        record = await gw.execute(device_id, name, args, principal.name)
    except CommandFailure as failure:
        payload = failure.outcome.model_dump(mode="json")
        payload.update(error=failure.outcome.outcome, message=failure.outcome.message)
        return web.json_response(payload, status=failure.status)
    return web.json_response(record.model_dump(mode="json"), status=200)


class PayloadTooLarge(JunctionError):
    reason = "payload_too_large"
    http_status = 413


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InvalidArguments(f"body is not valid JSON: {err}") from None
    except RecursionError:
        raise InvalidArguments("body is nested too deeply") from None
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge("request body too large (64 KiB at most)") from None
    if not isinstance(body, dict):
        raise InvalidArguments("body must be a JSON object")
    return body
