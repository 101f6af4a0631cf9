"""Mapping tables (reference §6.1, §6.2), IDs against the public sources, and reply tolerance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.gbt20999 import const as C
from adapters.gbt20999 import mapping
from adapters.gbt20999 import reading as R
from adapters.gbt20999.codec import DataValue
from adapters.gbt20999.values import Values
from gateway.model import AlarmSeverity, ControlMode, ControlSource, PedIndication
from gateway.model import VehicleIndication as V

# AITON ComDefGb20999-2017.h DATACLASS_* (pitfall 20: the Java SDK's order is wrong)
AITON_CLASSES = {
    "DEVICE_INFO": 0x1, "BASIC_INFO": 0x2, "LIGHT_INFO": 0x3, "PHASE_INFO": 0x4,
    "DETECTOR_INFO": 0x5, "PHASESTAGE_INFO": 0x6, "PHASESECURY_INFO": 0x7,
    "EMERGENCYPRIORITY": 0x8, "PLAN_INFO": 0x9, "TRANSITIONCONSTRAIN": 0xA, "DAILYPLAN": 0xB,
    "SCHEDULETABLE": 0xC, "RUNSTATUS": 0xD, "TRAFFICDATA": 0xE, "ALARMDATA": 0xF,
    "FAULTDATA": 0x10, "CENTERCONTROL": 0x11, "PIPLECOMMAND": 0x12,
}
# lining signalControlCom.h DataItemMap: 0xCCOOAAEE
LINING_IDS = {
    C.MANUFACTURER: 0x01010000, C.DEVICE_VERSION: 0x01020000, C.DEVICE_SERIAL: 0x01030000,
    C.CONTROLLER_ID: 0x02050000, C.LIGHT_GROUP_COUNT: 0x03010000,
    C.LIGHT_GROUP_TYPES: 0x03020200, C.LIGHT_GROUP_STATUS: 0x03030100,
    C.PHASE_COUNT: 0x04010000, C.PHASE_LIGHT_GROUPS: 0x04020200, C.DETECTOR_COUNT: 0x05010000,
    C.STAGE_COUNT: 0x06010000, C.STAGE_PHASES: 0x06020200, C.STAGE_STATE: 0x06030200,
    C.STAGE_ELAPSED: 0x06030300, C.STAGE_REMAINING: 0x06030400, C.PLAN_COUNT: 0x09010000,
    C.PLAN_CYCLE: 0x09020300, C.PLAN_OFFSET: 0x09020500, C.DETECTOR_FAULTS: 0x0D010100,
    C.CABINET_DOOR: 0x0D010300, C.DEVICE_UTC: 0x0D010A00, C.RUN_MODE: 0x0D020201,
    C.CURRENT_PLAN: 0x0D020301, C.CURRENT_STAGE: 0x0D020401, C.DETECTOR_PRESENCE: 0x0E010000,
    C.ALARM_TYPES: 0x0F020200, C.ALARM_VALUES: 0x0F020300, C.FAULT_TYPES: 0x10020200,
    C.FAULT_ACTIONS: 0x10020400, C.ASSIGN_STAGE: 0x11020000, C.ASSIGN_PLAN: 0x11030000,
    C.ASSIGN_RUN_MODE: 0x11040000, C.COMMAND_PIPE: 0x12010000,
}


def test_class_ids_follow_aiton_and_lining() -> None:
    assert sorted(C.DATA_CLASSES) == sorted(AITON_CLASSES.values()) == list(range(1, 19))
    assert C.DATA_CLASSES[13] == "run status" and C.DATA_CLASSES[17] == "center control"
    for address, packed in LINING_IDS.items():
        element = 1 if address[:2] == (13, 2) else 0  # we ask intersection 1
        assert address == (packed >> 24, packed >> 16 & 0xFF, packed >> 8 & 0xFF, element), \
            address


@pytest.mark.parametrize(("code", "vehicle", "ped"), [
    (0x01, V.DARK, PedIndication.DARK), (0x10, V.RED, PedIndication.DONT_WALK),
    (0x11, V.RED_FLASH, PedIndication.DONT_WALK), (0x12, V.RED_FLASH, PedIndication.DONT_WALK),
    (0x20, V.GREEN, PedIndication.WALK), (0x21, V.GREEN_FLASH, PedIndication.PED_CLEAR),
    (0x22, V.GREEN_FLASH, PedIndication.PED_CLEAR), (0x30, V.YELLOW, PedIndication.DONT_WALK),
    (0x31, V.YELLOW_FLASH, PedIndication.DONT_WALK),
    (0x32, V.YELLOW_FLASH, PedIndication.DONT_WALK), (0x40, V.RED_YELLOW, PedIndication.DONT_WALK),
])
def test_light_status_table(code: int, vehicle: V, ped: PedIndication) -> None:
    assert code in C.LIGHT_STATUS
    assert mapping.vehicle_indication(code) == vehicle
    assert mapping.ped_indication(code) == ped
    assert (code in mapping.FAST_FLASH) == (code & 0x0F == 2)


def test_unknown_light_status_is_dark() -> None:
    assert mapping.vehicle_indication(0x99) == V.DARK
    assert mapping.vehicle_indication(None) == V.DARK


M, S = ControlMode, ControlSource


@pytest.mark.parametrize(("run_mode", "mode", "source"), [
    (0x10, M.PLAN_LOCK, S.CENTRAL), (0x11, M.FIXED_TIME, S.CENTRAL),
    (0x12, M.ADAPTIVE, S.CENTRAL), (0x13, M.COORDINATED, S.CENTRAL),
    (0x14, M.ADAPTIVE, S.CENTRAL), (0x15, M.MANUAL, S.CENTRAL),
    (0x20, M.FIXED_TIME, S.TIME_OF_DAY), (0x21, M.FIXED_TIME, S.TIME_OF_DAY),
    (0x22, M.FREE, S.TIME_OF_DAY), (0x23, M.COORDINATED, S.TIME_OF_DAY),
    (0x24, M.ADAPTIVE, S.TIME_OF_DAY), (0x25, M.MANUAL, S.MANUAL),
    (0x30, M.UNKNOWN, S.OTHER), (0x31, M.FLASH, S.OTHER), (0x32, M.ALL_RED, S.OTHER),
    (0x33, M.DARK, S.OTHER), (0x44, M.UNKNOWN, S.UNKNOWN),
])
def test_run_mode_table(run_mode: int, mode: ControlMode, source: ControlSource) -> None:
    got_mode, got_source, plan, reason = mapping.control_mode(run_mode, 3)
    assert (got_mode, got_source) == (mode, source)
    coordinated = mode in (M.COORDINATED, M.FIXED_TIME, M.PLAN_LOCK, M.ADAPTIVE, M.MANUAL)
    assert plan == (3 if coordinated else None)
    if mode in (M.FLASH, M.ALL_RED, M.DARK, M.FREE):
        assert reason == C.RUN_MODES[run_mode]
    assert set(C.RUN_MODES) == set(mapping.RUN_MODE)


LAYOUT = R.Layout({1: 1, 2: 1, 3: 3, 4: 3}, {1: (1, 3), 2: (2, 4), 5: (5,)}, {1: (1, 2)}, 3,
                  {1: (100, 7)}, (1, 2, 3, 4), (1, 2, 5), (1, 2), (1,))


def test_phases_from_light_groups() -> None:
    phases, fast = mapping.phases(LAYOUT, {1: 0x20, 2: 0x32, 3: 0x21, 4: 0x10})
    assert [(p.number, p.vehicle, p.pedestrian, p.is_on) for p in phases] == [
        (1, V.GREEN, PedIndication.PED_CLEAR, True),
        (2, V.YELLOW_FLASH, PedIndication.DONT_WALK, False),
        (5, V.DARK, None, False)]  # light group 5 does not exist: no lamp reported
    assert fast == [2]


def test_stage_detectors_alarms() -> None:
    stage = mapping.stage(2, {1: 0, 2: 14}, {1: 0, 2: 9})
    assert stage is not None and (stage.number, stage.elapsed_s, stage.remaining_s) == (2, 14, 9)
    assert mapping.stage(0, {}, {}) is None
    dets = mapping.detectors(3, 0b101, 0b010)
    assert [(d.number, d.active, d.fault) for d in dets] == [
        (1, True, False), (2, False, True), (3, True, False)]
    alarm = mapping.alarm_for(0x30, 4)
    assert alarm.code == "gbt_alarm_30_04" and "detector 4" in alarm.text
    assert mapping.alarm_for(0x60, 0x21).text == "environment alarm: temperature high"
    fault = mapping.fault_for(0x10, 0x10)
    assert fault.severity == AlarmSeverity.CRITICAL and "switch to flash" in fault.text
    assert mapping.fault_for(0x41, 0).severity == AlarmSeverity.MINOR
    assert mapping.members(0b1010_0001) == (1, 6, 8)


def test_values_accept_both_table_shapes_and_the_status_byte() -> None:
    joined = Values([DataValue(3, 3, 1, 0, b"\x20\x10\x30")])
    split = Values([DataValue(3, 3, 1, n, bytes((c,))) for n, c in ((1, 0x20), (2, 0x10),
                                                                  (3, 0x30))])
    quirk = Values([DataValue(3, 3, 1, 0, b"\x00\x20\x10\x30")])
    for v in (joined, split, quirk):
        assert v.table_int(C.LIGHT_GROUP_STATUS, 3) == {1: 0x20, 2: 0x10, 3: 0x30}
    assert quirk.status_bytes == 1 and joined.status_bytes == 0
    assert joined.table_int(C.LIGHT_GROUP_STATUS, 4) is None  # wrong length: refused
    times = Values([DataValue(6, 3, 3, 0, bytes.fromhex("0000000A 0000001E"))])
    assert times.table_int(C.STAGE_ELAPSED, 2, (4, 2)) == {1: 10, 2: 30}
    short = Values([DataValue(6, 3, 3, 0, bytes.fromhex("000A 001E"))])
    assert short.table_int(C.STAGE_ELAPSED, 2, (4, 2)) == {1: 10, 2: 30}
    one = Values([DataValue(13, 2, 2, 1, b"\x00\x23")])
    assert one.int(C.RUN_MODE) == 0x23 and one.status_bytes == 1
    clock = Values([DataValue(13, 1, 10, 0, bytes.fromhex("07EA 0B 1D 15 00 01"))])
    assert clock.time(C.DEVICE_UTC) == datetime(2026, 11, 29, 21, 0, 1, tzinfo=UTC)
    text = Values([DataValue(1, 1, 0, 0, "海信 Hisense".encode().ljust(128, b"\x00"))])
    assert text.text(C.MANUFACTURER) == "海信 Hisense"
    faults = Values([DataValue(16, 2, 2, 0, b"\x00\x41\x10"), DataValue(16, 2, 4, 0, b"\x00\x10")])
    assert R.records(faults, C.FAULT_TYPES, C.FAULT_ACTIONS) == [(0x41, 0x00), (0x10, 0x10)]


def test_refused_all_queries_expand_per_element() -> None:
    layout = R.Layout({}, {}, {}, 0, {}, (1, 2, 3), (1, 2), (4, 7), (1, 2))
    assert R.expand(C.PLAN_CYCLE, layout) == [(9, 2, 3, 1), (9, 2, 3, 2)]
    assert R.expand(C.STAGE_ELAPSED, layout) == [(6, 3, 3, 4), (6, 3, 3, 7)]
    assert R.expand(C.LIGHT_GROUP_STATUS, layout) == [(3, 3, 1, n) for n in (1, 2, 3)]
    assert R.expand(C.DETECTOR_PRESENCE, layout) == []
    assert R.expand(C.RUN_MODE, layout) == []
