"""Run a gateway and its API until SIGINT/SIGTERM, then stop cleanly (bounded shutdown)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.api import make_app
from gateway.northbound.config import NorthboundHandle, start_northbound
from gateway.service import Gateway

__all__ = ["serve_until_signal", "start_api"]


async def start_api(gateway: Gateway, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start the gateway's API; returns the runner and the bound port (port 0 = any free)."""
    runner = web.AppRunner(make_app(gateway), access_log=None, shutdown_timeout=2.0,
                           handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = next((int(a[1]) for a in runner.addresses if isinstance(a, tuple)), port)
    return runner, bound


async def serve_until_signal(
        gateway: Gateway, host: str, port: int,
        on_ready: Callable[[int, NorthboundHandle], Awaitable[None] | None] | None = None,
        stop: asyncio.Event | None = None) -> None:
    """Start the gateway, its northbound servers and the API; run until a signal or `stop`;
    then stop them in reverse order."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await gateway.start()
    runner: web.AppRunner | None = None
    northbound: NorthboundHandle | None = None
    try:
        northbound = await start_northbound(gateway, gateway.config.northbound)
        runner, bound = await start_api(gateway, host, port)
        if on_ready is not None:
            result = on_ready(bound, northbound)
            if result is not None:
                await result
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if runner is not None:
            await runner.cleanup()
        if northbound is not None:
            await northbound()
        await gateway.stop()
