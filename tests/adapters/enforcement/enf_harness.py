"""Helpers for the enforcement tests: the adapter catalog, free ports, device entries, and
reading every stored violation back through the REST API."""

from __future__ import annotations

import hashlib
import socket
from typing import Any

import aiohttp

from gateway.adapters import AdapterCatalog
from gateway.sdk.adapter import Adapter

ITC_USER, ITC_PASSWORD = "admin", "junction-itc"


def with_enforcement_adapters(catalog: AdapterCatalog) -> AdapterCatalog:
    """`catalog` plus hikvision_itc and dahua_itc unless installed entry points provide them."""
    from adapters.dahua_itc.adapter import DahuaItcAdapter
    from adapters.hikvision_itc.adapter import HikvisionItcAdapter

    extra: dict[str, type[Adapter]] = {}
    for name, cls in (("hikvision_itc", HikvisionItcAdapter), ("dahua_itc", DahuaItcAdapter)):
        if catalog.get(name) is None and name not in catalog.broken:
            extra[name] = cls
    if not extra:
        return catalog
    return AdapterCatalog({**dict(catalog.items()), **extra}, catalog.broken)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hik_device(ident: str, *, listen_port: int, isapi_port: int | None = None,
               device_id: str | None = None, mode: str = "push",
               options: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": ident, "kind": "enforcement_camera", "adapter": "hikvision_itc",
        "profile": "hikvision_itc/itc-generic",
        "endpoint": {"host": "127.0.0.1", "port": isapi_port or free_port()},
        "credentials": {"username": ITC_USER, "password": ITC_PASSWORD},
        "poll": {"interval_s": 0.2, "timeout_s": 1.0},
        "options": {"mode": mode, "listen_host": "127.0.0.1", "listen_port": listen_port,
                    "device_id": device_id or ident, **(options or {})},
    }
    entry.update(extra)
    return entry


def dahua_device(ident: str, *, port: int, options: dict[str, Any] | None = None,
                 **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": ident, "kind": "enforcement_camera", "adapter": "dahua_itc",
        "profile": "dahua_itc/itc-generic",
        "endpoint": {"host": "127.0.0.1", "port": port},
        "credentials": {"username": ITC_USER, "password": ITC_PASSWORD},
        "poll": {"interval_s": 0.2, "timeout_s": 1.0},
        "options": {"heartbeat_s": 1, **(options or {})},
    }
    entry.update(extra)
    return entry


async def all_violations(http: aiohttp.ClientSession, base: str,
                         query: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url = f"{base}/api/v1/violations?limit=1000{query}"
    while True:
        async with http.get(url) as resp:
            assert resp.status == 200, await resp.text()
            body = await resp.json()
        items += body["items"]
        if not body["next"]:
            return items
        url = f"{base}/api/v1/violations?limit=1000{query}&cursor={body['next']}"


async def image_sha256s(http: aiohttp.ClientSession, base: str,
                        item: dict[str, Any]) -> list[str]:
    """Fetch every image of a record and hash the bytes actually served."""
    out = []
    for n in range(len(item["images"])):
        async with http.get(f"{base}/api/v1/violations/{item['id']}/images/{n}") as resp:
            assert resp.status == 200
            out.append(hashlib.sha256(await resp.read()).hexdigest())
    return out
