"""NTCIP 1202 values -> Junction's normalized signal state. Pure functions, no I/O.

Bit rule (reference §1.4): in a status group, bit 0 is the group's lowest phase, so
`phase = (group - 1) * 8 + bit + 1`. Control mode bridges unitControlStatus, unitFlashStatus and
coordPatternStatus as reference §6.2 proposes.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from gateway.model import (
    Alarm,
    AlarmSeverity,
    ControlMode,
    ControlSource,
    DetectorState,
    PedIndication,
    PhaseState,
    VehicleIndication,
)
from gateway.sdk.lamps import bit, vehicle_indication

__all__ = [
    "UNIT_CONTROL_STATUS", "UNIT_FLASH_STATUS", "LOCAL_FREE_STATUS", "PREEMPT_STATES",
    "merge_groups", "bit", "control_mode", "vehicle_indication", "ped_indication",
    "flash_colours", "ped_phases", "phases",
    "detectors", "alarms",
]

UNIT_CONTROL_STATUS = {1: "other", 2: "systemControl", 3: "systemStandby", 4: "backupMode",
                       5: "manual", 6: "timebase", 7: "interconnect", 8: "interconnectBackup"}
UNIT_FLASH_STATUS = {1: "other", 2: "notFlash", 3: "automatic", 4: "localManual",
                     5: "faultMonitor", 6: "mmu", 7: "startup", 8: "preempt"}
LOCAL_FREE_STATUS = {1: "other", 2: "notFree", 3: "commandFree", 4: "transitionFree",
                     5: "inputFree", 6: "coordFree", 7: "badPlan", 8: "badCycleTime",
                     9: "splitOverrun", 10: "invalidOffset", 11: "failed"}
PREEMPT_STATES = {1: "other", 2: "notActive", 3: "notActiveWithCall", 4: "entryStarted",
                  5: "trackService", 6: "dwell", 7: "linkActive", 8: "exitStarted",
                  9: "maxPresence"}

_SOURCE = {2: ControlSource.CENTRAL, 3: ControlSource.TIME_OF_DAY, 4: ControlSource.BACKUP,
           5: ControlSource.MANUAL, 6: ControlSource.TIME_OF_DAY, 7: ControlSource.INTERCONNECT,
           8: ControlSource.BACKUP, 1: ControlSource.OTHER}
_FLASH_SOURCE = {4: ControlSource.MANUAL, 5: ControlSource.FAULT, 6: ControlSource.FAULT,
                 7: ControlSource.STARTUP}


def merge_groups(groups: list[int]) -> int:
    """Status groups (8 members each, group 1 first) -> one bitmask, bit 0 = member 1."""
    mask = 0
    for index, value in enumerate(groups):
        mask |= (value & 0xFF) << (8 * index)
    return mask


def control_mode(unit_control: int | None, unit_flash: int | None,
                 coord_pattern: int | None,
                 local_free: int | None) -> tuple[ControlMode, ControlSource, int | None,
                                                  str | None]:
    """(mode, source, running pattern, reason) from the three status objects."""
    source = _SOURCE.get(unit_control or 0, ControlSource.UNKNOWN)
    if unit_flash is not None and 3 <= unit_flash <= 8:
        return (ControlMode.FLASH, _FLASH_SOURCE.get(unit_flash, source), None,
                UNIT_FLASH_STATUS[unit_flash])
    if coord_pattern == 255:
        return ControlMode.FLASH, source, None, "patternFlash"
    if coord_pattern == 254:
        reason = LOCAL_FREE_STATUS.get(local_free or 0)
        return ControlMode.FREE, source, None, reason
    if coord_pattern is not None and 1 <= coord_pattern <= 253:
        return ControlMode.COORDINATED, source, coord_pattern, None
    return ControlMode.UNKNOWN, source, None, None


def ped_indication(walk: bool, ped_clear: bool, dont_walk: bool) -> PedIndication:
    if walk:
        return PedIndication.WALK
    if ped_clear:
        return PedIndication.PED_CLEAR
    if dont_walk:
        return PedIndication.DONT_WALK
    return PedIndication.DARK


def ped_phases(sources: Mapping[int, int], types: Mapping[int, int]) -> frozenset[int] | None:
    """Phases driving a pedestrian channel (phasePedestrian(3)); None if the channel table
    is absent (then every phase reports a pedestrian indication, dark if unlit)."""
    if not sources:
        return None
    return frozenset(sources[c] for c, t in types.items() if t == 3 and sources.get(c))


def flash_colours(sources: Mapping[int, int], types: Mapping[int, int],
                  flash: Mapping[int, int]) -> dict[int, VehicleIndication]:
    """Per phase, the colour its vehicle channels flash (channel table: source, type, flash)."""
    out: dict[int, VehicleIndication] = {}
    for channel, bits in flash.items():
        phase = sources.get(channel)
        if not phase or types.get(channel) != 2:  # phaseVehicle(2)
            continue
        if bits & 0x02:
            out[phase] = VehicleIndication.YELLOW_FLASH
        elif bits & 0x04:
            out[phase] = VehicleIndication.RED_FLASH
    return out


def phases(count: int, masks: Mapping[str, int], flashing: bool,
           remembered: dict[int, VehicleIndication],
           ped_phases: frozenset[int] | None = None) -> list[PhaseState]:
    """Per-phase state from merged status-group masks. `remembered` holds each phase's flash
    colour (from the channel table, then from what polls saw lit); updated in place."""
    reds, yellows, greens = masks["reds"], masks["yellows"], masks["greens"]
    out = []
    for n in range(1, count + 1):
        vehicle = vehicle_indication(bit(reds, n), bit(yellows, n), bit(greens, n), flashing,
                                     remembered.get(n))
        if flashing:
            remembered[n] = vehicle
        has_ped = ped_phases is None or n in ped_phases
        out.append(_phase(
            n, vehicle,
            ped_indication(bit(masks["walks"], n), bit(masks["ped_clears"], n),
                           bit(masks["dont_walks"], n)) if has_ped else None,
            bit(masks["veh_calls"], n), bit(masks["ped_calls"], n),
            bit(masks["phase_nexts"], n), bit(masks["phase_ons"], n)))
    return out


# Interned, never-mutated state parts: a phase or detector has only a few dozen possible
# values, so polls share objects instead of validating new ones each time.
@lru_cache(maxsize=65536)
def _phase(number: int, vehicle: VehicleIndication, pedestrian: PedIndication | None,
           vehicle_call: bool, ped_call: bool, is_next: bool, is_on: bool) -> PhaseState:
    return PhaseState(number=number, vehicle=vehicle, pedestrian=pedestrian,
                      vehicle_call=vehicle_call, ped_call=ped_call, is_next=is_next,
                      is_on=is_on)


@lru_cache(maxsize=4096)
def _detector(number: int, active: bool, fault: bool) -> DetectorState:
    return DetectorState(number=number, active=active, fault=fault)


def detectors(count: int, active: int, faults: int) -> list[DetectorState]:
    return [_detector(n, bit(active, n), bit(faults, n)) for n in range(1, count + 1)]


# (object, bit) -> (code, severity, text); reference §1.6. Status bits (CoordActive, Local
# Free, Local Cycle Zero) are not alarms and are left out on purpose.
_ALARM_BITS: dict[tuple[str, int], tuple[str, AlarmSeverity, str]] = {
    ("short", 7): ("critical_alarm", AlarmSeverity.CRITICAL, "critical alarm (stop time input)"),
    ("short", 6): ("non_critical_alarm", AlarmSeverity.MINOR, "non-critical alarm"),
    ("short", 5): ("detector_fault", AlarmSeverity.MAJOR, "detector fault"),
    ("short", 4): ("coordination_alarm", AlarmSeverity.MAJOR, "coordination alarm"),
    ("short", 3): ("local_override", AlarmSeverity.MINOR, "local override"),
    ("short", 1): ("tf_flash", AlarmSeverity.CRITICAL, "T&F flash"),
    ("short", 0): ("preempt", AlarmSeverity.INFO, "preemption active"),
    ("unit1", 5): ("local_flash", AlarmSeverity.MAJOR, "local flash"),
    ("unit1", 4): ("mmu_flash", AlarmSeverity.CRITICAL, "MMU flash"),
    ("unit1", 3): ("cycle_fail", AlarmSeverity.MAJOR, "cycle fail"),
    ("unit1", 2): ("coord_fail", AlarmSeverity.MAJOR, "coordination fail"),
    ("unit1", 1): ("coord_fault", AlarmSeverity.MINOR, "coordination fault"),
    ("unit1", 0): ("cycle_fault", AlarmSeverity.MINOR, "cycle fault"),
    ("unit2", 5): ("offset_transitioning", AlarmSeverity.INFO, "offset transitioning"),
    ("unit2", 4): ("stop_time", AlarmSeverity.MAJOR, "stop time"),
    ("unit2", 3): ("external_start", AlarmSeverity.INFO, "external start"),
    ("unit2", 2): ("response_fault", AlarmSeverity.MAJOR, "TS2 port 1 response fault"),
    ("unit2", 1): ("low_battery", AlarmSeverity.MINOR, "low battery"),
    ("unit2", 0): ("power_restart", AlarmSeverity.INFO, "power restart"),
}


@lru_cache(maxsize=4096)
def alarms(short: int | None, unit1: int | None, unit2: int | None) -> list[Alarm]:
    """Shared between polls and devices (cached): callers must not mutate the list."""
    values = {"short": short or 0, "unit1": unit1 or 0, "unit2": unit2 or 0}
    return [Alarm(code=code, severity=severity, text=text)
            for (obj, b), (code, severity, text) in _ALARM_BITS.items()
            if values[obj] >> b & 1]
