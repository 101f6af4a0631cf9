"""Service endpoints: liveness, metrics, audit log, adapters."""

from __future__ import annotations

import json

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from gateway.api.keys import AUTH, GATEWAY
from gateway.api.params import int_param

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    gw = request.app[GATEWAY]
    return web.json_response({"status": "ok", "devices": len(gw.registry)})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    gw = request.app[GATEWAY]
    return web.Response(body=gw.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


@routes.get("/api/v1/audit")
async def audit(request: web.Request) -> web.Response:
    request.app[AUTH].require_operator(request)
    gw = request.app[GATEWAY]
    limit = int_param(request, "limit", 100, 1, 1000)
    items = await gw.store.audit(device=request.query.get("device"),
                                 after_id=int_param(request, "after", 0, 0, 2**62), limit=limit)
    nxt = str(items[-1].id) if len(items) == limit else None
    return web.json_response({"items": [i.model_dump(mode="json") for i in items], "next": nxt})


@routes.get("/api/v1/config/status")
async def config_status(request: web.Request) -> web.Response:
    """The last live reload: applied or rejected (with file:line errors), and what changed."""
    request.app[AUTH].require_read(request)
    reloader = request.app[GATEWAY].reloader
    if reloader is None:
        return web.json_response({"reload": "off"})
    st = reloader.status
    return web.json_response({"reload": "on", "file": st.file, "generation": st.generation,
                              "result": st.result,
                              "at": st.at.isoformat() if st.at else None,
                              "errors": st.errors, "changes": st.changes},
                             dumps=lambda o: json.dumps(o, default=str))
async def adapters(request: web.Request) -> web.Response:
    request.app[AUTH].require_read(request)
    gw = request.app[GATEWAY]
    items = [{"name": name, "title": cls.info.title, "protocols": list(cls.info.protocols),
              "kinds": list(cls.info.kinds), "capabilities": sorted(cls.info.capabilities),
              "commands": sorted(cls.info.commands)} for name, cls in gw.catalog.items()]
    return web.json_response({"items": items})
