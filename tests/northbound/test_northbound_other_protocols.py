"""A controller that does not speak NTCIP underneath (GB/T 20999, Modbus) read through both
northbound faces: the NTCIP values are derived from the normalized mode and source.

Skips cleanly while the adapter, its simulator or its entry point is not installed yet."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters import AdapterCatalog
from tests.harness import run_gateway, wait_for
from tests.northbound.conftest import GAT_OPERATOR, needs_netsnmp, northbound, parse_walk, snmp
from tests.northbound.gat_client import GatClient, objects, text

ASC = "1.3.6.1.4.1.1206.4.2.1"
LAMPS = {"dark": "111", "red": "211", "yellow": "121", "green": "112", "red_flash": "311",
         "yellow_flash": "131", "green_flash": "113", "red_yellow": "221"}


def demo_class(adapter: str, module: str, name: str) -> Any:
    try:
        importlib.import_module(f"adapters.{adapter}")
        demo = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        pytest.skip(f"{adapter} is not available yet: {err}")
    if AdapterCatalog.discover().get(adapter) is None:
        pytest.skip(f"the {adapter} adapter's entry point is not installed yet")
    return demo


def expected_pattern_status(state: dict[str, Any]) -> int:
    control = state["control"]
    if "coordPatternStatus" in control["native"]:
        return int(control["native"]["coordPatternStatus"])
    if control["mode"] == "flash":
        return 255
    if control["mode"] == "free":
        return 254
    return control["pattern"] or 0


@needs_netsnmp
@pytest.mark.parametrize("adapter, module, name", [
    ("gbt20999", "simulators.gbt20999.demo", "Gbt20999Demo"),
    ("modbus", "simulators.modbus.demo", "ModbusDemo"),
])
async def test_second_protocol_through_ntcip_and_gat1049(tmp_path: Path, adapter: str,
                                                         module: str, name: str) -> None:
    demo = demo_class(adapter, module, name)()
    devices = await demo.start()
    try:
        async with run_gateway(devices, tmp_path) as h, northbound(h.gateway) as nb:
            device = devices[0]["id"]
            rt = h.gateway.registry.get(device)
            await wait_for(lambda: rt.state is not None, timeout_s=15, what="first state")
            assert nb.ntcip_address is not None and nb.gat1049_address is not None
            client = await GatClient.connect(nb.gat1049_address)
            await client.login(*GAT_OPERATOR)
            await h.gateway.scheduler.stop()
            _, state = await h.get(f"/api/v1/devices/{device}/state")

            rc, out, err = await snmp("snmpwalk", "-v2c", "-c", f"public@{device}",
                                      f"127.0.0.1:{nb.ntcip_address[1]}", ASC)
            assert rc == 0, err
            walk = {".".join(map(str, o)): v for o, v in parse_walk(out)}
            greens = sum(1 << (p["number"] - 1) for p in state["phases"]
                         if p["vehicle"] in ("green", "green_flash") and p["number"] <= 8)
            assert int(walk[f"{ASC}.1.4.1.4.1"]) == greens
            assert int(walk[f"{ASC}.4.10.0"]) == expected_pattern_status(state)

            answer = await client.get("CrossSignalGroupStatus", device)
            (status,) = objects(answer)
            got = {int(text(g, "SignalGroupNo")): text(g, "LampStatus")
                   for g in status.findall("SignalGroupStatusList/SignalGroupStatus")}
            assert got == {p["number"]: LAMPS[p["vehicle"]] for p in state["phases"]}
            answer = await client.get("CrossModePlan", device)
            assert text(objects(answer)[0], "PlanNo") == str(state["control"]["pattern"] or 0)
            await client.close()
    finally:
        await demo.close()
