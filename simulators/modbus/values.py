"""What each register-map point name means on a simulated controller: SignalEngine -> numbers.

A point's name says which engine quantity it carries (the same vocabulary the adapter reads,
plus the TSC-Modbus extras of reference §5.2), its profile entry says where and how it is
encoded. NTCIP-coded points (unit_control_status, coord_pattern_status ...) carry the engine's
NTCIP numbers unchanged. A vendor composite code such as `run_mode` is found by matching the
controller's canonical mode and source (computed here as reference §6.2 proposes) against the
profile's enum entries: the entry that agrees on the most fields and contradicts none wins, so
a new vendor map needs no simulator code. Names the simulator does not know are plain storage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from simulators.engine import Interval, Override, PhaseControl, SignalEngine
from simulators.modbus.regmap import SimPoint

__all__ = ["Getter", "GETTERS", "PHASE_CONTROL", "OVERRIDE_COILS", "canonical", "enum_code",
           "value_of"]

Number = float | tuple[float, ...]
Getter = Callable[[SignalEngine, Mapping[str, float]], Number]

PHASE_CONTROL = {"phase_hold": PhaseControl.HOLD, "phase_force_off": PhaseControl.FORCE_OFF,
                 "phase_veh_call": PhaseControl.VEH_CALL,
                 "phase_ped_call": PhaseControl.PED_CALL, "phase_omit": PhaseControl.PHASE_OMIT}
OVERRIDE_COILS = {"flash_command": Override.FLASH, "all_red_command": Override.ALL_RED,
                  "lamps_off_command": Override.DARK}
_SOURCE = {1: "other", 2: "central", 3: "time_of_day", 4: "backup", 5: "manual",
           6: "time_of_day", 7: "interconnect", 8: "backup"}
_FLASH_SOURCE = {4: "manual", 5: "fault", 6: "fault", 7: "startup"}
_CHANNEL = {Interval.GREEN: 3, Interval.YELLOW: 2, Interval.RED: 1, Interval.RED_CLEAR: 1,
            Interval.DARK: 0}
MMU, STARTUP = 6, 7


def canonical(e: SignalEngine) -> dict[str, str]:
    """The controller's mode and source in the normalized vocabulary (reference §6.2)."""
    source = _SOURCE.get(e.unit_control_status, "unknown")
    flash = e.unit_flash_status
    if flash != 2:
        return {"mode": "flash", "source": _FLASH_SOURCE.get(flash, source)}
    if e.override is Override.ALL_RED:
        return {"mode": "all_red", "source": source}
    if e.override is Override.DARK:
        return {"mode": "dark", "source": source}
    pattern = e.coord_pattern_status
    mode = "coordinated" if 1 <= pattern <= 253 else "free" if pattern == 254 else \
        "flash" if pattern == 255 else "all_red"
    return {"mode": mode, "source": source}


def enum_code(point: SimPoint, state: Mapping[str, str]) -> int:
    """The raw code whose enum entry best describes `state` (see the module docstring)."""
    best, best_score = 0, -1
    for code, patch in point.codes:
        agree = sum(1 for k, v in patch.items() if state.get(k) == v)
        clash = sum(1 for k, v in patch.items() if k in state and state[k] != v)
        score = agree * 2 - clash * 3
        if score > best_score:
            best, best_score = code, score
    return best


def _phases(e: SignalEngine, fn: Callable[[int], float]) -> tuple[float, ...]:
    enabled = {t.phase for t in e.config.phases}
    return tuple(fn(p) if p in enabled else 0.0 for p in range(1, 17))


def _channel(e: SignalEngine, phase: int) -> float:
    interval, _ = e.phase_interval(phase)
    if interval is Interval.FLASH:
        lit = 2 if phase in e.config.flash_yellow_phases else 1
        return 0x10 + lit
    return _CHANNEL.get(interval, 0)


def _cabinet(e: SignalEngine, stored: Mapping[str, float]) -> float:
    """TSC-Modbus discrete inputs 0-15: door, MMU flash, local flash, stop time, manual
    enable, interval advance, power fail, preempt 1-6, spare."""
    bits = int(stored.get("door_open", 0)) & 1
    bits |= (e.unit_flash_status == MMU) << 1
    bits |= (e.override is Override.FLASH) << 2
    bits |= (e.override is not None) << 4
    bits |= (int(stored.get("preempt_call", 0)) & 0x3F) << 7
    return float(bits)


def _occupancy(e: SignalEngine) -> tuple[float, ...]:
    up = max(e.uptime_s, 0.1)
    det = e.detectors
    return tuple(min(100.0, det.occupied_ticks[d] / 10.0 / up * 100) if d <= det.count
                 else 0.0 for d in range(1, 65))


GETTERS: dict[str, Getter] = {
    "device_time": lambda e, s: float(int(e.device_time_s)),
    "uptime": lambda e, s: e.uptime_s,
    "unit_control_status": lambda e, s: e.unit_control_status,
    "unit_flash_status": lambda e, s: e.unit_flash_status,
    "coord_pattern_status": lambda e, s: e.coord_pattern_status,
    "local_free_status": lambda e, s: e.local_free_status,
    "unit_alarm_status1": lambda e, s: e.unit_alarm_status1,
    "unit_alarm_status2": lambda e, s: e.unit_alarm_status2,
    "short_alarm_status": lambda e, s: e.read_short_alarm_status(),
    "cycle_timer": lambda e, s: e.cycle_timer,
    "sync_timer": lambda e, s: e.sync_timer,
    "cycle_position": lambda e, s: e.cycle_position_ticks / 10.0,
    "cycle_length": lambda e, s: e.cycle_length,
    "cycle_offset": lambda e, s: float(p.offset_s) if (p := e.running_pattern) else 0.0,
    "running_plan": lambda e, s: float(c) if 1 <= (c := e.coord_pattern_status) <= 253 else 0.0,
    "greens": lambda e, s: e.greens, "yellows": lambda e, s: e.yellows,
    "reds": lambda e, s: e.reds, "walks": lambda e, s: e.walks,
    "ped_clears": lambda e, s: e.ped_clears, "dont_walks": lambda e, s: e.dont_walks,
    "veh_calls": lambda e, s: e.veh_calls, "ped_calls": lambda e, s: e.ped_calls,
    "phase_ons": lambda e, s: e.phase_ons, "phase_nexts": lambda e, s: e.phase_nexts,
    "phase_remaining": lambda e, s: _phases(e, lambda p: e.phase_interval(p)[1]),
    "channel_states": lambda e, s: _phases(e, lambda p: _channel(e, p)),
    "detector_presence": lambda e, s: e.detector_active,
    "detector_faults": lambda e, s: e.detector_alarms,
    "detector_volume": lambda e, s: tuple(float(v % 65536) for v in e.detectors.volume[1:65]),
    "detector_occupancy": lambda e, s: _occupancy(e),
    "ped_buttons": lambda e, s: e.ped_calls,
    "cabinet_inputs": _cabinet,
    "flash_active": lambda e, s: float(e.flash_active),
    "cabinet_temperature": lambda e, s: s.get("cabinet_temperature", -3.5),
    "pattern_control": lambda e, s: e.central.system_pattern_control,
    "assign_plan": lambda e, s: e.central.system_pattern_control,
    "sync_control": lambda e, s: e.central.system_sync_control,
    "backup_time": lambda e, s: e.central.unit_backup_time_s,
}


def _phase_control(kind: PhaseControl) -> Getter:
    return lambda e, s: e.central.phase_control[kind]


def _override_coil(override: Override) -> Getter:
    return lambda e, s: float(e.override is override)


GETTERS.update({name: _phase_control(kind) for name, kind in PHASE_CONTROL.items()})
GETTERS.update({name: _override_coil(o) for name, o in OVERRIDE_COILS.items()})


def value_of(point: SimPoint, e: SignalEngine, stored: Mapping[str, float]) -> Number:
    """The current value of `point` in engine units (an enum point: its raw code)."""
    getter = GETTERS.get(point.name)
    if getter is not None:
        return getter(e, stored)
    if point.codes:
        return float(enum_code(point, canonical(e)))
    return stored.get(point.name, 0.0)
