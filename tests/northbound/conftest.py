"""Shared helpers for the northbound tests: net-snmp runs, northbound servers on port 0."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from gateway.northbound import NorthboundConfig, NorthboundHandle, start_northbound
from gateway.service import Gateway
from simulators.engine.config import ControllerConfig
from simulators.engine.fleet import demo_fleet

WRITE_COMMUNITY = "private-0123"
SNMP_ACTOR = "atms-snmp"
GAT_OPERATOR = ("ticp-operator", "operator-pw-0123")
GAT_VIEWER = ("ticp-viewer", "viewer-pw-0123")

needs_netsnmp = pytest.mark.skipif(shutil.which("snmpwalk") is None,
                                   reason="net-snmp tools are not installed")


def coordinated() -> ControllerConfig:
    return next(c for c in demo_fleet() if 1 <= c.local_pattern <= 253)


def northbound_config(*, heartbeat_s: float = 5.0, **gat: Any) -> NorthboundConfig:
    return NorthboundConfig.model_validate({
        "ntcip": {"enabled": True, "port": 0, "write_communities": [
            {"community": WRITE_COMMUNITY, "actor": SNMP_ACTOR}]},
        "gat1049": {"enabled": True, "port": 0, "heartbeat_s": heartbeat_s, "users": [
            {"username": GAT_OPERATOR[0], "password": GAT_OPERATOR[1], "role": "operator"},
            {"username": GAT_VIEWER[0], "password": GAT_VIEWER[1], "role": "viewer"}], **gat},
    })


@asynccontextmanager
async def northbound(gateway: Gateway, config: NorthboundConfig | None = None
                     ) -> AsyncIterator[NorthboundHandle]:
    handle = await start_northbound(gateway, config or northbound_config())
    try:
        yield handle
    finally:
        await handle()


async def snmp(tool: str, *args: str, timeout_s: float = 3.0) -> tuple[int, str, str]:
    """Run a net-snmp tool without blocking the loop (the agent under test shares it).
    Output options: numeric OIDs, numeric enums and timeticks, `OID value` lines."""
    proc = await asyncio.create_subprocess_exec(
        tool, "-On", "-Oqet", "-t", str(timeout_s), "-r", "0", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def parse_walk(text: str) -> list[tuple[tuple[int, ...], str]]:
    rows = []
    for line in text.splitlines():
        if not line.strip() or not line.startswith("."):
            continue
        oid, _, value = line.partition(" ")
        rows.append((tuple(int(x) for x in oid.strip(".").split(".")), value.strip()))
    return rows
