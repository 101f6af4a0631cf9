"""`junction demo`: simulators of every supported vendor plus the gateway, nothing to install.

Simulator packages register under the `junction.demo` entry-point group a class with
`async start() -> list[dict]` (device entries for the embedded config, pointing at the
simulators it started on 127.0.0.1) and `async close()`. The core stays vendor-free.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
import tempfile
from contextlib import AsyncExitStack
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.northbound.config import NorthboundHandle
from gateway.runner import serve_until_signal
from gateway.service import Gateway
from gateway.yamlsource import Located

__all__ = ["DemoFleet", "run_demo", "DEMO_ENTRY_POINT_GROUP"]

log = logging.getLogger(__name__)
DEMO_ENTRY_POINT_GROUP = "junction.demo"


class DemoFleet(Protocol):
    async def start(self) -> list[dict[str, Any]]: ...

    async def close(self) -> None: ...


async def start_fleets(stack: AsyncExitStack) -> list[dict[str, Any]]:
    devices: list[dict[str, Any]] = []
    for ep in sorted(entry_points(group=DEMO_ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            fleet: DemoFleet = ep.load()()
        except Exception as err:  # noqa: BLE001 - one broken simulator must not stop the demo
            log.error("event=demo_fleet_unavailable fleet=%s error=%s", ep.name, err)
            continue
        stack.push_async_callback(fleet.close)
        devices.extend(await fleet.start())
    return devices


async def run_demo(port: int, token: str | None, store: str | None, host: str = "127.0.0.1",
                   stop: asyncio.Event | None = None, *, ntcip_port: int = 1161,
                   gat1049_port: int = 9009) -> None:
    token = token or secrets.token_urlsafe(24)
    store_path = store or str(Path(tempfile.mkdtemp(prefix="junction-demo-")) / "junction.db")
    async with AsyncExitStack() as stack:
        devices = await start_fleets(stack)
        raw = {"api": {"host": host, "port": port}, "auth": {
            "anonymous_read": True,
            "tokens": [{"name": "demo-operator", "token": token, "role": "operator"}]},
            "store": {"path": store_path}, "devices": devices,
            "northbound": {
                "ntcip": {"enabled": True, "host": host, "port": ntcip_port,
                          "read_community": "public",
                          "write_communities": [{"community": f"write-{token[:12]}",
                                                 "actor": "demo-operator"}]},
                "gat1049": {"enabled": True, "host": host, "port": gat1049_port,
                            "users": [{"username": "demo", "password": token,
                                       "role": "operator"}]}}}
        catalog = AdapterCatalog.discover()
        loaded = validate_config(Located(raw, {}, "<demo config>"), catalog, Path.cwd())
        gateway = Gateway(loaded, catalog)

        def ready(bound: int, northbound: NorthboundHandle) -> None:
            base = f"http://{host}:{bound}"
            print(f"Junction demo: {len(devices)} simulated devices, gateway at {base}")
            print(f"  devices   {base}/api/v1/devices")
            print(f"  state     {base}/api/v1/devices/{devices[0]['id']}/state"
                  if devices else "")
            print(f"  events    {base}/api/v1/events/stream")
            print(f"  metrics   {base}/metrics")
            print(f"  openapi   {base}/openapi.json")
            if northbound.ntcip_address:
                nport = northbound.ntcip_address[1]
                first = devices[0]["id"] if devices else "ID"
                print(f"  NTCIP     snmpwalk -v2c -c public@{first} {host}:{nport} "
                      "1.3.6.1.4.1.1206.4.2.1   (SET community: write-<first 12 characters "
                      "of the token>@<device-id>)")
            if northbound.gat1049_address:
                print(f"  GA/T 1049 tcp://{host}:{northbound.gat1049_address[1]} "
                      "(user demo, password = the operator token)")
            print(f"  operator token: {token}")
            print(f"  example:  curl -X POST -H 'Authorization: Bearer {token}' "
                  f"-H 'Content-Type: application/json' -d '{{\"command\":\"set_pattern\","
                  f"\"args\":{{\"pattern\":2}}}}' {base}/api/v1/devices/"
                  f"{devices[0]['id'] if devices else 'ID'}/commands")
            print(f"  store:    {store_path}")
            print("Ctrl-C stops.", flush=True)
            sys.stdout.flush()

        await serve_until_signal(gateway, host, port, on_ready=ready, stop=stop)
