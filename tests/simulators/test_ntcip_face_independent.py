"""The NTCIP simulator speaks real SNMP: net-snmp's tools and pysnmp read and write it, and
what they read matches the timing engine underneath."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from simulators.engine.fleet import demo_fleet
from simulators.ntcip.controller import SimulatedController

ASC = "1.3.6.1.4.1.1206.4.2.1"
GREENS_1 = f"{ASC}.1.4.1.4.1"
UNIT_CONTROL_STATUS = f"{ASC}.3.5.0"
SYSTEM_PATTERN_CONTROL = f"{ASC}.4.14.0"

needs_netsnmp = pytest.mark.skipif(shutil.which("snmpget") is None,
                                   reason="net-snmp tools missing (scripts/test.sh installs)")


async def run(*argv: str) -> str:
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    return out.decode()


@needs_netsnmp
async def test_snmpwalk_and_snmpget_read_the_ntcip_tree() -> None:
    config = next(c for c in demo_fleet() if 1 <= c.local_pattern <= 253)
    sim = SimulatedController(config, community="public")
    await sim.start()
    try:
        target = f"127.0.0.1:{sim.port}"
        walk = await run("snmpwalk", "-v1", "-c", "public", "-On", "-Oe", target,
                         "1.3.6.1.4.1.1206.4.2")
        lines = [line for line in walk.splitlines() if line.startswith(".1.3.6")]
        assert len(lines) > 150
        oids = [tuple(int(x) for x in line.split(" = ")[0].strip(".").split("."))
                for line in lines]
        assert oids == sorted(oids) and len(set(oids)) == len(oids)  # lexicographic, no loop
        assert any(line.startswith(f".{GREENS_1} = INTEGER:") for line in lines)
        assert any(line.startswith(".1.3.6.1.4.1.1206.4.2.6.3.1.0 = Counter32:")
                   for line in lines)  # globalTime
        out = await run("snmpget", "-v2c", "-c", "public", "-On", "-Oqv", target,
                        UNIT_CONTROL_STATUS, GREENS_1, "1.3.6.1.2.1.1.3.0")
        ucs, greens, _uptime = out.split("\n")[:3]
        sim.engine.advance(sim.clock())
        assert int(ucs) == sim.engine.unit_control_status == 6  # timebase
        # Lamps may change between the GET and our look; both must be legal ring states.
        assert int(greens) & ~0xFF == 0
        out = await run("snmpset", "-v1", "-c", "public", "-On", target,
                        f"{ASC}.3.3.0", "i", "30", SYSTEM_PATTERN_CONTROL, "i", "2")
        assert f".{SYSTEM_PATTERN_CONTROL} = INTEGER: 2" in out
        sim.engine.advance(sim.clock())
        assert sim.engine.central.holds_control() and sim.engine.unit_control_status == 2
        missing = await asyncio.create_subprocess_exec(
            "snmpget", "-v1", "-c", "public", target, f"{ASC}.99.1.0",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out_b, err_b = await missing.communicate()
        assert b"noSuchName" in out_b + err_b or b"no such" in (out_b + err_b).lower()
    finally:
        await sim.close()


async def test_pysnmp_reads_phase_status_and_sets_pattern() -> None:
    hlapi = pytest.importorskip("pysnmp.hlapi.v1arch.asyncio")
    config = next(c for c in demo_fleet() if 1 <= c.local_pattern <= 253)
    sim = SimulatedController(config, community="public")
    await sim.start()
    try:
        dispatcher = hlapi.SnmpDispatcher()
        target = await hlapi.UdpTransportTarget.create(("127.0.0.1", sim.port), timeout=2,
                                                       retries=0)
        community = hlapi.CommunityData("public", mpModel=0)
        err, status, _, binds = await hlapi.get_cmd(
            dispatcher, community, target,
            hlapi.ObjectType(hlapi.ObjectIdentity(UNIT_CONTROL_STATUS)),
            hlapi.ObjectType(hlapi.ObjectIdentity(f"{ASC}.4.10.0")))
        assert err is None and int(status) == 0
        assert int(binds[0][1]) == 6 and int(binds[1][1]) == config.local_pattern
        err, status, _, binds = await hlapi.set_cmd(
            dispatcher, community, target,
            hlapi.ObjectType(hlapi.ObjectIdentity(SYSTEM_PATTERN_CONTROL),
                             hlapi.Integer32(254)))
        assert err is None and int(status) == 0
        sim.engine.advance(sim.clock())
        assert sim.engine.coord_pattern_status == 254
        dispatcher.transport_dispatcher.close_dispatcher()
    finally:
        await sim.close()
