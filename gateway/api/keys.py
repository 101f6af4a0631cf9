"""Typed application keys (aiohttp AppKey) for what handlers need."""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.api.auth import Authenticator
from gateway.service import Gateway

__all__ = ["GATEWAY", "AUTH", "CLOSING"]

GATEWAY = web.AppKey("gateway", Gateway)
AUTH = web.AppKey("auth", Authenticator)
CLOSING = web.AppKey("closing", asyncio.Event)  # set on shutdown: long-lived streams end
