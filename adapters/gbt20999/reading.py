"""What the adapter asks a GB/T 20999 controller for, and how the answers become a state.

Two reads: the layout at open (device info, light groups, phases, stages, detectors, plans) and
the poll (run status, lamps, stage timers, detectors, clock, alarms, faults). Tables are asked
for with element 0 ("all"); a device that refuses that (one field tool warns that plan data must
be addressed per plan) gets per-element queries instead, built from the layout's numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from adapters.gbt20999 import const as C
from adapters.gbt20999 import mapping
from adapters.gbt20999.values import Values
from gateway.model import (
    Alarm,
    ControlSource,
    ControlState,
    CycleState,
    SignalControllerState,
)

__all__ = ["REQUIRED", "OPTIONAL", "IDENTITY", "STRUCTURE", "PLANS", "Layout", "layout_from",
           "plans_from", "expand", "records", "build_state", "firmware"]

REQUIRED = (C.RUN_MODE, C.CURRENT_PLAN, C.CURRENT_STAGE, C.LIGHT_GROUP_STATUS)
OPTIONAL = (C.STAGE_ELAPSED, C.STAGE_REMAINING, C.DETECTOR_PRESENCE, C.DETECTOR_FAULTS,
            C.DEVICE_UTC, C.CABINET_DOOR, C.ALARM_TYPES, C.ALARM_VALUES, C.FAULT_TYPES,
            C.FAULT_ACTIONS)
IDENTITY = (C.MANUFACTURER, C.DEVICE_VERSION, C.DEVICE_SERIAL)
STRUCTURE = (C.LIGHT_GROUP_COUNT, C.LIGHT_GROUP_NUMBERS, C.LIGHT_GROUP_TYPES, C.PHASE_COUNT,
             C.PHASE_NUMBERS, C.PHASE_LIGHT_GROUPS, C.DETECTOR_COUNT, C.STAGE_COUNT,
             C.STAGE_NUMBERS, C.STAGE_PHASES)
PLANS = (C.PLAN_COUNT, C.PLAN_NUMBERS, C.PLAN_CYCLE, C.PLAN_OFFSET)
MAP_SIZES = (8, 4, 2, 1)
_REQUIRED_NAMES = {C.RUN_MODE[:3]: "13.2.2 run mode", C.CURRENT_PLAN[:3]: "13.2.3 current plan",
                   C.CURRENT_STAGE[:3]: "13.2.4 current stage",
                   C.LIGHT_GROUP_STATUS[:3]: "3.3.1 light-group status"}


@dataclass(frozen=True, slots=True)
class Layout(mapping.Layout):
    """mapping.Layout plus the element numbers of each table (for per-element queries)."""

    lg_numbers: tuple[int, ...] = ()
    phase_numbers: tuple[int, ...] = ()
    stage_numbers: tuple[int, ...] = ()
    plan_numbers: tuple[int, ...] = ()

    def numbers(self, key: tuple[int, int, int]) -> tuple[int, ...]:
        return {3: self.lg_numbers, 4: self.phase_numbers, 6: self.stage_numbers,
                9: self.plan_numbers}.get(key[0], ()) if key[1] >= 2 else ()


EMPTY = Layout({}, {}, {}, 0, {})


def _numbers(v: Values, count_at: C.Address, numbers_at: C.Address) -> tuple[int, ...]:
    count = v.int(count_at) or 0
    found = v.table_int(numbers_at, count)
    return tuple(found.values()) if found else tuple(range(1, count + 1))


def counts_from(v: Values) -> Layout:
    """Just the element numbers (enough to expand refused "all" queries)."""
    return Layout({}, {}, {}, 0, {}, _numbers(v, C.LIGHT_GROUP_COUNT, C.LIGHT_GROUP_NUMBERS),
                  _numbers(v, C.PHASE_COUNT, C.PHASE_NUMBERS),
                  _numbers(v, C.STAGE_COUNT, C.STAGE_NUMBERS),
                  _numbers(v, C.PLAN_COUNT, C.PLAN_NUMBERS))


def expand(address: C.Address, layout: Layout) -> list[C.Address]:
    """An element-0 table query -> one address per element (empty if the count is unknown)."""
    if address[3] != 0:
        return []
    return [(address[0], address[1], address[2], n) for n in layout.numbers(address[:3])]


def layout_from(v: Values) -> Layout:
    n = counts_from(v)
    lgs = list(n.lg_numbers)
    types = v.table_int(C.LIGHT_GROUP_TYPES, len(lgs), numbers=lgs) or \
        {g: C.LG_VEHICLE for g in lgs}
    maps = v.table_int(C.PHASE_LIGHT_GROUPS, len(n.phase_numbers), MAP_SIZES,
                       list(n.phase_numbers))
    if maps:
        phase_lgs = {p: mapping.members(m) for p, m in maps.items()}
    else:  # no phase table: every non-pedestrian light group stands for a phase
        phase_lgs = {g: (g,) for g, t in types.items() if t != C.LG_PEDESTRIAN}
    smaps = v.table_int(C.STAGE_PHASES, len(n.stage_numbers), MAP_SIZES,
                        list(n.stage_numbers)) or {}
    return Layout(types, phase_lgs, {s: mapping.members(m) for s, m in smaps.items()},
                  min(v.int(C.DETECTOR_COUNT) or 0, 64), plans_from(v, n.plan_numbers),
                  n.lg_numbers, n.phase_numbers, n.stage_numbers, n.plan_numbers)


def plans_from(v: Values, numbers: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    """Plan number -> (cycle s, offset s); cycle is 4 bytes, offset 2 (either accepted)."""
    cycles = v.table_int(C.PLAN_CYCLE, len(numbers), (4, 2), list(numbers)) or {}
    offsets = v.table_int(C.PLAN_OFFSET, len(numbers), (2, 4), list(numbers)) or {}
    return {p: (cycles.get(p, 0), offsets.get(p, 0)) for p in numbers if p}


def firmware(v: Values) -> str | None:
    """1.2 device version: hardware (2 bytes) then software (2 bytes), 0x0102 = 1.02."""
    data = v.raw(C.DEVICE_VERSION)
    if data is None or len(data) < 4:
        return None
    hw, sw = int.from_bytes(data[-4:-2], "big"), int.from_bytes(data[-2:], "big")
    return f"sw {sw >> 8}.{sw & 0xFF:02d} hw {hw >> 8}.{hw & 0xFF:02d}"


def records(v: Values, kinds: C.Address, extra: C.Address) -> list[tuple[int, int]]:
    """(type, value-or-action) per alarm (15.2) or fault (16.2) record."""
    types = v.records(kinds) or {}
    values = v.table_int(extra, len(types), (1,), list(types)) or {}
    return [(kind, values.get(n, 0)) for n, kind in types.items()]


def build_state(layout: Layout, v: Values, received: datetime, intersection: int, *,
                held: bool, missing: set[C.Address], reports: int,
                reported: Mapping[str, Alarm]) -> tuple[SignalControllerState, list[str]]:
    """The normalized state of one poll, and what required data was missing."""

    def at(a: C.Address) -> C.Address:  # 13.2.x is addressed by intersection
        return (a[0], a[1], a[2], intersection)

    problems = sorted({_REQUIRED_NAMES[a[:3]] for a in missing if a[:3] in _REQUIRED_NAMES})
    run_mode, plan = v.int(at(C.RUN_MODE)), v.int(at(C.CURRENT_PLAN))
    mode, source, running, reason = mapping.control_mode(run_mode, plan)
    if held:
        source = ControlSource.CENTRAL
    lgs = list(layout.lg_numbers)
    status = v.table_int(C.LIGHT_GROUP_STATUS, len(lgs), (1,), lgs)
    if status is None and C.LIGHT_GROUP_STATUS in v:
        problems.append("3.3.1 light-group status has an unexpected length")
    phases, fast = mapping.phases(layout, status or {})
    stages = list(layout.stage_numbers)
    current = v.int(at(C.CURRENT_STAGE))
    stage = mapping.stage(current, v.table_int(C.STAGE_ELAPSED, len(stages), (4, 2), stages),
                          v.table_int(C.STAGE_REMAINING, len(stages), (4, 2), stages))
    native: dict[str, int | str] = {"reports": reports}
    for key, value in (("run_mode", run_mode), ("current_plan", plan),
                       ("current_stage", current)):
        if value is not None:
            native[key] = value
    if run_mode is not None:
        native["run_mode_name"] = C.RUN_MODES.get(run_mode, "unknown")
    if fast:
        native["fast_flash_phases"] = ",".join(map(str, fast))
    faults = records(v, C.FAULT_TYPES, C.FAULT_ACTIONS)
    alarms = {a.code: a for a in (mapping.alarm_for(k, x)
                                  for k, x in records(v, C.ALARM_TYPES, C.ALARM_VALUES))}
    alarms.update((a.code, a) for a in (mapping.fault_for(k, x) for k, x in faults))
    door = mapping.door_alarm(v.int(C.CABINET_DOOR, (1, 8)))
    if door is not None:
        alarms[door.code] = door
    for code, alarm in reported.items():
        alarms.setdefault(code, alarm)
    if not held and mode.value in ("flash", "all_red", "dark") and \
            any(action in (0x10, 0x20, 0x30) for _, action in faults):
        source = ControlSource.FAULT
    if v.status_bytes:  # after every parse, so the count is complete
        native["value_status_bytes"] = v.status_bytes
    cycle = CycleState()
    if running is not None and running in layout.plans:
        length, offset = layout.plans[running]
        cycle = CycleState(length_s=length or None, offset_s=offset)
    state = SignalControllerState(
        received_at=received, device_time=v.time(C.DEVICE_UTC), cycle=cycle,
        control=ControlState(mode=mode, source=source, pattern=running, reason=reason,
                             central_hold=held, native=native),
        phases=phases, stage=stage,
        detectors=mapping.detectors(layout.detectors, v.int(C.DETECTOR_PRESENCE, MAP_SIZES) or 0,
                                    v.int(C.DETECTOR_FAULTS, MAP_SIZES) or 0),
        alarms=list(alarms.values()))
    return state, problems
