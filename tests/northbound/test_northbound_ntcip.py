"""The NTCIP 1202 agent, checked with net-snmp (an independent SNMP implementation) against the
REST /state of the same gateway and against the simulated controller it commands."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from gateway.northbound.ntcip import oids as O
from tests.harness import device_entry, run_gateway, start_sims, wait_for
from tests.northbound.conftest import (
    SNMP_ACTOR,
    WRITE_COMMUNITY,
    coordinated,
    needs_netsnmp,
    northbound,
    parse_walk,
    snmp,
)

pytestmark = needs_netsnmp

ASC = "1.3.6.1.4.1.1206.4.2.1"
SPC = ASC + ".4.14.0"  # systemPatternControl
UCS = ASC + ".3.5.0"  # unitControlStatus (read-only)
UBT = ASC + ".3.3.0"  # unitBackupTime
REPO = Path(__file__).resolve().parents[2]

# REST indications -> phaseStatusGroup column (reference §1.4), spelled out independently.
COLUMNS: dict[int, Any] = {
    2: lambda p: p["vehicle"] in ("red", "red_flash", "red_yellow"),
    3: lambda p: p["vehicle"] in ("yellow", "yellow_flash", "red_yellow"),
    4: lambda p: p["vehicle"] in ("green", "green_flash"),
    5: lambda p: p["pedestrian"] == "dont_walk",
    6: lambda p: p["pedestrian"] == "ped_clear",
    7: lambda p: p["pedestrian"] == "walk",
    8: lambda p: p["vehicle_call"],
    9: lambda p: p["ped_call"],
    10: lambda p: p["is_on"],
    11: lambda p: p["is_next"],
}


def group_value(items: list[dict[str, Any]], group: int, test: Any) -> int:
    """Bit rule: bit 0 of group g is member (g-1)*8+1."""
    return sum(1 << (item["number"] - 1 - (group - 1) * 8) for item in items
               if (group - 1) * 8 < item["number"] <= group * 8 and test(item))


async def up(h: Any, device: str) -> None:
    async def ok() -> bool:
        _, body = await h.get(f"/api/v1/devices/{device}")
        return body["health"]["status"] == "up"
    await wait_for(ok, what=f"{device} up")


def oid(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("."))


async def test_snmpwalk_equals_rest_state(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h, northbound(h.gateway) as nb:
        await up(h, config.id)
        assert nb.ntcip_address is not None
        target = f"127.0.0.1:{nb.ntcip_address[1]}"
        await h.gateway.scheduler.stop()  # freeze the cache: REST and SNMP see one state
        _, state = await h.get(f"/api/v1/devices/{config.id}/state")
        rc, out, err = await snmp("snmpwalk", "-v2c", "-c", f"public@{config.id}", target, ASC)
        assert rc == 0, err
        rows = parse_walk(out)
        oids = [o for o, _ in rows]
        assert oids == sorted(oids) and len(set(oids)) == len(oids), "walk in OID order"
        walk = {o: v for o, v in rows}

        phases = state["phases"]
        assert walk[oid(ASC + ".1.1.0")] == str(len(phases))  # maxPhases
        groups = int(walk[oid(ASC + ".1.3.0")])
        assert groups == (len(phases) + 7) // 8
        for col, test in COLUMNS.items():
            for g in range(1, groups + 1):
                assert int(walk[oid(f"{ASC}.1.4.1.{col}.{g}")]) == \
                    group_value(phases, g, test), (col, g)
        dets = state["detectors"]
        for g in range(1, int(walk[oid(ASC + ".2.3.0")]) + 1):
            assert int(walk[oid(f"{ASC}.2.4.1.2.{g}")]) == \
                group_value(dets, g, lambda d: d["active"])
            assert int(walk[oid(f"{ASC}.2.4.1.3.{g}")]) == \
                group_value(dets, g, lambda d: d["fault"])
        native = state["control"]["native"]  # NTCIP underneath: the controller's own values
        for name, suffix in (("unitControlStatus", ".3.5.0"), ("unitFlashStatus", ".3.6.0"),
                             ("coordPatternStatus", ".4.10.0"), ("localFreeStatus", ".4.11.0"),
                             ("systemPatternControl", ".4.14.0")):
            assert int(walk[oid(ASC + suffix)]) == native[name], name
        assert int(walk[oid(ASC + ".4.10.0")]) == state["control"]["pattern"]
        cycle = state["cycle"]
        length, position = round(cycle["length_s"]), round(cycle["position_s"])
        assert int(walk[oid(ASC + ".4.12.0")]) == (length - position) % length
        assert int(walk[oid(ASC + ".3.3.0")]) == 60  # the adapter's configured backup time

        # the same objects over SNMPv1 GETNEXT and v2c GETBULK
        rc, out_v1, err = await snmp("snmpwalk", "-v1", "-c", f"public@{config.id}", target, ASC)
        assert rc == 0, err
        rc, out_bulk, err = await snmp("snmpbulkwalk", "-v2c", "-c", f"public@{config.id}",
                                       target, ASC)
        assert rc == 0, err
        assert parse_walk(out_v1) == rows == parse_walk(out_bulk)

        rc, out, err = await snmp("snmpwalk", "-v2c", "-c", f"public@{config.id}", target,
                                  "1.3.6.1.2.1.1")
        system = dict(parse_walk(out))
        assert system[O.SYS_NAME] == f'"{config.id}"'
        assert system[O.SYS_OBJECT_ID] == "." + ASC


async def test_snmpget_status_groups_missing_objects_and_communities(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h, northbound(h.gateway) as nb:
        await up(h, config.id)
        assert nb.ntcip_address is not None
        target = f"127.0.0.1:{nb.ntcip_address[1]}"
        columns = [f"{ASC}.1.4.1.{col}.1" for col in range(2, 12)]
        for version in ("-v1", "-v2c"):
            rc, out, err = await snmp("snmpget", version, "-c", f"public@{config.id}", target,
                                      *columns)
            assert rc == 0, err
            values = parse_walk(out)
            assert [o for o, _ in values] == [oid(c) for c in columns]
            assert all(0 <= int(v) <= 255 for _, v in values)
        greens = {int(dict(values)[oid(columns[2])])}
        assert greens <= set(range(256))

        missing = f"{ASC}.1.4.1.4.2"  # group 2 of an 8-phase controller
        rc, out, _ = await snmp("snmpget", "-v2c", "-c", f"public@{config.id}", target, missing)
        assert "No Such Instance" in out
        rc, out, _ = await snmp("snmpget", "-v2c", "-c", f"public@{config.id}", target,
                                ASC + ".9.9.9.0")
        assert "No Such Object" in out
        rc, out, err = await snmp("snmpget", "-v1", "-c", f"public@{config.id}", target, missing)
        assert rc != 0 and "noSuchName" in out + err

        rc, out, _ = await snmp("snmpget", "-v2c", "-c", "public@no-such-device", target, SPC)
        assert "No Such Object" in out
        rc, out, err = await snmp("snmpget", "-v2c", "-c", "public", target, "1.3.6.1.2.1.1.1.0")
        assert rc == 0 and "Junction gateway" in out, err
        rc, out, _ = await snmp("snmpget", "-v2c", "-c", "public", target, SPC)
        assert "No Such Object" in out  # the gateway view has no controller objects
        rc, out, err = await snmp("snmpget", "-v2c", "-c", f"nope@{config.id}", target, SPC,
                                  timeout_s=0.5)
        assert rc != 0 and "Timeout" in out + err  # a wrong community gets no answer

        _, metrics = await h.get("/metrics")
        assert 'junction_northbound_requests_total{kind="get",protocol="ntcip"}' in metrics
        assert 'junction_northbound_errors_total{protocol="ntcip",reason="bad_community"}' \
            in metrics
        assert 'junction_northbound_errors_total{protocol="ntcip",reason="unknown_device"}' \
            in metrics


async def test_snmpset_runs_the_pattern_and_is_audited(tmp_path: Path) -> None:
    config = coordinated()
    other = next(p.number for p in config.patterns if p.number != config.local_pattern)
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h, northbound(h.gateway) as nb:
        await up(h, config.id)
        assert nb.ntcip_address is not None
        target = f"127.0.0.1:{nb.ntcip_address[1]}"
        community = f"{WRITE_COMMUNITY}@{config.id}"
        rc, out, err = await snmp("snmpset", "-v2c", "-c", community, target, SPC, "i",
                                  str(other))
        assert rc == 0, out + err
        assert sim.engine.central.holds_control()
        assert sim.view.get(oid(SPC)) == (2, other)
        await wait_for(lambda: sim.engine.coord_pattern_status == other, timeout_s=15,
                       what=f"controller runs pattern {other}")

        async def agent_shows_it() -> bool:
            _, out, _ = await snmp("snmpget", "-v2c", "-c", f"public@{config.id}", target, SPC,
                                   ASC + ".4.10.0", UCS)
            return [v for _, v in parse_walk(out)] == [str(other), str(other), "2"]
        await wait_for(agent_shows_it, timeout_s=15, what="agent reports central pattern")

        rc, out, err = await snmp("snmpset", "-v1", "-c", community, target, SPC, "i", "0")
        assert rc == 0, out + err
        assert not sim.engine.central.holds_control()

        _, audit = await h.get("/api/v1/audit", headers=h.op())
        items = [(a["command"], a["args"], a["outcome"], a["actor"]) for a in audit["items"]]
        assert items == [("set_pattern", {"pattern": other}, "accepted", SNMP_ACTOR),
                         ("release", {}, "accepted", SNMP_ACTOR)]


@pytest.mark.parametrize("version, expected", [
    ("-v2c", {"unknown": "wrongValue", "range": "wrongValue", "type": "wrongType",
              "read_only": "notWritable", "backup": "notWritable", "read_community": "noAccess",
              "refused": "commitFailed"}),
    ("-v1", {"unknown": "badValue", "range": "badValue", "type": "badValue",
             "read_only": "noSuchName", "backup": "noSuchName", "read_community": "noSuchName",
             "refused": "genErr"}),
])
async def test_snmpset_errors(tmp_path: Path, version: str, expected: dict[str, str]) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h, northbound(h.gateway) as nb:
        await up(h, config.id)
        assert nb.ntcip_address is not None
        target = f"127.0.0.1:{nb.ntcip_address[1]}"
        write = f"{WRITE_COMMUNITY}@{config.id}"
        cases = {
            "unknown": (write, SPC, "i", "9"),  # pattern 9 is not configured
            "range": (write, SPC, "i", "300"),
            "type": (write, SPC, "s", "2"),
            "read_only": (write, UCS, "i", "2"),
            "backup": (write, UBT, "i", "5"),
            "read_community": (f"public@{config.id}", SPC, "i", "2"),
        }
        for case, args in cases.items():
            rc, out, err = await snmp("snmpset", version, "-c", args[0], target, *args[1:])
            assert rc != 0 and expected[case] in out + err, (case, out, err)
        sim.refuse_sets = 5  # the controller refuses every SET (genErr)
        rc, out, err = await snmp("snmpset", version, "-c", write, target, SPC, "i", "2")
        assert rc != 0 and expected["refused"] in out + err, (out, err)
        assert not sim.engine.central.holds_control()

        _, audit = await h.get("/api/v1/audit", headers=h.op())
        outcomes = [(a["command"], a["outcome"], a["actor"]) for a in audit["items"]]
        assert outcomes == [("set_pattern", "invalid", SNMP_ACTOR),
                            ("set_pattern", "unauthorized", None),
                            ("set_pattern", "rejected", SNMP_ACTOR)], outcomes


def test_agent_oids_are_ntcip_objects() -> None:
    rows = [line for line in (REPO / "tests/fixtures/ntcip/ntcip-oids.tsv").read_text()
            .splitlines() if not line.startswith("#")]
    known = {tuple(int(x) for x in r["oid"].split(".")): r["notes"]
             for r in csv.DictReader(rows, delimiter="\t")}
    scalars = [O.MAX_PHASES, O.MAX_PHASE_GROUPS, O.MAX_DETECTORS, O.MAX_DETECTOR_GROUPS,
               O.UNIT_BACKUP_TIME, O.UNIT_CONTROL_STATUS, O.UNIT_FLASH_STATUS,
               O.UNIT_ALARM_STATUS_1, O.UNIT_ALARM_STATUS_2, O.SHORT_ALARM_STATUS,
               O.COORD_PATTERN_STATUS, O.LOCAL_FREE_STATUS, O.COORD_CYCLE_STATUS,
               O.COORD_SYNC_STATUS, O.SYSTEM_PATTERN_CONTROL, O.MAX_PREEMPTS,
               O.GLOBAL_MAX_MODULES, O.GLOBAL_TIME]
    for scalar in scalars:
        assert scalar[-1] == 0 and "scalar" in known[scalar[:-1]], scalar
    columns = [O.PHASE_STATUS + (c,) for c in O.PHASE_STATUS_COLUMNS.values()] + \
        [O.DETECTOR_STATUS + (c,) for c in (1, 2, 3)] + \
        [O.PATTERN_ENTRY + (c,) for c in (1, 2, 3)] + \
        [O.MODULE_ENTRY + (c,) for c in range(1, 7)] + [O.PREEMPT_STATE]
    for column in columns:
        assert "column" in known[column], column
