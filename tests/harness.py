"""Test harness: simulated controllers plus a real gateway and API on 127.0.0.1 port 0."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.runner import start_api
from gateway.service import Gateway
from gateway.yamlsource import Located
from simulators.engine.config import ControllerConfig
from simulators.ntcip.controller import SimulatedController

OPERATOR_TOKEN = "operator-token-0123456789"
VIEWER_TOKEN = "viewer-token-0123456789ab"


def device_entry(sim: SimulatedController, *, community: str = "public",
                 interval_s: float = 0.2, timeout_s: float = 0.3,
                 options: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": sim.config.id, "name": sim.config.name, "kind": "signal_controller",
        "adapter": "ntcip", "profile": "ntcip/standard",
        "endpoint": {"host": "127.0.0.1", "port": sim.port},
        "credentials": {"password": community},
        "poll": {"interval_s": interval_s, "timeout_s": timeout_s},
        "options": options or {},
    }
    entry.update(extra)
    return entry


@dataclass
class Harness:
    gateway: Gateway
    http: aiohttp.ClientSession
    base: str
    runner: web.AppRunner

    def op(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {OPERATOR_TOKEN}"}

    async def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        async with self.http.get(self.base + path, **kw) as resp:
            body = await resp.json() if resp.content_type == "application/json" \
                else await resp.text()
            return resp.status, body

    async def command(self, device: str, command: str, args: dict[str, Any] | None = None,
                      token: str | None = OPERATOR_TOKEN) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.post(f"{self.base}/api/v1/devices/{device}/commands",
                                  json={"command": command, "args": args or {}},
                                  headers=headers) as resp:
            return resp.status, await resp.json()


async def wait_for(predicate: Callable[[], Any], timeout_s: float = 20.0,
                   what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def start_sims(configs: list[ControllerConfig], **kw: Any
                     ) -> AsyncIterator[list[SimulatedController]]:
    sims = [SimulatedController(c, seed=i, **kw) for i, c in enumerate(configs)]
    try:
        for sim in sims:
            await sim.start()
        yield sims
    finally:
        for sim in sims:
            await sim.close()


@asynccontextmanager
async def run_gateway(devices: list[dict[str, Any]], tmp_path: Path, *,
                      anonymous_read: bool = True) -> AsyncIterator[Harness]:
    raw = {"api": {"host": "127.0.0.1", "port": 0},
           "auth": {"anonymous_read": anonymous_read, "tokens": [
               {"name": "test-operator", "token": OPERATOR_TOKEN, "role": "operator"},
               {"name": "test-viewer", "token": VIEWER_TOKEN, "role": "viewer"}]},
           "store": {"path": str(tmp_path / "junction.db")}, "devices": devices}
    catalog = AdapterCatalog.discover()
    loaded = validate_config(Located(raw, {}, "<test>"), catalog, tmp_path)
    gateway = Gateway(loaded, catalog, seed=1)
    await gateway.start()
    runner, port = await start_api(gateway, "127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as http:
            yield Harness(gateway, http, f"http://127.0.0.1:{port}", runner)
    finally:
        await runner.cleanup()
        await gateway.stop()
