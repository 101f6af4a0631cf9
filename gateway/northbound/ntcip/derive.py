"""NTCIP 1202 status values reconstructed from the normalized signal state. Pure functions.

When the device is NTCIP underneath (or a map that speaks NTCIP enums, like TSC-Modbus), the
adapter keeps the raw values in `control.native` under their MIB names, and those win: the agent
then answers what the controller said. Otherwise each value is derived from mode and source
(reference §6.2, read right to left) [I]: flash -> coordPatternStatus 255 with unitFlashStatus
automatic(3) (or the flash cause the source names), central -> unitControlStatus systemControl(2),
time_of_day -> timebase(6), free -> coordPatternStatus 254 with localFreeStatus commandFree(3).
Alarm words are rebuilt from the canonical alarm codes (the NTCIP adapter's vocabulary); an
unknown code sets the short alarm's critical or non-critical bit by its severity [I].
"""

from __future__ import annotations

from gateway.model import (
    AlarmSeverity,
    ControlMode,
    ControlSource,
    ControlState,
    SignalControllerState,
)

__all__ = [
    "native_int", "unit_control_status", "unit_flash_status", "coord_pattern_status",
    "local_free_status", "system_pattern_control", "cycle_timers", "alarm_words",
    "PREEMPT_CODES",
]

_SOURCE_UCS = {ControlSource.CENTRAL: 2, ControlSource.TIME_OF_DAY: 6, ControlSource.LOCAL: 6,
               ControlSource.BACKUP: 4, ControlSource.MANUAL: 5, ControlSource.INTERCONNECT: 7}
_FLASH_CAUSE = {ControlSource.MANUAL: 4, ControlSource.FAULT: 5, ControlSource.STARTUP: 7}
_LOCAL_FREE = {"other": 1, "notFree": 2, "commandFree": 3, "transitionFree": 4, "inputFree": 5,
               "coordFree": 6, "badPlan": 7, "badCycleTime": 8, "splitOverrun": 9,
               "invalidOffset": 10, "failed": 11}
_PATTERN_MODES = frozenset({ControlMode.COORDINATED, ControlMode.FIXED_TIME, ControlMode.ADAPTIVE,
                            ControlMode.PLAN_LOCK, ControlMode.STAGE_LOCK, ControlMode.MANUAL})
PREEMPT_CODES = {"other": 1, "notActive": 2, "notActiveWithCall": 3, "entryStarted": 4,
                 "trackService": 5, "dwell": 6, "linkActive": 7, "exitStarted": 8,
                 "maxPresence": 9}

# canonical alarm code -> (word, bit); reference §1.6 bitfields.
_ALARM_BITS: dict[str, tuple[str, int]] = {
    "critical_alarm": ("short", 7), "non_critical_alarm": ("short", 6),
    "detector_fault": ("short", 5), "coordination_alarm": ("short", 4),
    "local_override": ("short", 3), "tf_flash": ("short", 1), "preempt": ("short", 0),
    "local_flash": ("unit1", 5), "mmu_flash": ("unit1", 4), "cycle_fail": ("unit1", 3),
    "coord_fail": ("unit1", 2), "coord_fault": ("unit1", 1), "cycle_fault": ("unit1", 0),
    "offset_transitioning": ("unit2", 5), "stop_time": ("unit2", 4),
    "external_start": ("unit2", 3), "response_fault": ("unit2", 2), "low_battery": ("unit2", 1),
    "power_restart": ("unit2", 0),
}


def native_int(control: ControlState, name: str) -> int | None:
    value = control.native.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unit_control_status(c: ControlState) -> int:
    native = native_int(c, "unitControlStatus")
    if native is not None:
        return native
    if c.central_hold:
        return 2
    return _SOURCE_UCS.get(c.source, 1)


def unit_flash_status(c: ControlState) -> int:
    native = native_int(c, "unitFlashStatus")
    if native is not None:
        return native
    if c.mode != ControlMode.FLASH:
        return 2  # notFlash
    return _FLASH_CAUSE.get(c.source, 3)  # automatic(3) unless the source names the cause


def coord_pattern_status(c: ControlState) -> int:
    native = native_int(c, "coordPatternStatus")
    if native is not None:
        return native
    if c.mode == ControlMode.FLASH:
        return 255
    if c.mode == ControlMode.FREE:
        return 254
    if c.mode in _PATTERN_MODES and c.pattern is not None and 1 <= c.pattern <= 253:
        return c.pattern
    return 0  # not used: all red, dark, unknown


def local_free_status(c: ControlState) -> int:
    native = native_int(c, "localFreeStatus")
    if native is not None:
        return native
    if c.mode != ControlMode.FREE:
        return 2  # notFree
    return _LOCAL_FREE.get(c.reason or "", 3)  # commandFree unless the reason is an NTCIP name


def system_pattern_control(c: ControlState) -> int:
    """What central control holds: the device's own value if it reports one, else what the
    gateway holds (0 = standby when it holds nothing)."""
    native = native_int(c, "systemPatternControl")
    if native is not None:
        return native
    if not c.central_hold:
        return 0
    if c.mode == ControlMode.FLASH:
        return 255
    if c.mode == ControlMode.FREE:
        return 254
    return c.pattern if c.pattern is not None and 1 <= c.pattern <= 253 else 0


def cycle_timers(state: SignalControllerState) -> tuple[int, int] | None:
    """(coordCycleStatus, coordSyncStatus) in whole seconds, or None without a known cycle.
    The cycle timer counts down from the cycle length; the sync timer counts up from the system
    reference, which local cycle zero trails by the offset [I]."""
    length, position = state.cycle.length_s, state.cycle.position_s
    if not length or position is None:
        return None
    cycle = int(round(length))
    pos = int(round(position)) % cycle
    offset = int(round(state.cycle.offset_s or 0))
    return (cycle - pos) % cycle, (pos + offset) % cycle


def alarm_words(state: SignalControllerState) -> tuple[int, int, int]:
    """(shortAlarmStatus, unitAlarmStatus1, unitAlarmStatus2)."""
    words = {"short": 0, "unit1": 0, "unit2": 0}
    for alarm in state.alarms:
        word, bit = _ALARM_BITS.get(alarm.code) or \
            ("short", 7 if alarm.severity == AlarmSeverity.CRITICAL else 6)
        words[word] |= 1 << bit
    if any(d.fault for d in state.detectors):
        words["short"] |= 1 << 5
    if any(p.active for p in state.preemption):
        words["short"] |= 1 << 0
    mode = state.control.mode
    if mode in _PATTERN_MODES and state.control.pattern is not None:
        words["unit1"] |= 1 << 7  # CoordActive
    if mode == ControlMode.FREE:
        words["unit1"] |= 1 << 6  # Local Free
    return words["short"], words["unit1"], words["unit2"]
