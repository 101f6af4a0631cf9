"""The aiohttp application factory: routes, error middleware, typed app state."""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.api import devices, events, openapi, system, violations
from gateway.api.auth import Authenticator
from gateway.api.errors import error_middleware
from gateway.api.keys import AUTH, CLOSING, GATEWAY
from gateway.service import Gateway

__all__ = ["GATEWAY", "make_app"]


def make_app(gateway: Gateway) -> web.Application:
    """Build the API for a gateway; the caller starts and stops the gateway itself."""
    app = web.Application(middlewares=[error_middleware], client_max_size=64 * 1024)
    app[GATEWAY] = gateway
    app[AUTH] = Authenticator(gateway.config.auth)
    app[CLOSING] = asyncio.Event()

    async def end_streams(app: web.Application) -> None:
        app[CLOSING].set()

    app.on_shutdown.append(end_streams)
    app.add_routes(system.routes)
    app.add_routes(devices.routes)
    app.add_routes(events.routes)
    app.add_routes(violations.routes)
    app.add_routes(openapi.routes)
    return app
