"""GB/T 20999 values -> Junction's normalized signal state. Pure functions, no I/O.

Tables follow reference §6.1 (lamp states) and §6.2 (control modes). The source codes are [C];
the cross-protocol choices are the project's and [I]: GB/T reports lamps per light group, so
a phase's vehicle indication is its first motor-vehicle light group and its pedestrian
indication its first pedestrian light group (both found through 4.2.2 at open). A pedestrian
green is WALK, green flash is flashing don't walk, anything red or yellow is DONT_WALK [I].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.gbt20999 import const as C
from gateway.model import (
    Alarm,
    AlarmSeverity,
    ControlMode,
    ControlSource,
    DetectorState,
    PedIndication,
    PhaseState,
    StageState,
    VehicleIndication,
)

__all__ = [
    "VEHICLE", "PEDESTRIAN", "FAST_FLASH", "RUN_MODE", "Layout", "vehicle_indication",
    "ped_indication", "control_mode", "phases", "stage", "detectors", "alarm_for",
    "fault_for", "door_alarm", "members",
]

V, P = VehicleIndication, PedIndication

VEHICLE: dict[int, VehicleIndication] = {
    0x01: V.DARK, 0x10: V.RED, 0x11: V.RED_FLASH, 0x12: V.RED_FLASH, 0x20: V.GREEN,
    0x21: V.GREEN_FLASH, 0x22: V.GREEN_FLASH, 0x30: V.YELLOW, 0x31: V.YELLOW_FLASH,
    0x32: V.YELLOW_FLASH, 0x40: V.RED_YELLOW,
}
FAST_FLASH = frozenset({0x12, 0x22, 0x32})
PEDESTRIAN: dict[int, PedIndication] = {
    0x01: P.DARK, 0x20: P.WALK, 0x21: P.PED_CLEAR, 0x22: P.PED_CLEAR, 0x10: P.DONT_WALK,
    0x11: P.DONT_WALK, 0x12: P.DONT_WALK, 0x30: P.DONT_WALK, 0x31: P.DONT_WALK,
    0x32: P.DONT_WALK, 0x40: P.DONT_WALK,
}

M, S = ControlMode, ControlSource
# run mode -> (mode, source). Strategy and source of the special modes are refined by the
# adapter (a flash the gateway commanded is `central`).
RUN_MODE: dict[int, tuple[ControlMode, ControlSource]] = {
    0x10: (M.PLAN_LOCK, S.CENTRAL),        # center control (17.3 assign plan) [I]
    0x11: (M.FIXED_TIME, S.CENTRAL),       # center time-of-day [I]
    0x12: (M.ADAPTIVE, S.CENTRAL),         # center optimisation [I]
    0x13: (M.COORDINATED, S.CENTRAL),
    0x14: (M.ADAPTIVE, S.CENTRAL),
    0x15: (M.MANUAL, S.CENTRAL),
    0x20: (M.FIXED_TIME, S.TIME_OF_DAY),   # local, strategy unstated [I]
    0x21: (M.FIXED_TIME, S.TIME_OF_DAY),
    0x22: (M.FREE, S.TIME_OF_DAY),
    0x23: (M.COORDINATED, S.TIME_OF_DAY),
    0x24: (M.ADAPTIVE, S.TIME_OF_DAY),
    0x25: (M.MANUAL, S.MANUAL),
    0x30: (M.UNKNOWN, S.OTHER),            # special control, kind unstated
    0x31: (M.FLASH, S.OTHER),
    0x32: (M.ALL_RED, S.OTHER),
    0x33: (M.DARK, S.OTHER),
}
_COORDINATED = frozenset({M.COORDINATED, M.FIXED_TIME, M.PLAN_LOCK, M.ADAPTIVE, M.MANUAL})


@dataclass(frozen=True, slots=True)
class Layout:
    """What a controller has, read once at open: phases -> light groups, stages -> phases."""

    light_group_types: Mapping[int, int]
    phase_light_groups: Mapping[int, tuple[int, ...]]
    stage_phases: Mapping[int, tuple[int, ...]]
    detectors: int
    plans: Mapping[int, tuple[int, int]]  # plan number -> (cycle s, offset s)


def members(mask: int) -> tuple[int, ...]:
    """Bit map -> member numbers (bit 0 = 1)."""
    return tuple(n + 1 for n in range(mask.bit_length()) if mask >> n & 1)


def vehicle_indication(code: int | None) -> VehicleIndication:
    return VEHICLE.get(code or 0, V.DARK)


def ped_indication(code: int | None) -> PedIndication:
    return PEDESTRIAN.get(code or 0, P.DARK)


def control_mode(run_mode: int | None, plan: int | None
                 ) -> tuple[ControlMode, ControlSource, int | None, str | None]:
    """(mode, source, running plan, reason) from 13.2.2 run mode and 13.2.3 current plan."""
    if run_mode is None:
        return M.UNKNOWN, S.UNKNOWN, None, None
    mode, source = RUN_MODE.get(run_mode, (M.UNKNOWN, S.UNKNOWN))
    name = C.RUN_MODES.get(run_mode, f"run_mode_0x{run_mode:02x}")
    running = plan if plan and mode in _COORDINATED else None
    reason = name if mode in (M.FLASH, M.ALL_RED, M.DARK, M.UNKNOWN, M.FREE) else None
    return mode, source, running, reason


def phases(layout: Layout, status: Mapping[int, int]) -> tuple[list[PhaseState], list[int]]:
    """Phase states from light-group status codes; also the phases in fast flash."""
    out: list[PhaseState] = []
    fast: list[int] = []
    for number in sorted(layout.phase_light_groups):
        groups = layout.phase_light_groups[number]
        vehicle = [g for g in groups if layout.light_group_types.get(g) == C.LG_VEHICLE]
        walk = [g for g in groups if layout.light_group_types.get(g) == C.LG_PEDESTRIAN]
        if not vehicle:
            vehicle = [g for g in groups if layout.light_group_types.get(g) != C.LG_PEDESTRIAN]
        code = status.get(vehicle[0]) if vehicle else None
        indication = vehicle_indication(code)
        if code in FAST_FLASH:
            fast.append(number)
        out.append(PhaseState(
            number=number, vehicle=indication,
            pedestrian=ped_indication(status.get(walk[0])) if walk else None,
            is_on=indication in (V.GREEN, V.GREEN_FLASH, V.YELLOW)))
    return out, fast


def stage(current: int | None, elapsed: Mapping[int, int] | None,
          remaining: Mapping[int, int] | None) -> StageState | None:
    if not current:
        return None
    e = elapsed.get(current) if elapsed else None
    r = remaining.get(current) if remaining else None
    return StageState(number=current, elapsed_s=float(e) if e is not None else None,
                      remaining_s=float(r) if r is not None else None)


def detectors(count: int, presence: int, faults: int) -> list[DetectorState]:
    return [DetectorState(number=n, active=bool(presence >> (n - 1) & 1),
                          fault=bool(faults >> (n - 1) & 1)) for n in range(1, count + 1)]


_ALARM_SEVERITY = {0x10: AlarmSeverity.MAJOR, 0x30: AlarmSeverity.MAJOR,
                   0x40: AlarmSeverity.MAJOR, 0x60: AlarmSeverity.MINOR}
_FAULT_SEVERITY = {0x10: AlarmSeverity.CRITICAL, 0x11: AlarmSeverity.CRITICAL,
                   0x20: AlarmSeverity.CRITICAL, 0x41: AlarmSeverity.MINOR,
                   0x47: AlarmSeverity.MINOR, 0x50: AlarmSeverity.MINOR}


def alarm_for(kind: int, value: int | None) -> Alarm:
    """A 15.2 alarm record (type, value) as an Alarm; the code is stable for one condition."""
    name = C.ALARM_TYPE_NAMES.get(kind, f"type 0x{kind:02X}")
    detail = C.ALARM_VALUE_NAMES.get(value) if value is not None else None
    if kind == 0x30 and value:
        detail = f"detector {value}"  # the value names the detector [I]
    code = f"gbt_alarm_{kind:02x}" + (f"_{value:02x}" if value is not None else "")
    return Alarm(code=code, severity=_ALARM_SEVERITY.get(kind, AlarmSeverity.MINOR),
                 text=f"{name} alarm" + (f": {detail}" if detail else ""))


def fault_for(kind: int, action: int | None) -> Alarm:
    """A 16.2 fault record (type, action) as an Alarm."""
    name = C.FAULT_TYPE_NAMES.get(kind, f"type 0x{kind:02X}")
    what = C.FAULT_ACTION_NAMES.get(action or 0, f"action 0x{action or 0:02X}")
    severity = _FAULT_SEVERITY.get(kind, AlarmSeverity.MAJOR)
    if action in (0x10, 0x20, 0x30):  # the controller left normal operation
        severity = AlarmSeverity.CRITICAL
    text = f"{name} fault" + (f" ({what})" if action else "")
    return Alarm(code=f"gbt_fault_{kind:02x}", severity=severity, text=text)


def door_alarm(value: int | None) -> Alarm | None:
    if not value:
        return None
    return Alarm(code="cabinet_door_open", severity=AlarmSeverity.MINOR,
                 text="cabinet door open")
